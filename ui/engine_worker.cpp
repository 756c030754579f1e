#include "ui/engine_worker.h"

#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "pipeline/pipeline.h"
#include "ui/frame_images.h"
#include "ui/worker_observer.h"

namespace blade::ui {

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) { register_studio_metatypes(); }

EngineWorker::~EngineWorker() = default;

std::shared_ptr<pipeline::WanModel> EngineWorker::model_for(const StudioJob& job) {
  const auto& request = job.request;
  const QString key = QStringLiteral("%1|%2|%3")
                          .arg(job.model_folder, QString::fromStdString(request.device),
                               QString::fromStdString(request.dtype));
  if (!model_ || key != model_key_) {
    model_.reset();  // free the old weights before loading new ones
    model_key_.clear();
    emit stageChanged(job.id, QStringLiteral("loading model"));
    model_ = pipeline::WanModel::load(job.model_folder.toStdString(), parse_device(request.device),
                                      parse_dtype(request.dtype));
    model_key_ = key;
  }
  return model_;
}

void EngineWorker::run(const StudioJob& job) {
  static auto log = blade::log::get("ui");
  emit started(job.id);
  try {
    throw_if_cancelled(job.cancel.get(), "before the model was loaded");
    job.request.validate();  // a bad request fails at once, not after seconds of loading weights
    auto model = model_for(job);
    pipeline::Pipeline pipeline(model);
    const bool sparse = job.request.attention.backend != "dense";
    WorkerObserver observer(job.id, sparse,
                            {[this, id = job.id](pipeline::Stage stage) {
                               emit stageChanged(id, QString::fromUtf8(pipeline::to_string(stage)));
                             },
                             [this](StepSnapshotPtr step) { emit stepFinished(step); },
                             [this, id = job.id](int64_t done, int64_t total) {
                               emit decodeProgress(id, static_cast<int>(done), static_cast<int>(total));
                             }});
    auto result = pipeline.run(job.request, &observer, job.cancel.get());
    auto output = std::make_shared<GenerationOutput>();
    output->job = job;
    output->frames = frames_to_images(result.clip.frames);
    output->clip = std::move(result.clip);
    output->timings = std::move(result.timings);
    output->measured_sparsity = observer.measured_sparsity();
    output->model_id = QString::fromStdString(model->info().id);
    emit finished(output);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::Cancelled) {
      log->info("job {} cancelled: {}", job.id, error.what());
      emit cancelled(job.id);
    } else {
      log->error("job {} failed: {}", job.id, error.what());
      emit failed(job.id, QString::fromUtf8(error.what()));
    }
  } catch (const std::exception& error) {
    log->error("job {} failed: {}", job.id, error.what());
    emit failed(job.id, QString::fromUtf8(error.what()));
  }
}

}  // namespace blade::ui
