#include "ui/clip_controls.h"

#include "ui/clip_presets.h"

#include <torch/cuda.h>

#include <QComboBox>
#include <QFormLayout>

namespace blade::ui {
namespace {

QString size_text(const QSize& size) { return QStringLiteral("%1 x %2").arg(size.width()).arg(size.height()); }

}  // namespace

ClipControls::ClipControls(QWidget* parent) : QWidget(parent) {
  frames_ = new QComboBox(this);
  frames_->setObjectName(QStringLiteral("frames"));
  frames_->setToolTip(tr("Frames of the clip (16 per second)"));
  size_ = new QComboBox(this);
  size_->setObjectName(QStringLiteral("clipSize"));
  size_->setToolTip(tr("Width x height in pixels"));
  device_ = new QComboBox(this);
  device_->setObjectName(QStringLiteral("device"));
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) {
    device_->addItem(tr("GPU %1 (CUDA)").arg(i), QStringLiteral("cuda:%1").arg(i));
  }
  dtype_ = new QComboBox(this);
  dtype_->setObjectName(QStringLiteral("dtype"));
  dtype_->addItem(tr("float32"), QStringLiteral("f32"));
  dtype_->addItem(tr("bfloat16"), QStringLiteral("bf16"));
  dtype_->setToolTip(tr("Compute precision of the transformer and text encoder (bfloat16 on GPUs)"));

  auto* layout = new QFormLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addRow(tr("&Frames"), frames_);
  layout->addRow(tr("Si&ze"), size_);
  layout->addRow(tr("&Device"), device_);
  layout->addRow(tr("&Precision"), dtype_);
  setModelConstraints(16, 4);
  setFrames(17);
  setClipSize({128, 128});
}

void ClipControls::setModelConstraints(int64_t size_multiple, int64_t frame_multiple) {
  const int frames_before = frames_->count() ? frames() : 17;
  const QSize size_before = size_->count() ? clipSize() : QSize(128, 128);
  size_multiple_ = size_multiple;
  frame_multiple_ = frame_multiple;
  frames_->clear();
  for (int count : frame_presets(frame_multiple)) {
    frames_->addItem(tr("%1 (%2 s)").arg(count).arg(count / 16.0, 0, 'f', 1), count);
  }
  size_->clear();
  for (const QSize& size : size_presets(size_multiple)) size_->addItem(size_text(size), size);
  if (frames_are_valid(frames_before, frame_multiple)) setFrames(frames_before);
  if (size_is_valid(size_before, size_multiple)) setClipSize(size_before);
}

int ClipControls::frames() const { return frames_->currentData().toInt(); }

void ClipControls::setFrames(int frames) {
  int index = frames_->findData(frames);
  if (index < 0) {
    frames_->addItem(tr("%1 (%2 s)").arg(frames).arg(frames / 16.0, 0, 'f', 1), frames);
    index = frames_->count() - 1;
  }
  frames_->setCurrentIndex(index);
}

QSize ClipControls::clipSize() const { return size_->currentData().toSize(); }

void ClipControls::setClipSize(const QSize& size) {
  int index = size_->findData(size);
  if (index < 0) {
    size_->addItem(size_text(size), size);
    index = size_->count() - 1;
  }
  size_->setCurrentIndex(index);
}

QString ClipControls::device() const { return device_->currentData().toString(); }

void ClipControls::setDevice(const QString& device) {
  const QString name = device == QLatin1String("cuda") ? QStringLiteral("cuda:0") : device;
  const int index = device_->findData(name);
  if (index >= 0) device_->setCurrentIndex(index);
}

QString ClipControls::dtype() const { return dtype_->currentData().toString(); }

void ClipControls::setDtype(const QString& dtype) {
  const int index = dtype_->findData(dtype);
  if (index >= 0) dtype_->setCurrentIndex(index);
}

}  // namespace blade::ui
