#include "ui/compare_canvas.h"

#include "ui/frame_view.h"
#include "ui/image_difference.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace blade::ui {

CompareCanvas::CompareCanvas(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 100);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void CompareCanvas::setImages(const QImage& left, const QImage& right) {
  left_ = left;
  right_ = right;
  update();
}

void CompareCanvas::setLabels(const QString& left, const QString& right) {
  left_label_ = left;
  right_label_ = right;
  update();
}

void CompareCanvas::setMode(Mode mode) {
  mode_ = mode;
  setCursor(mode == Mode::Wipe ? Qt::SplitHCursor : Qt::ArrowCursor);
  update();
}

void CompareCanvas::setWipe(double position) {
  const double clamped = std::clamp(position, 0.0, 1.0);
  if (clamped == wipe_) return;
  wipe_ = clamped;
  emit wipeChanged(wipe_);
  update();
}

void CompareCanvas::setDifferenceGain(double gain) {
  gain_ = gain;
  update();
}

QImage CompareCanvas::differenceImage() const {
  if (left_.isNull() || left_.size() != right_.size()) return {};
  return difference_image(left_, right_, gain_);
}

void CompareCanvas::label(QPainter& painter, const QRect& where, const QString& text) const {
  if (text.isEmpty()) return;
  const QRect box = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3);
  const QRect placed(where.topLeft() + QPoint(6, 6), box.size());
  painter.fillRect(placed, QColor(0, 0, 0, 150));
  painter.setPen(Qt::white);
  painter.drawText(placed, Qt::AlignCenter, text);
}

void CompareCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(24, 24, 28));
  painter.setRenderHint(QPainter::SmoothPixmapTransform);
  if (left_.isNull() && right_.isNull()) return;
  switch (mode_) {
    case Mode::SideBySide: {
      const QRect left_area(rect().left(), rect().top(), width() / 2 - 2, height());
      const QRect right_area(rect().left() + width() / 2 + 2, rect().top(), width() - width() / 2 - 2, height());
      const QRect l = fit_rect(left_.size(), left_area), r = fit_rect(right_.size(), right_area);
      if (!left_.isNull()) painter.drawImage(l, left_);
      if (!right_.isNull()) painter.drawImage(r, right_);
      label(painter, l, left_label_);
      label(painter, r, right_label_);
      break;
    }
    case Mode::Wipe: {
      const QRect target = fit_rect(left_.isNull() ? right_.size() : left_.size(), rect());
      const int split = target.left() + static_cast<int>(wipe_ * target.width());
      if (!right_.isNull()) painter.drawImage(target, right_);
      if (!left_.isNull()) {
        painter.save();
        painter.setClipRect(QRect(target.left(), target.top(), split - target.left(), target.height()));
        painter.drawImage(target, left_);
        painter.restore();
      }
      painter.setPen(QPen(Qt::white, 2));
      painter.drawLine(split, target.top(), split, target.bottom());
      label(painter, target, left_label_);
      label(painter, QRect(split, target.top(), target.right() - split, target.height()), right_label_);
      break;
    }
    case Mode::Difference: {
      const QImage diff = differenceImage();
      const QRect target = fit_rect(diff.size(), rect());
      if (!diff.isNull()) painter.drawImage(target, diff);
      label(painter, target, tr("|%1 - %2| x %3").arg(left_label_, right_label_).arg(gain_));
      break;
    }
  }
}

void CompareCanvas::drag_wipe(const QPointF& at) {
  const QRect target = fit_rect(left_.isNull() ? right_.size() : left_.size(), rect());
  if (target.isEmpty()) return;
  setWipe((at.x() - target.left()) / target.width());
}

void CompareCanvas::mousePressEvent(QMouseEvent* event) {
  if (mode_ == Mode::Wipe && event->button() == Qt::LeftButton) drag_wipe(event->position());
}

void CompareCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (mode_ == Mode::Wipe && (event->buttons() & Qt::LeftButton)) drag_wipe(event->position());
}

}  // namespace blade::ui
