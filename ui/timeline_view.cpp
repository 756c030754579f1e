#include "ui/timeline_view.h"

#include "ui/frame_player.h"
#include "ui/frame_view.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace blade::ui {
namespace {

constexpr int kThumbnail = 96;
constexpr int kClipRole = Qt::UserRole + 1;  // true on the strip's clip entry

QIcon thumbnail_of(const QImage& image) {
  QImage scaled = image.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  return QIcon(QPixmap::fromImage(scaled));
}

}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  viewer_ = new FrameView(this);
  viewer_->setObjectName(QStringLiteral("timelineViewer"));
  player_ = new FramePlayer(this);

  play_ = new QToolButton(this);
  play_->setObjectName(QStringLiteral("play"));
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  play_->setToolTip(tr("Play / pause (Space)"));
  play_->setFocusPolicy(Qt::NoFocus);
  loop_ = new QCheckBox(tr("&Loop"), this);
  loop_->setChecked(true);
  loop_->setFocusPolicy(Qt::NoFocus);
  scrubber_ = new QSlider(Qt::Horizontal, this);
  scrubber_->setObjectName(QStringLiteral("scrubber"));
  scrubber_->setFocusPolicy(Qt::NoFocus);
  scrubber_->setToolTip(tr("Frame (Left/Right step, Home/End)"));
  position_ = new QLabel(this);
  position_->setMinimumWidth(position_->fontMetrics().horizontalAdvance(QStringLiteral("000 / 000  16.0 fps")));

  strip_ = new QListWidget(this);
  strip_->setObjectName(QStringLiteral("stepStrip"));
  strip_->setViewMode(QListView::IconMode);
  strip_->setFlow(QListView::LeftToRight);
  strip_->setWrapping(false);
  strip_->setMovement(QListView::Static);
  strip_->setIconSize({kThumbnail, kThumbnail});
  strip_->setFixedHeight(kThumbnail + 2 * strip_->fontMetrics().height() + 24);
  strip_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  strip_->setFocusPolicy(Qt::NoFocus);

  auto* transport = new QHBoxLayout;
  transport->addWidget(play_);
  transport->addWidget(scrubber_, 1);
  transport->addWidget(position_);
  transport->addWidget(loop_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(viewer_, 1);
  layout->addLayout(transport);
  layout->addWidget(strip_);

  connect(play_, &QToolButton::clicked, player_, &FramePlayer::togglePlay);
  connect(loop_, &QCheckBox::toggled, player_, &FramePlayer::setLoop);
  connect(scrubber_, &QSlider::valueChanged, player_, &FramePlayer::setFrame);
  connect(player_, &FramePlayer::frameChanged, this, &TimelineView::frame_changed);
  connect(player_, &FramePlayer::playingChanged, this, [this](bool playing) {
    play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  });
  connect(strip_, &QListWidget::currentRowChanged, this, &TimelineView::strip_clicked);
  clear();
}

void TimelineView::clear() {
  player_->pause();
  steps_.clear();
  clip_.clear();
  shown_.clear();
  shown_step_ = -1;
  showing_clip_ = false;
  follow_newest_ = true;
  {
    const QSignalBlocker block(strip_);
    strip_->clear();
  }
  player_->setFrameCount(0);
  viewer_->setImage({});
  viewer_->setCaption(tr("No clip yet: write a prompt and press Generate (Ctrl+Enter)"));
  frame_changed(0);
}

void TimelineView::addStep(const StepSnapshotPtr& step) {
  steps_.push_back(step);
  auto* item = new QListWidgetItem(tr("step %1/%2\nσ %3").arg(step->index + 1).arg(step->total).arg(step->sigma, 0, 'f', 3));
  if (!step->preview.isEmpty()) item->setIcon(thumbnail_of(step->preview[step->preview.size() / 2]));
  item->setToolTip(tr("x0 prediction after step %1 (%2 ms)").arg(step->index + 1).arg(step->step_ms, 0, 'f', 0));
  {
    const QSignalBlocker block(strip_);
    strip_->addItem(item);
  }
  if (follow_newest_) showStep(steps_.size() - 1);
}

void TimelineView::setClip(const QVector<QImage>& frames, double fps, const QString& title) {
  clip_ = frames;
  clip_fps_ = fps;
  clip_title_ = title;
  {
    const QSignalBlocker block(strip_);
    for (int row = 0; row < strip_->count(); ++row) {
      if (strip_->item(row)->data(kClipRole).toBool()) delete strip_->takeItem(row--);
    }
    auto* item = new QListWidgetItem(tr("clip\n%1 frames").arg(frames.size()));
    item->setData(kClipRole, true);
    if (!frames.isEmpty()) item->setIcon(thumbnail_of(frames[frames.size() / 2]));
    strip_->addItem(item);
  }
  showClip();
}

void TimelineView::showStep(int index) {
  if (index < 0 || index >= steps_.size()) return;
  shown_step_ = index;
  showing_clip_ = false;
  {
    const QSignalBlocker block(strip_);
    strip_->setCurrentRow(index);
  }
  const auto& step = steps_[index];
  viewer_->setCaption(tr("Step %1 of %2 preview").arg(step->index + 1).arg(step->total));
  show_frames(step->preview, clip_fps_ / frame_multiple_);
  emit stepShown(index);
}

void TimelineView::showClip() {
  if (clip_.isEmpty()) return;
  shown_step_ = -1;
  showing_clip_ = true;
  {
    const QSignalBlocker block(strip_);
    strip_->setCurrentRow(strip_->count() - 1);
  }
  viewer_->setCaption(clip_title_);
  show_frames(clip_, clip_fps_);
  emit stepShown(-1);
}

void TimelineView::show_frames(const QVector<QImage>& frames, double fps) {
  shown_ = frames;
  player_->setFps(fps);
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setRange(0, std::max(0, static_cast<int>(frames.size()) - 1));
  }
  player_->setFrameCount(static_cast<int>(frames.size()));
  frame_changed(player_->frame());
}

void TimelineView::frame_changed(int frame) {
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setValue(frame);
  }
  if (frame >= 0 && frame < shown_.size()) viewer_->setImage(shown_[frame]);
  position_->setText(shown_.isEmpty() ? QStringLiteral("-")
                                      : tr("%1 / %2  %3 fps").arg(frame + 1).arg(shown_.size()).arg(player_->fps(), 0, 'f', 1));
}

void TimelineView::strip_clicked(int row) {
  if (row < 0) return;
  follow_newest_ = false;
  if (strip_->item(row)->data(kClipRole).toBool()) showClip();
  else showStep(row);
}

void TimelineView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Left: player_->pause(); player_->stepBy(-1); break;
    case Qt::Key_Right: player_->pause(); player_->stepBy(1); break;
    case Qt::Key_Home: player_->setFrame(0); break;
    case Qt::Key_End: player_->setFrame(player_->frameCount() - 1); break;
    case Qt::Key_Space: player_->togglePlay(); break;
    default: QWidget::keyPressEvent(event); return;
  }
  event->accept();
}

}  // namespace blade::ui
