#pragma once
// Runs short blocking work (writing or reading a video file) off the GUI thread and delivers the
// result, or the error message, back on the thread of `context`. If `context` is gone by then,
// nothing is delivered.

#include <QObject>
#include <QString>
#include <QThread>

#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace blade::ui {

template <typename Result>
QThread* run_in_background(QObject* context, std::function<Result()> work, std::function<void(Result)> done,
                           std::function<void(const QString&)> failed) {
  auto result = std::make_shared<std::optional<Result>>();
  auto error = std::make_shared<QString>();
  QThread* thread = QThread::create([work = std::move(work), result, error] {
    try {
      *result = work();
    } catch (const std::exception& e) {
      *error = QString::fromUtf8(e.what());
    }
  });
  QObject::connect(thread, &QThread::finished, context, [result, error, done = std::move(done), failed = std::move(failed)] {
    if (result->has_value()) done(std::move(**result));
    else failed(*error);
  });
  QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  thread->start();
  return thread;
}

}  // namespace blade::ui
