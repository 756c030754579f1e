#include "ui/frame_images.h"

#include "core/error.h"
#include "core/tensor_format.h"

#include <cstring>

namespace blade::ui {

QVector<QImage> frames_to_images(const torch::Tensor& frames) {
  if (!frames.defined() || frames.dim() != 4 || frames.size(3) != 3 || frames.scalar_type() != torch::kUInt8) {
    fail(ErrorKind::Internal, "expected frames as uint8 [count, height, width, 3], got {}",
         frames.defined() ? shape_string(frames.sizes()) : std::string("nothing"));
  }
  const auto cpu = frames.to(torch::kCPU).contiguous();
  const int count = static_cast<int>(cpu.size(0));
  const int height = static_cast<int>(cpu.size(1));
  const int width = static_cast<int>(cpu.size(2));
  const auto* data = cpu.data_ptr<uint8_t>();
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  QVector<QImage> images;
  images.reserve(count);
  for (int f = 0; f < count; ++f) {
    QImage image(width, height, QImage::Format_RGB888);
    for (int y = 0; y < height; ++y) {
      std::memcpy(image.scanLine(y), data + (static_cast<size_t>(f) * height + y) * row_bytes, row_bytes);
    }
    images.push_back(std::move(image));
  }
  return images;
}

torch::Tensor images_to_frames(const QVector<QImage>& images) {
  if (images.isEmpty()) fail(ErrorKind::Internal, "images_to_frames needs at least one image");
  const int width = images.front().width();
  const int height = images.front().height();
  auto frames = torch::empty({images.size(), height, width, 3}, torch::kUInt8);
  auto* data = frames.data_ptr<uint8_t>();
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  for (int f = 0; f < images.size(); ++f) {
    if (images[f].width() != width || images[f].height() != height) {
      fail(ErrorKind::Internal, "image {} is {}x{}, expected {}x{} like the first", f, images[f].width(),
           images[f].height(), width, height);
    }
    const QImage rgb = images[f].convertToFormat(QImage::Format_RGB888);
    for (int y = 0; y < height; ++y) {
      std::memcpy(data + (static_cast<size_t>(f) * height + y) * row_bytes, rgb.constScanLine(y), row_bytes);
    }
  }
  return frames;
}

}  // namespace blade::ui
