#pragma once
// Draws a pair of frames: side by side, as a wipe (left image up to a movable split, right image
// after it; drag to move it) or as their difference.

#include <QImage>
#include <QWidget>

namespace blade::ui {

class CompareCanvas : public QWidget {
  Q_OBJECT

 public:
  enum class Mode { SideBySide = 1, Wipe, Difference };

  explicit CompareCanvas(QWidget* parent = nullptr);

  void setImages(const QImage& left, const QImage& right);
  const QImage& left() const { return left_; }
  const QImage& right() const { return right_; }
  void setLabels(const QString& left, const QString& right);
  void setMode(Mode mode);
  Mode mode() const { return mode_; }
  void setWipe(double position);  // 0 (all right image) ... 1 (all left image)
  double wipe() const { return wipe_; }
  void setDifferenceGain(double gain);
  // The picture the difference mode shows for the current pair (null when sizes differ).
  QImage differenceImage() const;

  QSize sizeHint() const override { return {720, 360}; }

 signals:
  void wipeChanged(double position);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  void drag_wipe(const QPointF& at);
  void label(QPainter& painter, const QRect& where, const QString& text) const;

  QImage left_;
  QImage right_;
  QString left_label_;
  QString right_label_;
  Mode mode_ = Mode::SideBySide;
  double wipe_ = 0.5;
  double gain_ = 4.0;
};

}  // namespace blade::ui
