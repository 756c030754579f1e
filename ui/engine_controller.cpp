#include "ui/engine_controller.h"

#include "ui/engine_worker.h"

namespace blade::ui {

EngineController::EngineController(QObject* parent) : QObject(parent) {
  register_studio_metatypes();
  thread_.setObjectName(QStringLiteral("blade-engine"));
  worker_ = new EngineWorker;
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);

  connect(worker_, &EngineWorker::stageChanged, this, &EngineController::stageChanged);
  connect(worker_, &EngineWorker::stepFinished, this, &EngineController::stepFinished);
  connect(worker_, &EngineWorker::decodeProgress, this, &EngineController::decodeProgress);
  connect(worker_, &EngineWorker::finished, this, [this](const GenerationOutputPtr& output) {
    emit jobFinished(output);
    job_ended(output->job.id);
  });
  connect(worker_, &EngineWorker::cancelled, this, [this](quint64 id) {
    emit jobCancelled(id);
    job_ended(id);
  });
  connect(worker_, &EngineWorker::failed, this, [this](quint64 id, const QString& message) {
    emit jobFailed(id, message);
    job_ended(id);
  });
  thread_.start();
}

EngineController::~EngineController() {
  pending_.clear();
  if (current_) current_->cancel->request();
  thread_.quit();
  thread_.wait();
}

quint64 EngineController::enqueue(StudioJob job) {
  job.id = next_id_++;
  job.cancel = std::make_shared<CancelToken>();
  pending_.push_back(job);
  emit queueChanged();
  dispatch_next();
  return job.id;
}

void EngineController::cancel(quint64 job_id) {
  if (current_ && current_->id == job_id) {
    if (!current_->cancel->requested()) {
      current_->cancel->request();
      emit cancelRequested(job_id);
    }
    return;
  }
  for (qsizetype i = 0; i < pending_.size(); ++i) {
    if (pending_[i].id == job_id) {
      pending_.removeAt(i);
      emit jobCancelled(job_id);
      emit queueChanged();
      return;
    }
  }
}

void EngineController::cancelAll() {
  const auto queued = pending_;
  for (const auto& job : queued) cancel(job.id);
  if (current_) cancel(current_->id);
}

bool EngineController::cancelHeard() const { return current_ && current_->cancel->heard(); }

void EngineController::dispatch_next() {
  if (current_ || pending_.isEmpty()) return;
  current_ = pending_.takeFirst();
  emit queueChanged();
  emit jobStarted(*current_);
  QMetaObject::invokeMethod(worker_, [worker = worker_, job = *current_] { worker->run(job); }, Qt::QueuedConnection);
}

void EngineController::job_ended(quint64 job_id) {
  if (current_ && current_->id == job_id) current_.reset();
  emit queueChanged();
  dispatch_next();
}

}  // namespace blade::ui
