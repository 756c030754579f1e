#pragma once
// How far apart two renderings of the same frame are: a difference picture and PSNR (OpenCV).

#include <QImage>
#include <QVector>

namespace blade::ui {

// Per-pixel mean absolute RGB difference, multiplied by `gain`, through the studio's colormap
// (dark = equal). Both images must have the same size (else blade::Error InvalidArgument).
QImage difference_image(const QImage& a, const QImage& b, double gain = 4.0);

// Peak signal-to-noise ratio in dB over 8-bit RGB; infinity for identical images.
double psnr_db(const QImage& a, const QImage& b);

// PSNR of whole clips: from the mean squared error over every frame.
double clip_psnr_db(const QVector<QImage>& a, const QVector<QImage>& b);

}  // namespace blade::ui
