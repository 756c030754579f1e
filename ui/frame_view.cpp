#include "ui/frame_view.h"

#include <QMouseEvent>
#include <QPainter>

namespace blade::ui {

QRect fit_rect(const QSize& image_size, const QRect& area) {
  if (image_size.isEmpty() || area.isEmpty()) return {};
  const QSize scaled = image_size.scaled(area.size(), Qt::KeepAspectRatio);
  return {area.x() + (area.width() - scaled.width()) / 2, area.y() + (area.height() - scaled.height()) / 2,
          scaled.width(), scaled.height()};
}

FrameView::FrameView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(96, 64);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void FrameView::setImage(const QImage& image) {
  image_ = image;
  update();
}

void FrameView::setOverlay(const QImage& overlay, double opacity) {
  overlay_ = overlay;
  overlay_opacity_ = opacity;
  update();
}

void FrameView::setCaption(const QString& caption) {
  caption_ = caption;
  update();
}

void FrameView::setNearest(bool nearest) {
  nearest_ = nearest;
  update();
}

QRect FrameView::frameRect() const { return fit_rect(image_.size(), rect()); }

void FrameView::mousePressEvent(QMouseEvent* event) {
  const QRect target = frameRect();
  const QPointF at = event->position();
  if (target.isEmpty() || !QRectF(target).contains(at)) return QWidget::mousePressEvent(event);
  emit clicked({(at.x() - target.x()) / target.width(), (at.y() - target.y()) / target.height()});
}

void FrameView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(24, 24, 28));
  const QRect target = frameRect();
  if (!image_.isNull()) {
    painter.setRenderHint(QPainter::SmoothPixmapTransform, !nearest_);
    painter.drawImage(target, image_);
    if (!overlay_.isNull()) {
      painter.setOpacity(overlay_opacity_);
      painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
      painter.drawImage(target, overlay_);
      painter.setOpacity(1.0);
    }
  }
  if (!caption_.isEmpty()) {
    const QRect box = painter.fontMetrics().boundingRect(caption_).adjusted(-6, -3, 6, 3);
    const QRect placed(rect().topLeft() + QPoint(8, 8), box.size());
    painter.fillRect(placed, QColor(0, 0, 0, 150));
    painter.setPen(Qt::white);
    painter.drawText(placed, Qt::AlignCenter, caption_);
  }
}

}  // namespace blade::ui
