#pragma once
// Brings spdlog messages from any thread to the GUI: one spdlog sink, added once to every engine
// logger (blade::log::add_sink), re-emits each message as a Qt signal, which reaches widgets on
// the GUI thread queued.

#include <QObject>
#include <QString>

namespace blade::ui {

class LogRelay : public QObject {
  Q_OBJECT

 public:
  // The process-wide relay; the first call adds its sink to the engine's loggers.
  static LogRelay& instance();

 signals:
  // level: spdlog::level::level_enum as int (0 trace ... 5 critical).
  void message(int level, const QString& logger, const QString& text);

 private:
  LogRelay() = default;
};

}  // namespace blade::ui
