#pragma once
// Runs generations on its own thread (move it to a QThread): owns the loaded model and the
// pipeline, and reports everything by signals, which reach the GUI thread queued. A job's cancel
// token is shared with the GUI, which requests the cancel; the pipeline stops at the next step.

#include "pipeline/wan_model.h"
#include "ui/studio_types.h"

#include <QObject>

#include <memory>

namespace blade::ui {

class EngineWorker : public QObject {
  Q_OBJECT

 public:
  explicit EngineWorker(QObject* parent = nullptr);
  ~EngineWorker() override;

  // Runs one job to the end; call it on the worker's thread (queued). Emits started, then
  // stageChanged/stepFinished/decodeProgress, then exactly one of finished, cancelled or failed.
  void run(const blade::ui::StudioJob& job);

 signals:
  void started(quint64 job_id);
  void stageChanged(quint64 job_id, const QString& stage);
  void stepFinished(const blade::ui::StepSnapshotPtr& step);
  void decodeProgress(quint64 job_id, int done, int total);
  void finished(const blade::ui::GenerationOutputPtr& output);
  void cancelled(quint64 job_id);
  void failed(quint64 job_id, const QString& message);

 private:
  std::shared_ptr<pipeline::WanModel> model_for(const StudioJob& job);

  std::shared_ptr<pipeline::WanModel> model_;
  QString model_key_;  // folder|device|dtype of model_
};

}  // namespace blade::ui
