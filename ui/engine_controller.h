#pragma once
// The GUI side of the engine: a queue of jobs run one at a time by an EngineWorker on its own
// thread. Everything here is called on the GUI thread and never waits for the engine; a cancel is
// acknowledged at once (cancelRequested) and takes effect at the worker's next step.

#include "ui/studio_types.h"

#include <QList>
#include <QObject>
#include <QThread>

#include <optional>

namespace blade::ui {

class EngineWorker;

class EngineController : public QObject {
  Q_OBJECT

 public:
  explicit EngineController(QObject* parent = nullptr);
  ~EngineController() override;  // cancels what runs and waits for the worker thread

  // Assigns the job an id (returned) and a fresh cancel token, then queues it.
  quint64 enqueue(StudioJob job);
  // The running job: its token is requested. A queued job: removed. Unknown ids are ignored.
  void cancel(quint64 job_id);
  void cancelAll();

  bool busy() const { return current_.has_value(); }
  const std::optional<StudioJob>& current() const { return current_; }
  const QList<StudioJob>& pending() const { return pending_; }
  // Whether the worker has seen the cancel of the running job (it stops at its next check).
  bool cancelHeard() const;

 signals:
  void queueChanged();
  void jobStarted(const blade::ui::StudioJob& job);
  void stageChanged(quint64 job_id, const QString& stage);
  void stepFinished(const blade::ui::StepSnapshotPtr& step);
  void decodeProgress(quint64 job_id, int done, int total);
  void jobFinished(const blade::ui::GenerationOutputPtr& output);
  void cancelRequested(quint64 job_id);
  void jobCancelled(quint64 job_id);
  void jobFailed(quint64 job_id, const QString& message);

 private:
  void dispatch_next();
  void job_ended(quint64 job_id);

  QThread thread_;
  EngineWorker* worker_ = nullptr;  // lives on thread_, deleted when it finishes
  std::optional<StudioJob> current_;
  QList<StudioJob> pending_;
  quint64 next_id_ = 1;
};

}  // namespace blade::ui
