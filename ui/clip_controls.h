#pragma once
// What comes out and where it runs: frame count and size (presets the model accepts), device
// and compute dtype.

#include <QSize>
#include <QWidget>

class QComboBox;

namespace blade::ui {

class ClipControls : public QWidget {
  Q_OBJECT

 public:
  explicit ClipControls(QWidget* parent = nullptr);

  // Offers the presets valid for a model with these multiples, keeping the choice when it stays valid.
  void setModelConstraints(int64_t size_multiple, int64_t frame_multiple);

  int frames() const;
  void setFrames(int frames);  // a count outside the presets is added to them
  QSize clipSize() const;
  void setClipSize(const QSize& size);
  QString device() const;
  void setDevice(const QString& device);
  QString dtype() const;
  void setDtype(const QString& dtype);

 private:
  QComboBox* frames_ = nullptr;
  QComboBox* size_ = nullptr;
  QComboBox* device_ = nullptr;
  QComboBox* dtype_ = nullptr;
  int64_t size_multiple_ = 16;
  int64_t frame_multiple_ = 4;
};

}  // namespace blade::ui
