#include "ui/clip_presets.h"

namespace blade::ui {

QVector<int> frame_presets(int64_t frame_multiple) {
  QVector<int> frames;
  for (int n : {0, 1, 2, 4, 8, 12, 16, 20}) {
    const int64_t count = 1 + frame_multiple * n;
    if (count <= 81) frames.push_back(static_cast<int>(count));
  }
  return frames;
}

QVector<QSize> size_presets(int64_t size_multiple) {
  static const QSize kCommon[] = {{64, 64},   {128, 128}, {256, 256}, {256, 144}, {480, 272},
                                  {512, 512}, {624, 624}, {832, 480}, {480, 832}, {1280, 720}};
  QVector<QSize> sizes;
  for (const QSize& size : kCommon) {
    if (size_is_valid(size, size_multiple)) sizes.push_back(size);
  }
  return sizes;
}

bool size_is_valid(const QSize& size, int64_t size_multiple) {
  return size_multiple > 0 && size.width() >= size_multiple && size.height() >= size_multiple &&
         size.width() % size_multiple == 0 && size.height() % size_multiple == 0;
}

bool frames_are_valid(int frames, int64_t frame_multiple) {
  return frame_multiple > 0 && frames >= 1 && (frames - 1) % frame_multiple == 0;
}

}  // namespace blade::ui
