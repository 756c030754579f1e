#include "ui/sampling_controls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

namespace blade::ui {
namespace {

QDoubleSpinBox* spin_box(QWidget* parent, const char* name, double low, double high, double step, double value,
                         const QString& tip) {
  auto* box = new QDoubleSpinBox(parent);
  box->setObjectName(QString::fromLatin1(name));
  box->setRange(low, high);
  box->setSingleStep(step);
  box->setDecimals(2);
  box->setValue(value);
  box->setToolTip(tip);
  return box;
}

}  // namespace

SamplingControls::SamplingControls(QWidget* parent) : QWidget(parent) {
  steps_ = new QSlider(Qt::Horizontal, this);
  steps_->setObjectName(QStringLiteral("steps"));
  steps_->setRange(1, kMaxSteps);
  steps_->setValue(8);
  steps_->setToolTip(tr("Denoising steps: distilled BLADE models need 4-8, the base model about 50"));
  steps_label_ = new QLabel(this);
  steps_label_->setMinimumWidth(steps_label_->fontMetrics().horizontalAdvance(QStringLiteral("50 ")));
  guidance_ = spin_box(this, "guidance", 0.0, 20.0, 0.5, 5.0,
                       tr("Classifier-free guidance; 1 or less skips the negative pass (twice as fast)"));
  sampler_ = new QComboBox(this);
  sampler_->setObjectName(QStringLiteral("sampler"));
  sampler_->addItem(tr("UniPC"), static_cast<int>(sampling::SamplerKind::UniPC));
  sampler_->addItem(tr("Euler"), static_cast<int>(sampling::SamplerKind::Euler));
  sampler_->addItem(tr("TDM (distilled students)"), static_cast<int>(sampling::SamplerKind::Tdm));
  sampler_->setToolTip(tr("TDM follows the timesteps a BLADE student was distilled at; UniPC suits the base model"));
  shift_ = spin_box(this, "shift", 0.1, 100.0, 0.5, 3.0,
                    tr("Flow-matching schedule shift (the model folder's value is taken when it has one)"));
  eta_ = spin_box(this, "eta", 0.0, 1.0, 0.05, 0.9,
                  tr("TDM: share of the predicted noise kept when re-noising between steps (the rest is fresh noise)"));

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
