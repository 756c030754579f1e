#pragma once
// The timeline previewer: a strip of per-step previews (the model's x0 guess after each step) and
// the final clip, a viewer with a frame scrubber, play/pause/loop at the clip's frame rate and
// keyboard frame stepping (Left/Right, Home/End, Space).

#include "ui/studio_types.h"

#include <QVector>
#include <QWidget>

class QCheckBox;
class QLabel;
class QListWidget;
class QSlider;
class QToolButton;

namespace blade::ui {

class FramePlayer;
class FrameView;

class TimelineView : public QWidget {
  Q_OBJECT

 public:
  explicit TimelineView(QWidget* parent = nullptr);

  void clear();
  // A new step preview; the view follows the newest step unless another entry was picked.
  void addStep(const StepSnapshotPtr& step);
  void setClip(const QVector<QImage>& frames, double fps, const QString& title);
  // Frames of a step's preview play at fps / frame_multiple (one preview frame per latent frame).
  void setFrameMultiple(int multiple) { frame_multiple_ = std::max(1, multiple); }

  void showStep(int index);  // index into the strip's steps
  void showClip();
  int stepCount() const { return steps_.size(); }
  bool hasClip() const { return !clip_.isEmpty(); }
  bool showingClip() const { return showing_clip_; }
  int shownStep() const { return shown_step_; }  // -1 while the clip (or nothing) is shown
  const QVector<QImage>& shownFrames() const { return shown_; }

  FramePlayer* player() const { return player_; }
  FrameView* viewer() const { return viewer_; }
  QListWidget* strip() const { return strip_; }

 signals:
  void stepShown(int index);  // -1: the clip

 protected:
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void show_frames(const QVector<QImage>& frames, double fps);
  void frame_changed(int frame);
  void strip_clicked(int row);

  FrameView* viewer_ = nullptr;
  FramePlayer* player_ = nullptr;
  QSlider* scrubber_ = nullptr;
  QToolButton* play_ = nullptr;
  QCheckBox* loop_ = nullptr;
  QLabel* position_ = nullptr;
  QListWidget* strip_ = nullptr;

  QVector<StepSnapshotPtr> steps_;
  QVector<QImage> clip_;
  double clip_fps_ = 16.0;
  QString clip_title_;
  QVector<QImage> shown_;
  int frame_multiple_ = 4;
  int shown_step_ = -1;
  bool showing_clip_ = false;
  bool follow_newest_ = true;
};

}  // namespace blade::ui
