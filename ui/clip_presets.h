#pragma once
// Frame counts and sizes offered in the studio, filtered to those a model accepts.

#include <QSize>
#include <QVector>

namespace blade::ui {

// 1 + frame_multiple * n for a few n, up to 81 frames (Wan2.1's length).
QVector<int> frame_presets(int64_t frame_multiple);

// Common sizes (square, landscape, portrait), each a multiple of `size_multiple` in both directions.
QVector<QSize> size_presets(int64_t size_multiple);

bool size_is_valid(const QSize& size, int64_t size_multiple);
bool frames_are_valid(int frames, int64_t frame_multiple);

}  // namespace blade::ui
