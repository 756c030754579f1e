#include "ui/frame_player.h"

#include <algorithm>
#include <cmath>

namespace blade::ui {

FramePlayer::FramePlayer(QObject* parent) : QObject(parent) {
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, &FramePlayer::advance);
  setFps(fps_);
}

void FramePlayer::setFrameCount(int count) {
  count = std::max(0, count);
  if (count == frame_count_) return;
  frame_count_ = count;
  emit frameCountChanged(count);
  if (frame_count_ < 2) pause();
  if (frame_ >= frame_count_) frame_ = 0;
  emit frameChanged(frame_);  // the frames behind the index may have changed too
}

void FramePlayer::setFps(double fps) {
  fps_ = fps > 0.0 ? fps : 16.0;
  timer_.setInterval(static_cast<int>(std::lround(1000.0 / fps_)));
}

void FramePlayer::setFrame(int frame) {
  const int clamped = frame_count_ > 0 ? std::clamp(frame, 0, frame_count_ - 1) : 0;
  if (clamped == frame_) return;
  frame_ = clamped;
  emit frameChanged(frame_);
}

void FramePlayer::stepBy(int delta) {
  if (frame_count_ == 0) return;
  int next = frame_ + delta;
  if (loop_) next = ((next % frame_count_) + frame_count_) % frame_count_;
  setFrame(next);
}

void FramePlayer::play() {
  if (frame_count_ < 2 || timer_.isActive()) return;
  if (!loop_ && frame_ == frame_count_ - 1) setFrame(0);
  timer_.start();
  emit playingChanged(true);
}

void FramePlayer::pause() {
  if (!timer_.isActive()) return;
  timer_.stop();
  emit playingChanged(false);
}

void FramePlayer::togglePlay() { isPlaying() ? pause() : play(); }

void FramePlayer::advance() {
  if (frame_ + 1 < frame_count_) {
    setFrame(frame_ + 1);
  } else if (loop_) {
    setFrame(0);
  } else {
    pause();
  }
}

}  // namespace blade::ui
