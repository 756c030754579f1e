#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace blade::log {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  std::vector<std::shared_ptr<spdlog::logger>> loggers;
  spdlog::level::level_enum level = spdlog::level::info;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const auto& logger : r.loggers) {
    if (logger->name() == module) return logger;
  }
  auto logger = std::make_shared<spdlog::logger>(module, r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
  r.loggers.push_back(logger);
  return logger;
}

void add_sink(spdlog::sink_ptr sink) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.sinks.push_back(sink);
  for (const auto& logger : r.loggers) logger->sinks().push_back(sink);
}

void set_level(spdlog::level::level_enum level) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.level = level;
  for (const auto& logger : r.loggers) logger->set_level(level);
}

}  // namespace blade::log
