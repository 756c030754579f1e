#pragma once
// Dense vs BLADE on the same prompt and seed: both clips follow one player (synced frames, play,
// scrub), shown side by side, as a wipe or as their difference, with the measured numbers.

#include "ui/compare_stats.h"
#include "ui/studio_types.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace blade::ui {

class CompareCanvas;
class FramePlayer;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  explicit CompareView(QWidget* parent = nullptr);

  void clear();
  void setWaiting(const QString& message);  // while the pair is being generated
  void setPair(const GenerationOutputPtr& dense, const GenerationOutputPtr& blade);
  bool hasPair() const { return dense_ && blade_; }
  const std::optional<CompareStats>& stats() const { return stats_; }

  CompareCanvas* canvas() const { return canvas_; }
  FramePlayer* player() const { return player_; }
  QSlider* scrubber() const { return scrubber_; }

 protected:
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void show_frame(int frame);

  CompareCanvas* canvas_ = nullptr;
  FramePlayer* player_ = nullptr;
  QSlider* scrubber_ = nullptr;
  QToolButton* play_ = nullptr;
  QComboBox* mode_ = nullptr;
  QSlider* wipe_ = nullptr;
  QLabel* position_ = nullptr;
  QLabel* stats_label_ = nullptr;
  GenerationOutputPtr dense_;
  GenerationOutputPtr blade_;
  std::optional<CompareStats> stats_;
};

}  // namespace blade::ui
