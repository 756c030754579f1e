// MainWindow: queuing jobs and showing what the engine reports.

#include "ui/main_window.h"

#include "ui/compare_jobs.h"
#include "ui/compare_view.h"
#include "ui/engine_controller.h"
#include "ui/generation_form.h"
#include "ui/mask_inspector.h"
#include "ui/model_picker.h"
#include "ui/prompt_editor.h"
#include "ui/timeline_view.h"

#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>

namespace blade::ui {

void MainWindow::connect_engine() {
  connect(engine_, &EngineController::jobStarted, this, &MainWindow::job_started);
  connect(engine_, &EngineController::stepFinished, this, &MainWindow::step_finished);
  connect(engine_, &EngineController::jobFinished, this, &MainWindow::job_finished);
  connect(engine_, &EngineController::jobCancelled, this, &MainWindow::job_cancelled);
  connect(engine_, &EngineController::jobFailed, this, &MainWindow::job_failed);
  connect(engine_, &EngineController::queueChanged, this, &MainWindow::update_actions);
  connect(engine_, &EngineController::stageChanged, this, [this](quint64 id, const QString& stage) {
    if (id != shown_job_) return;
    set_status(tr("Job #%1: %2").arg(id).arg(stage));
  });
  connect(engine_, &EngineController::decodeProgress, this, [this](quint64 id, int done, int total) {
    if (id != shown_job_) return;
    progress_->setFormat(tr("decoding %v/%m"));
    progress_->setRange(0, std::max(1, total));
    progress_->setValue(done);
  });
  connect(engine_, &EngineController::cancelRequested, this, [this](quint64 id) {
    set_status(tr("Job #%1: cancelling, it stops after the current step...").arg(id));
    cancel_button_->setEnabled(false);
    // Tell the user when the engine itself has seen the request.
    auto* poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, poll, id] {
      if (!engine_->current() || engine_->current()->id != id) {
        poll->deleteLater();
      } else if (engine_->cancelHeard()) {
        set_status(tr("Job #%1: cancel received by the engine, stopping...").arg(id));
        poll->deleteLater();
      }
    });
    poll->start(50);
  });
}

quint64 MainWindow::generate() {
  try {
    StudioJob job = form_->takeJob();
    form_->promptEditor()->remember(QString::fromStdString(job.request.prompt));
    const quint64 id = engine_->enqueue(std::move(job));
    if (engine_->current() && engine_->current()->id != id) set_status(tr("Job #%1 queued").arg(id));
    return id;
  } catch (const std::exception& e) {
    show_error(tr("Cannot generate"), QString::fromUtf8(e.what()));
    return 0;
  }
}

quint64 MainWindow::compare() {
  try {
    StudioJob job = form_->takeJob();
    form_->promptEditor()->remember(QString::fromStdString(job.request.prompt));
    auto jobs = make_compare_jobs(std::move(job));
    PendingCompare pending;
    pending.dense_id = engine_->enqueue(std::move(jobs.dense));
    pending.blade_id = engine_->enqueue(std::move(jobs.blade));
    compare_pending_ = pending;
    compare_->setWaiting(tr("Generating jobs #%1 (dense) and #%2 (BLADE)...").arg(pending.dense_id).arg(pending.blade_id));
    return pending.blade_id;
  } catch (const std::exception& e) {
    show_error(tr("Cannot compare"), QString::fromUtf8(e.what()));
    return 0;
  }
}

void MainWindow::cancel() {
  if (const auto& current = engine_->current()) engine_->cancel(current->id);
}

void MainWindow::job_started(const StudioJob& job) {
  shown_job_ = job.id;
  timeline_->clear();
  inspector_->clear();
  if (const auto& summary = form_->modelPicker()->summary()) timeline_->setFrameMultiple(static_cast<int>(summary->frame_multiple));
  progress_->setFormat(tr("step %v/%m"));
  progress_->setRange(0, job.request.steps);
  progress_->setValue(0);
  set_status(tr("Job #%1: starting").arg(job.id));
  update_actions();
}

void MainWindow::step_finished(const StepSnapshotPtr& step) {
  if (step->job_id != shown_job_) return;
  timeline_->addStep(step);
  inspector_->addStep(step);
  progress_->setValue(step->index + 1);
  set_status(tr("Job #%1: step %2 of %3 (%4 ms)").arg(step->job_id).arg(step->index + 1).arg(step->total).arg(step->step_ms, 0, 'f', 0));
}

void MainWindow::job_finished(const GenerationOutputPtr& output) {
  last_output_ = output;
  shown_clip_ = output->clip;
  const auto& request = output->job.request;
  timeline_->setClip(output->frames, output->clip.fps,
                     tr("Seed %1 · %2 frames · %3 s").arg(request.seed).arg(output->frames.size()).arg(output->timings.total_s, 0, 'f', 1));
  progress_->setFormat(tr("done"));
  progress_->setValue(progress_->maximum());
  set_status(tr("Job #%1 done in %2 s (denoising %3 s, decoding %4 s)")
                 .arg(output->job.id)
                 .arg(output->timings.total_s, 0, 'f', 2)
                 .arg(output->timings.denoising_s, 0, 'f', 2)
                 .arg(output->timings.decoding_s, 0, 'f', 2));
  if (compare_pending_) {
    if (output->job.id == compare_pending_->dense_id) compare_pending_->dense = output;
    if (output->job.id == compare_pending_->blade_id) compare_pending_->blade = output;
    if (compare_pending_->dense && compare_pending_->blade) {
      compare_->setPair(compare_pending_->dense, compare_pending_->blade);
      compare_pending_.reset();
      tabs_->setCurrentWidget(compare_);
    }
  }
  update_actions();
}

void MainWindow::job_cancelled(quint64 id) {
  if (compare_pending_ && (id == compare_pending_->dense_id || id == compare_pending_->blade_id)) {
    const auto pending = *compare_pending_;
    compare_pending_.reset();
    engine_->cancel(pending.dense_id);
    engine_->cancel(pending.blade_id);
    compare_->setWaiting(tr("The comparison was cancelled."));
  }
  if (id == shown_job_) progress_->setFormat(tr("cancelled"));
  set_status(tr("Job #%1 cancelled").arg(id));
  update_actions();
}

void MainWindow::job_failed(quint64 id, const QString& message) {
  if (compare_pending_ && (id == compare_pending_->dense_id || id == compare_pending_->blade_id)) {
    const auto pending = *compare_pending_;
    compare_pending_.reset();
    engine_->cancel(pending.dense_id == id ? pending.blade_id : pending.dense_id);
    compare_->setWaiting(tr("The comparison failed: %1").arg(message));
  }
  show_error(tr("Generation failed"), tr("Job #%1 failed: %2").arg(id).arg(message));
  update_actions();
}

}  // namespace blade::ui
