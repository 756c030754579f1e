#include "ui/compare_view.h"

#include "ui/compare_canvas.h"
#include "ui/frame_player.h"
#include "ui/generation_form.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace blade::ui {

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  canvas_ = new CompareCanvas(this);
  canvas_->setObjectName(QStringLiteral("compareCanvas"));
  player_ = new FramePlayer(this);
  play_ = new QToolButton(this);
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  play_->setToolTip(tr("Play / pause both (Space)"));
  play_->setFocusPolicy(Qt::NoFocus);
  scrubber_ = new QSlider(Qt::Horizontal, this);
  scrubber_->setObjectName(QStringLiteral("compareScrubber"));
  scrubber_->setFocusPolicy(Qt::NoFocus);
  position_ = new QLabel(this);
  mode_ = new QComboBox(this);
  mode_->setObjectName(QStringLiteral("compareMode"));
  mode_->addItem(tr("Side by side"), static_cast<int>(CompareCanvas::Mode::SideBySide));
  mode_->addItem(tr("Wipe"), static_cast<int>(CompareCanvas::Mode::Wipe));
  mode_->addItem(tr("Difference"), static_cast<int>(CompareCanvas::Mode::Difference));
  mode_->setFocusPolicy(Qt::NoFocus);
  wipe_ = new QSlider(Qt::Horizontal, this);
  wipe_->setObjectName(QStringLiteral("wipe"));
  wipe_->setRange(0, 1000);
  wipe_->setValue(500);
  wipe_->setToolTip(tr("Wipe position (or drag on the picture)"));
  wipe_->setFocusPolicy(Qt::NoFocus);
  stats_label_ = new QLabel(this);
  stats_label_->setObjectName(QStringLiteral("compareStats"));
  stats_label_->setTextFormat(Qt::RichText);
  stats_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  stats_label_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

  auto* transport = new QHBoxLayout;
  transport->addWidget(play_);
  transport->addWidget(scrubber_, 1);
  transport->addWidget(position_);
  transport->addSpacing(12);
  transport->addWidget(mode_);
  transport->addWidget(new QLabel(tr("Wipe"), this));
  transport->addWidget(wipe_);
  auto* body = new QHBoxLayout;
  body->addWidget(canvas_, 1);
  body->addWidget(stats_label_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(body, 1);
  layout->addLayout(transport);

  connect(play_, &QToolButton::clicked, player_, &FramePlayer::togglePlay);
  connect(scrubber_, &QSlider::valueChanged, player_, &FramePlayer::setFrame);
  connect(player_, &FramePlayer::frameChanged, this, &CompareView::show_frame);
  connect(player_, &FramePlayer::playingChanged, this, [this](bool playing) {
    play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  });
  connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
    const auto mode = static_cast<CompareCanvas::Mode>(mode_->currentData().toInt());
    canvas_->setMode(mode);
    wipe_->setEnabled(mode == CompareCanvas::Mode::Wipe);
  });
  connect(wipe_, &QSlider::valueChanged, this, [this](int value) { canvas_->setWipe(value / 1000.0); });
  connect(canvas_, &CompareCanvas::wipeChanged, this, [this](double position) {
    const QSignalBlocker block(wipe_);
    wipe_->setValue(static_cast<int>(std::lround(position * 1000.0)));
  });
  wipe_->setEnabled(false);
  clear();
}

void CompareView::clear() {
  player_->pause();
  dense_.reset();
  blade_.reset();
  stats_.reset();
  player_->setFrameCount(0);
  canvas_->setImages({}, {});
  stats_label_->setText(tr("Compare runs the prompt twice with the same seed,\n"
                           "once with dense attention and once with BLADE\n"
                           "(Generate > Compare, Ctrl+Shift+Enter)."));
  show_frame(0);
}

void CompareView::setWaiting(const QString& message) {
  clear();
  stats_label_->setText(message);
}

void CompareView::setPair(const GenerationOutputPtr& dense, const GenerationOutputPtr& blade) {
  dense_ = dense;
  blade_ = blade;
  stats_ = compare_outputs(*dense, *blade);
  canvas_->setLabels(tr("dense"), tr("BLADE %1").arg(describe_request(blade->job.request).section(QStringLiteral(" · "), 0, 0)));
  stats_label_->setText(stats_table_html(*stats_));
  player_->setFps(dense->clip.fps);
  const int frames = static_cast<int>(std::min(dense->frames.size(), blade->frames.size()));
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setRange(0, std::max(0, frames - 1));
  }
  player_->setFrameCount(frames);
  show_frame(player_->frame());
}

void CompareView::show_frame(int frame) {
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setValue(frame);
  }
  if (!hasPair() || frame >= dense_->frames.size() || frame >= blade_->frames.size()) {
    position_->setText(QStringLiteral("-"));
    return;
  }
  canvas_->setImages(dense_->frames[frame], blade_->frames[frame]);
  position_->setText(tr("%1 / %2").arg(frame + 1).arg(player_->frameCount()));
}

void CompareView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Left: player_->pause(); player_->stepBy(-1); break;
    case Qt::Key_Right: player_->pause(); player_->stepBy(1); break;
    case Qt::Key_Space: player_->togglePlay(); break;
    default: QWidget::keyPressEvent(event); return;
  }
  event->accept();
}

}  // namespace blade::ui
