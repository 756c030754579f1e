#pragma once
// Shows one frame scaled to fit (aspect kept, centred), with an optional translucent overlay of
// the same aspect (the attention overlay) and a caption.

#include <QImage>
#include <QWidget>

namespace blade::ui {

class FrameView : public QWidget {
  Q_OBJECT

 public:
  explicit FrameView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void setOverlay(const QImage& overlay, double opacity);  // a null image removes it
  const QImage& overlay() const { return overlay_; }
  double overlayOpacity() const { return overlay_opacity_; }
  void setCaption(const QString& caption);
  // Pixel-exact (nearest) scaling, for masks and small previews.
  void setNearest(bool nearest);

  // The rectangle the frame is drawn in, in widget coordinates.
  QRect frameRect() const;

  QSize sizeHint() const override { return {480, 320}; }

 signals:
  // A click on the frame, as a position in [0, 1) x [0, 1) of the image.
  void clicked(const QPointF& position);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QImage image_;
  QImage overlay_;
  double overlay_opacity_ = 0.5;
  QString caption_;
  bool nearest_ = false;
};

// The largest rectangle of `image_size`'s aspect that fits centred in `area`.
QRect fit_rect(const QSize& image_size, const QRect& area);

}  // namespace blade::ui
