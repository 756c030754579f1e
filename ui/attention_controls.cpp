#include "ui/attention_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QSlider>

#include <cmath>

namespace blade::ui {

AttentionControls::AttentionControls(QWidget* parent) : QWidget(parent) {
  sparsity_ = new QSlider(Qt::Horizontal, this);
  sparsity_->setObjectName(QStringLiteral("sparsity"));
  sparsity_->setRange(0, kSliderMax);
  sparsity_->setSingleStep(1);
  sparsity_->setPageStep(5);
  sparsity_->setTickInterval(10);
  sparsity_->setTickPosition(QSlider::TicksBelow);
  sparsity_->setToolTip(tr("Share of key blocks each query block skips; 0 runs exact dense attention"));
  sparsity_label_ = new QLabel(this);
  sparsity_label_->setMinimumWidth(sparsity_label_->fontMetrics().horizontalAdvance(QStringLiteral("dense  ")));
  mode_ = new QComboBox(this);
  mode_->setObjectName(QStringLiteral("attentionMode"));
  mode_->addItem(tr("ASA"), QStringLiteral("asa"));
  mode_->addItem(tr("ASA-GT"), QStringLiteral("asa-gt"));
  mode_->setToolTip(tr("ASA: adaptive block-sparse attention. ASA-GT: plus pooled global tokens for the skipped blocks"));
  adaptive_ = new QCheckBox(tr("Ada&ptive"), this);
  adaptive_->setObjectName(QStringLiteral("adaptive"));
  adaptive_->setToolTip(tr("Keep, per query block, the fewest key blocks holding 95% of the probed attention energy"));
  block_ = new QComboBox(this);
  block_->setObjectName(QStringLiteral("blockSize"));
  for (int size : {32, 64, 128, 256}) block_->addItem(QString::number(size), size);
  block_->setCurrentIndex(block_->findData(base_.block_size));
  block_->setToolTip(tr("Tokens per attention block (128 for the released models)"));

  auto* layout = new QGridLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(sparsity_, 0, 0, 1, 3);
  layout->addWidget(sparsity_label_, 0, 3);
  layout->addWidget(mode_, 1, 0);
  layout->addWidget(adaptive_, 1, 1);
  layout->addWidget(new QLabel(tr("Block"), this), 1, 2, Qt::AlignRight);
  layout->addWidget(block_, 1, 3);

  connect(sparsity_, &QSlider::valueChanged, this, [this] { update_state(); emit changed(); });
  connect(adaptive_, &QCheckBox::toggled, this, [this] { update_state(); emit changed(); });
  connect(mode_, &QComboBox::currentIndexChanged, this, &AttentionControls::changed);
  connect(block_, &QComboBox::currentIndexChanged, this, &AttentionControls::changed);
  update_state();
}

double AttentionControls::sparsity() const { return sparsity_->value() / 100.0; }
void AttentionControls::setSparsity(double sparsity) { sparsity_->setValue(static_cast<int>(std::lround(sparsity * 100.0))); }

pipeline::AttentionSettings AttentionControls::settings() const {
  pipeline::AttentionSettings settings;
  settings.asa = base_;
  settings.asa.block_size = block_->currentData().toInt();
  if (adaptive_->isChecked()) {
    settings.backend = mode_->currentData().toString().toStdString();
    settings.asa.fixed_sparsity.reset();
  } else if (sparsity_->value() == 0) {
    settings.backend = "dense";
    settings.asa.fixed_sparsity.reset();
  } else {
    settings.backend = mode_->currentData().toString().toStdString();
    settings.asa.fixed_sparsity = sparsity();
  }
  return settings;
}

void AttentionControls::setSettings(const pipeline::AttentionSettings& settings) {
  base_ = settings.asa;
  const bool dense = settings.backend == "dense";
  if (!dense) mode_->setCurrentIndex(std::max(0, mode_->findData(QString::fromStdString(settings.backend))));
  adaptive_->setChecked(!dense && !settings.asa.fixed_sparsity);
  if (dense) setSparsity(0.0);
  else if (settings.asa.fixed_sparsity) setSparsity(*settings.asa.fixed_sparsity);
  int block = block_->findData(settings.asa.block_size);
  if (block < 0) {
    block_->addItem(QString::number(settings.asa.block_size), settings.asa.block_size);
    block = block_->count() - 1;
  }
  block_->setCurrentIndex(block);
  update_state();
}

void AttentionControls::update_state() {
  const bool adaptive = adaptive_->isChecked();
  sparsity_->setEnabled(!adaptive);
  const bool dense = !adaptive && sparsity_->value() == 0;
  sparsity_label_->setText(adaptive ? tr("auto") : dense ? tr("dense") : QString::number(sparsity(), 'f', 2));
  mode_->setEnabled(!dense);
  block_->setEnabled(!dense);
}

}  // namespace blade::ui
