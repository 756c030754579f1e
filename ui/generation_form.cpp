#include "ui/generation_form.h"

#include "core/error.h"
#include "ui/attention_controls.h"
#include "ui/clip_controls.h"
#include "ui/model_picker.h"
#include "ui/prompt_editor.h"
#include "ui/sampling_controls.h"
#include "ui/seed_control.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QVBoxLayout>

namespace blade::ui {

GenerationForm::GenerationForm(QWidget* parent) : QWidget(parent) {
  prompt_ = new PromptEditor(this);
  seed_ = new SeedControl(this);
  model_ = new ModelPicker(this);
  attention_ = new AttentionControls(this);
  sampling_ = new SamplingControls(this);
  clip_ = new ClipControls(this);

  auto group = [this](const QString& title, QWidget* content) {
    auto* box = new QGroupBox(title, this);
    auto* layout = new QVBoxLayout(box);
    layout->addWidget(content);
    return box;
  };
  auto* seed_box = new QWidget(this);
  auto* seed_layout = new QFormLayout(seed_box);
  seed_layout->setContentsMargins(0, 0, 0, 0);
  seed_layout->addRow(tr("S&eed"), seed_);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(group(tr("Prompt"), prompt_));
  layout->addWidget(seed_box);
  layout->addWidget(group(tr("Model"), model_));
  layout->addWidget(group(tr("Attention sparsity"), attention_));
  layout->addWidget(group(tr("Sampling"), sampling_));
  layout->addWidget(group(tr("Clip"), clip_));
  layout->addStretch(1);

  connect(model_, &ModelPicker::modelChanged, this, &GenerationForm::model_changed);
}

void GenerationForm::model_changed(const ModelSummary& summary) {
  clip_->setModelConstraints(summary.size_multiple, summary.frame_multiple);
  if (summary.default_shift) sampling_->setShift(*summary.default_shift);
  const auto& recommended = summary.recommended;
  if (recommended.steps) sampling_->setSteps(*recommended.steps);
  if (recommended.guidance) sampling_->setGuidance(*recommended.guidance);
  // A model without a recommendation (a base Wan folder) must not keep a student's TDM sampler.
  sampling_->setSampler(recommended.sampler.value_or(sampling::SamplerKind::UniPC));
  if (recommended.shift) sampling_->setShift(*recommended.shift);
  if (recommended.eta) sampling_->setEta(*recommended.eta);
  if (recommended.attention) attention_->setSettings(*recommended.attention);
  if (recommended.clip) {
    clip_->setFrames(static_cast<int>(recommended.clip->frames));
    clip_->setClipSize(QSize(static_cast<int>(recommended.clip->width), static_cast<int>(recommended.clip->height)));
  }
}

pipeline::GenerationRequest GenerationForm::request() const {
  pipeline::GenerationRequest request;
  request.prompt = prompt_->prompt().toStdString();
  request.negative_prompt = prompt_->negativePrompt().toStdString();
  request.seed = seed_->seed();
  request.steps = sampling_->steps();
  request.guidance = sampling_->guidance();
  request.shift = sampling_->shift();
  request.sampler = sampling_->sampler();
  request.eta = sampling_->eta();
  request.schedule = sampling_->schedule();
  request.frames = clip_->frames();
  request.width = clip_->clipSize().width();
  request.height = clip_->clipSize().height();
  request.attention = attention_->settings();
  request.lora = model_->lora();
  request.device = clip_->device().toStdString();
  request.dtype = clip_->dtype().toStdString();
  return request;
}

void GenerationForm::setRequest(const pipeline::GenerationRequest& request) {
  prompt_->setPrompt(QString::fromStdString(request.prompt));
  prompt_->setNegativePrompt(QString::fromStdString(request.negative_prompt));
  seed_->setRandom(false);
  seed_->setSeed(request.seed);
  sampling_->setSteps(request.steps);
  sampling_->setGuidance(request.guidance);
  sampling_->setShift(request.shift);
  sampling_->setSampler(request.sampler);
  sampling_->setEta(request.eta);
  sampling_->setSchedule(request.schedule);
  clip_->setFrames(request.frames);
  clip_->setClipSize({request.width, request.height});
  attention_->setSettings(request.attention);
  model_->setLora(request.lora);
  clip_->setDevice(QString::fromStdString(request.device));
  clip_->setDtype(QString::fromStdString(request.dtype));
}

StudioJob GenerationForm::takeJob() {
  if (prompt_->prompt().isEmpty()) fail(ErrorKind::InvalidArgument, "the prompt is empty: describe the clip first");
  if (!model_->summary()) {
    fail(ErrorKind::InvalidArgument, "no usable model is chosen: {}", model_->error().toStdString());
  }
  StudioJob job;
  seed_->takeSeed();
  job.request = request();
  job.request.validate();
  job.model_folder = model_->folder();
  job.label = describe_request(job.request);
  return job;
}

QString describe_request(const pipeline::GenerationRequest& request) {
  const auto& attention = request.attention;
  QString mode;
  if (attention.backend == "dense") {
    mode = QStringLiteral("dense");
  } else if (attention.asa.fixed_sparsity) {
    mode = QStringLiteral("%1 %2").arg(QString::fromStdString(attention.backend)).arg(*attention.asa.fixed_sparsity, 0, 'f', 2);
  } else {
    mode = QStringLiteral("%1 adaptive").arg(QString::fromStdString(attention.backend));
  }
  return QStringLiteral("%1 · %2 steps · %3x%4x%5 · seed %6")
      .arg(mode)
      .arg(request.steps)
      .arg(request.frames)
      .arg(request.width)
      .arg(request.height)
      .arg(request.seed);
}

}  // namespace blade::ui
