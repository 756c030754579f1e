#include "ui/sampling_controls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

namespace blade::ui {

SamplingControls::SamplingControls(QWidget* parent) : QWidget(parent) {
  steps_ = new QSlider(Qt::Horizontal, this);
  steps_->setObjectName(QStringLiteral("steps"));
  steps_->setRange(1, kMaxSteps);
  steps_->setValue(8);
  steps_->setToolTip(tr("Denoising steps: distilled BLADE models need 4-8, the base model about 50"));
  steps_label_ = new QLabel(this);
  steps_label_->setMinimumWidth(steps_label_->fontMetrics().horizontalAdvance(QStringLiteral("50 ")));
  guidance_ = new QDoubleSpinBox(this);
  guidance_->setObjectName(QStringLiteral("guidance"));
  guidance_->setRange(0.0, 20.0);
  guidance_->setSingleStep(0.5);
  guidance_->setDecimals(2);
  guidance_->setValue(5.0);
  guidance_->setToolTip(tr("Classifier-free guidance; 1 or less skips the negative pass (twice as fast)"));
  sampler_ = new QComboBox(this);
  sampler_->setObjectName(QStringLiteral("sampler"));
  sampler_->addItem(tr("UniPC"), static_cast<int>(sampling::SamplerKind::UniPC));
  sampler_->addItem(tr("Euler"), static_cast<int>(sampling::SamplerKind::Euler));
  sampler_->addItem(tr("TDM (distilled students)"), static_cast<int>(sampling::SamplerKind::Tdm));
  sampler_->setToolTip(tr("TDM follows the timesteps a BLADE student was distilled at; UniPC suits the base model"));
  shift_ = new QDoubleSpinBox(this);
  shift_->setObjectName(QStringLiteral("shift"));
  shift_->setRange(0.1, 100.0);
  shift_->setSingleStep(0.5);
  shift_->setDecimals(2);
  shift_->setValue(3.0);
  shift_->setToolTip(tr("Flow-matching schedule shift (the model folder's value is taken when it has one)"));
  eta_ = new QDoubleSpinBox(this);
  eta_->setObjectName(QStringLiteral("eta"));
  eta_->setRange(0.0, 1.0);
  eta_->setSingleStep(0.05);
  eta_->setDecimals(2);
  eta_->setValue(0.9);
  eta_->setToolTip(tr("TDM: share of the predicted noise kept when re-noising between steps (the rest is fresh noise)"));

  auto* steps_row = new QHBoxLayout;
  steps_row->addWidget(steps_, 1);
  steps_row->addWidget(steps_label_);
  auto* layout = new QFormLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addRow(tr("Steps"), steps_row);
  layout->addRow(tr("&Guidance"), guidance_);
  layout->addRow(tr("Sa&mpler"), sampler_);
  layout->addRow(tr("S&hift"), shift_);
  layout->addRow(tr("&Eta"), eta_);

  connect(steps_, &QSlider::valueChanged, steps_label_, qOverload<int>(&QLabel::setNum));
  steps_label_->setNum(steps_->value());
  auto follow_sampler = [this] {
    const bool tdm = sampler() == sampling::SamplerKind::Tdm;
    eta_->setEnabled(tdm);
    shift_->setEnabled(!tdm);  // TDM walks its trained timesteps, not a shifted schedule
  };
  connect(sampler_, &QComboBox::currentIndexChanged, this, follow_sampler);
  follow_sampler();
}

int SamplingControls::steps() const { return steps_->value(); }
void SamplingControls::setSteps(int steps) { steps_->setValue(steps); }
double SamplingControls::guidance() const { return guidance_->value(); }
void SamplingControls::setGuidance(double guidance) { guidance_->setValue(guidance); }
double SamplingControls::shift() const { return shift_->value(); }
void SamplingControls::setShift(double shift) { shift_->setValue(shift); }
double SamplingControls::eta() const { return eta_->value(); }
void SamplingControls::setEta(double eta) { eta_->setValue(eta); }

sampling::SamplerKind SamplingControls::sampler() const {
  return static_cast<sampling::SamplerKind>(sampler_->currentData().toInt());
}

void SamplingControls::setSampler(sampling::SamplerKind sampler) {
  sampler_->setCurrentIndex(std::max(0, sampler_->findData(static_cast<int>(sampler))));
}

}  // namespace blade::ui
