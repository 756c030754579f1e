#pragma once
// Playback position of a clip: current frame, play/pause at a frame rate, loop. Several views that
// follow one player stay in sync (the compare view's two sides).

#include <QObject>
#include <QTimer>

namespace blade::ui {

class FramePlayer : public QObject {
  Q_OBJECT

 public:
  explicit FramePlayer(QObject* parent = nullptr);

  int frameCount() const { return frame_count_; }
  void setFrameCount(int count);  // keeps the frame when it still exists, else goes to 0
  int frame() const { return frame_; }
  double fps() const { return fps_; }
  void setFps(double fps);
  bool isPlaying() const { return timer_.isActive(); }
  bool loops() const { return loop_; }
  void setLoop(bool loop) { loop_ = loop; }

 public slots:
  void setFrame(int frame);  // clamped to the clip
  void stepBy(int delta);    // wraps around when looping
  void play();
  void pause();
  void togglePlay();

 signals:
  void frameChanged(int frame);
  void playingChanged(bool playing);
  void frameCountChanged(int count);

 private:
  void advance();

  QTimer timer_;
  int frame_count_ = 0;
  int frame_ = 0;
  double fps_ = 16.0;
  bool loop_ = true;
};

}  // namespace blade::ui
