#include "ui/log_relay.h"

#include "core/log.h"

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace blade::ui {
namespace {

class RelaySink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RelaySink(LogRelay* relay) : relay_(relay) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    const QString logger = QString::fromUtf8(message.logger_name.data(), static_cast<qsizetype>(message.logger_name.size()));
    const QString text = QString::fromUtf8(message.payload.data(), static_cast<qsizetype>(message.payload.size()));
    emit relay_->message(static_cast<int>(message.level), logger, text);
  }
  void flush_() override {}

 private:
  LogRelay* relay_;
};

}  // namespace

LogRelay& LogRelay::instance() {
  // Never destroyed: the engine's loggers keep the sink until the process ends.
  static LogRelay* relay = [] {
    auto* created = new LogRelay;
    blade::log::add_sink(std::make_shared<RelaySink>(created));
    return created;
  }();
  return *relay;
}

}  // namespace blade::ui
