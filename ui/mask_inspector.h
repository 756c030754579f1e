#pragma once
// The attention-mask inspector: for a chosen step, layer and head, the block mask as a heatmap
// (query blocks down, key blocks across), the layer x head grid of kept fractions (click a cell to
// pick it), and each query block's kept fraction laid onto the step's preview frames through the
// inverse Gilbert order. A legend explains the colours; the whole report saves as PNG.

#include "ui/studio_types.h"

#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace blade::ui {

class FrameView;

class MaskInspector : public QWidget {
  Q_OBJECT

 public:
  explicit MaskInspector(QWidget* parent = nullptr);

  void clear();
  void addStep(const StepSnapshotPtr& step);  // steps without attention data are ignored
  int stepCount() const { return steps_.size(); }

  // step: index among the added steps; head -1 = mean of all heads.
  void select(int step, int layer, int head);
  int selectedStep() const;
  int selectedLayer() const;
  int selectedHead() const;
  void setOverlayFrame(int latent_frame);

  // The current heatmap, grid and overlay with a legend and a title, for saving.
  QImage renderReport() const;
  // Throws blade::Error(Io) naming the path when writing fails.
  void savePng(const QString& path) const;

  FrameView* heatmapView() const { return heatmap_; }
  FrameView* gridView() const { return grid_; }
  FrameView* overlayView() const { return overlay_; }

 private:
  void refresh();
  const AttentionCallSnapshot* selected_call() const;

  QComboBox* step_ = nullptr;
  QSpinBox* layer_ = nullptr;
  QComboBox* head_ = nullptr;
  QSlider* frame_ = nullptr;
  QSlider* opacity_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* legend_ = nullptr;
  FrameView* heatmap_ = nullptr;
  FrameView* grid_ = nullptr;
  FrameView* overlay_ = nullptr;
  QVector<StepSnapshotPtr> steps_;
  int64_t heads_ = 0;
  int64_t layers_ = 0;
};

}  // namespace blade::ui
