#include "ui/mask_inspector.h"

#include "core/error.h"
#include "ui/frame_view.h"
#include "ui/mask_rendering.h"

#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace blade::ui {

MaskInspector::MaskInspector(QWidget* parent) : QWidget(parent) {
  step_ = new QComboBox(this);
  step_->setObjectName(QStringLiteral("maskStep"));
  step_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  layer_ = new QSpinBox(this);
  layer_->setObjectName(QStringLiteral("maskLayer"));
  head_ = new QComboBox(this);
  head_->setObjectName(QStringLiteral("maskHead"));
  head_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  frame_ = new QSlider(Qt::Horizontal, this);
  frame_->setObjectName(QStringLiteral("maskFrame"));
  frame_->setToolTip(tr("Latent frame the overlay shows"));
  opacity_ = new QSlider(Qt::Horizontal, this);
  opacity_->setRange(0, 100);
  opacity_->setValue(55);
  opacity_->setToolTip(tr("Overlay opacity"));
  auto* save = new QPushButton(tr("Save &PNG..."), this);
  save->setObjectName(QStringLiteral("saveMaskPng"));
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("maskStatus"));
  status_->setWordWrap(true);
  legend_ = new QLabel(this);

  heatmap_ = new FrameView(this);
  heatmap_->setNearest(true);
  heatmap_->setToolTip(tr("Block mask: query blocks down, key blocks across; bright = computed, dark = skipped"));
  grid_ = new FrameView(this);
  grid_->setNearest(true);
  grid_->setToolTip(tr("Kept fraction per layer (rows) and head (columns); click to inspect one"));
  overlay_ = new FrameView(this);
  overlay_->setToolTip(tr("Kept fraction of each token's query block on the step's preview"));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Step"), this));
  controls->addWidget(step_);
  controls->addWidget(new QLabel(tr("Layer"), this));
  controls->addWidget(layer_);
  controls->addWidget(new QLabel(tr("Head"), this));
  controls->addWidget(head_);
  controls->addWidget(new QLabel(tr("Frame"), this));
  controls->addWidget(frame_, 1);
  controls->addWidget(new QLabel(tr("Opacity"), this));
  controls->addWidget(opacity_);
  controls->addWidget(save);

  auto* legend_row = new QHBoxLayout;
  legend_row->addWidget(new QLabel(tr("0 skipped"), this));
  legend_row->addWidget(legend_, 1);
  legend_row->addWidget(new QLabel(tr("1 kept"), this));
  legend_->setPixmap(QPixmap::fromImage(colormap_legend(256, 12)));
  legend_->setScaledContents(true);
  legend_->setMaximumHeight(14);

  auto* panels = new QGridLayout;
  panels->addWidget(new QLabel(tr("Block mask"), this), 0, 0);
  panels->addWidget(new QLabel(tr("Layers x heads"), this), 0, 1);
  panels->addWidget(new QLabel(tr("On the frames"), this), 0, 2);
  panels->addWidget(heatmap_, 1, 0);
  panels->addWidget(grid_, 1, 1);
  panels->addWidget(overlay_, 1, 2);
  panels->setColumnStretch(0, 2);
  panels->setColumnStretch(1, 1);
  panels->setColumnStretch(2, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(status_);
  layout->addLayout(panels, 1);
  layout->addLayout(legend_row);

  connect(step_, &QComboBox::currentIndexChanged, this, &MaskInspector::refresh);
  connect(layer_, &QSpinBox::valueChanged, this, &MaskInspector::refresh);
  connect(head_, &QComboBox::currentIndexChanged, this, &MaskInspector::refresh);
  connect(frame_, &QSlider::valueChanged, this, &MaskInspector::refresh);
  connect(opacity_, &QSlider::valueChanged, this, &MaskInspector::refresh);
  connect(grid_, &FrameView::clicked, this, [this](const QPointF& at) {
    if (layers_ == 0 || heads_ == 0) return;
    select(selectedStep(), static_cast<int>(at.y() * layers_), static_cast<int>(at.x() * heads_));
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save attention report"), QStringLiteral("attention.png"),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    try {
      savePng(path);
      status_->setText(tr("Saved %1").arg(path));
    } catch (const std::exception& e) {
      status_->setText(QString::fromUtf8(e.what()));
    }
  });
  clear();
}

void MaskInspector::clear() {
  steps_.clear();
  heads_ = layers_ = 0;
  const QSignalBlocker b1(step_), b2(layer_), b3(head_), b4(frame_);
  step_->clear();
  layer_->setRange(0, 0);
  head_->clear();
  frame_->setRange(0, 0);
  refresh();
}

void MaskInspector::addStep(const StepSnapshotPtr& step) {
  if (!step || step->attention.empty()) return;
  const bool first = steps_.isEmpty();
  const bool was_last = step_->currentIndex() == step_->count() - 1;
  steps_.push_back(step);
  int64_t heads = 0, layers = 0;
  for (const auto& call : step->attention) {
    heads = std::max(heads, call.heads);
    layers = std::max<int64_t>(layers, call.layer + 1);
  }
  const QSignalBlocker b1(step_), b2(layer_), b3(head_), b4(frame_);
  step_->addItem(tr("%1 / %2 (σ %3)").arg(step->index + 1).arg(step->total).arg(step->sigma, 0, 'f', 3));
  if (heads != heads_ || layers != layers_) {
    heads_ = heads;
    layers_ = layers;
    layer_->setRange(0, static_cast<int>(std::max<int64_t>(0, layers - 1)));
    head_->clear();
    head_->addItem(tr("all (mean)"), -1);
    for (int64_t h = 0; h < heads; ++h) head_->addItem(QString::number(h), static_cast<int>(h));
  }
  frame_->setRange(0, std::max(0, static_cast<int>(step->preview.size()) - 1));
  if (first) frame_->setValue(frame_->maximum() / 2);
  if (first || was_last) step_->setCurrentIndex(step_->count() - 1);  // follow the newest step
  refresh();
}

void MaskInspector::select(int step, int layer, int head) {
  {
    const QSignalBlocker b1(step_), b2(layer_), b3(head_);
    step_->setCurrentIndex(std::clamp(step, 0, std::max(0, step_->count() - 1)));
    layer_->setValue(layer);
    const int index = head_->findData(head);
    if (index >= 0) head_->setCurrentIndex(index);
  }
  refresh();
}

int MaskInspector::selectedStep() const { return step_->currentIndex(); }
int MaskInspector::selectedLayer() const { return layer_->value(); }
int MaskInspector::selectedHead() const { return head_->count() ? head_->currentData().toInt() : -1; }

void MaskInspector::setOverlayFrame(int latent_frame) { frame_->setValue(latent_frame); }

const AttentionCallSnapshot* MaskInspector::selected_call() const {
  const int step = selectedStep();
  if (step < 0 || step >= steps_.size()) return nullptr;
  for (const auto& call : steps_[step]->attention) {
    if (call.layer == selectedLayer()) return &call;
  }
  return nullptr;
}

void MaskInspector::refresh() {
  const AttentionCallSnapshot* call = selected_call();
  if (!call) {
    heatmap_->setImage({});
    grid_->setImage({});
    overlay_->setImage({});
    overlay_->setOverlay({}, 0.0);
    status_->setText(steps_.isEmpty() ? tr("No block masks yet. Masks appear while a block-sparse (ASA or ASA-GT) "
                                           "generation runs; dense attention computes every block.")
                                      : tr("No attention call was recorded for layer %1 at this step.").arg(selectedLayer()));
    return;
  }
  const auto& step = *steps_[selectedStep()];
  const int head = selectedHead();
  heatmap_->setImage(colorize(block_mask_matrix(*call, head)));
  grid_->setImage(colorize(kept_fraction_grid(step, layers_, heads_)));
  const double kept = head < 0 ? call->kept_fraction : call->kept_fraction_per_head[static_cast<size_t>(head)];
  heatmap_->setCaption(tr("%1x%2 blocks of %3 tokens").arg(call->query_blocks).arg(call->key_blocks).arg(call->block_size));
  status_->setText(tr("Step %1 · layer %2 · %3 · %4: %5% of key blocks kept (sparsity %6)")
                       .arg(step.index + 1)
                       .arg(call->layer)
                       .arg(head < 0 ? tr("all heads") : tr("head %1").arg(head))
                       .arg(QString::fromStdString(call->backend))
                       .arg(kept * 100.0, 0, 'f', 1)
                       .arg(1.0 - kept, 0, 'f', 2));
  const int frames = static_cast<int>(step.preview.size());
  const int latent_frame = std::clamp(frame_->value(), 0, std::max(0, frames - 1));
  // Preview frames are latent frames; the token grid may be coarser in time (temporal patching).
  const int64_t grid_frame = frames > 0 ? std::min<int64_t>(call->grid[0] - 1, latent_frame * call->grid[0] / frames) : 0;
  overlay_->setImage(frames > 0 ? step.preview[latent_frame] : QImage());
  overlay_->setOverlay(colorize(kept_fraction_frame(*call, head, grid_frame)), opacity_->value() / 100.0);
  overlay_->setCaption(tr("latent frame %1").arg(latent_frame));
}

QImage MaskInspector::renderReport() const {
  constexpr int kPanel = 384, kMargin = 16, kTitle = 28, kLegend = 40;
  QImage report(3 * kPanel + 4 * kMargin, kPanel + kTitle + kLegend + 3 * kMargin, QImage::Format_RGB888);
  report.fill(QColor(32, 32, 36));
  QPainter painter(&report);
  painter.setPen(Qt::white);
  painter.drawText(QRect(kMargin, kMargin, report.width() - 2 * kMargin, kTitle), Qt::AlignLeft | Qt::AlignVCenter,
                   status_->text());
  auto panel = [&](int column, const FrameView* view, bool nearest) {
    const QRect area(kMargin + column * (kPanel + kMargin), kTitle + 2 * kMargin, kPanel, kPanel);
    if (view->image().isNull()) return;
    const QRect target = fit_rect(view->image().size(), area);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, !nearest);
    painter.drawImage(target, view->image());
    if (!view->overlay().isNull()) {
      painter.setOpacity(view->overlayOpacity());
      painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
      painter.drawImage(target, view->overlay());
      painter.setOpacity(1.0);
    }
  };
  panel(0, heatmap_, true);
  panel(1, grid_, true);
  panel(2, overlay_, false);
  const int legend_y = kTitle + 3 * kMargin + kPanel;
  const QRect bar(kMargin + 80, legend_y, report.width() - 2 * kMargin - 160, 14);
  painter.drawImage(bar, colormap_legend(bar.width(), bar.height()));
  painter.drawText(QRect(kMargin, legend_y - 4, 76, 22), Qt::AlignRight | Qt::AlignVCenter, tr("0 skipped"));
  painter.drawText(QRect(bar.right() + 6, legend_y - 4, 76, 22), Qt::AlignLeft | Qt::AlignVCenter, tr("1 kept"));
  return report;
}

void MaskInspector::savePng(const QString& path) const {
  if (!renderReport().save(path, "PNG")) fail(ErrorKind::Io, "could not write the PNG '{}'", path.toStdString());
}

}  // namespace blade::ui
