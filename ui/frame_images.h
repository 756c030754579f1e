#pragma once
// Conversions between the engine's uint8 RGB frame tensors and QImage.

#include <torch/types.h>

#include <QImage>
#include <QVector>

namespace blade::ui {

// frames [count, height, width, 3] uint8 on the CPU -> one deep-copied RGB888 image per frame.
// Throws blade::Error(Internal) for any other shape or dtype.
QVector<QImage> frames_to_images(const torch::Tensor& frames);

// The inverse (images converted to RGB888; all must have the same size).
torch::Tensor images_to_frames(const QVector<QImage>& images);

}  // namespace blade::ui
