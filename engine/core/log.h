#pragma once
// One spdlog logger per module ("io", "dit", "vae", "text", "sampling", "pipeline", "media", "cli",
// "ui"), all writing to the same sinks so that a program can add one (the studio's log panel) and
// see every module.

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace blade::log {

std::shared_ptr<spdlog::logger> get(const std::string& module);

// Adds a sink to every existing and future logger.
void add_sink(spdlog::sink_ptr sink);

// Sets the level of every existing and future logger ("trace" ... "off").
void set_level(spdlog::level::level_enum level);

}  // namespace blade::log
