#pragma once
// Pictures of attention block masks, made with OpenCV: the kept/skipped map of one head, the
// layer x head grid of kept fractions, and the kept fraction of each token's query block laid back
// onto the frames through the inverse Gilbert order (blocks are runs along the curve, so one block
// covers a compact 3D region of the clip).

#include "ui/studio_types.h"

#include <opencv2/core/mat.hpp>

#include <QImage>

namespace blade::ui {

// CV_32F values in [0, 1] -> RGB image through an OpenCV colormap (viridis: 0 dark blue, 1 yellow).
QImage colorize(const cv::Mat& values);

// CV_32F [query_blocks, key_blocks]: 1 where the key block is kept. head -1: mean over heads.
cv::Mat block_mask_matrix(const AttentionCallSnapshot& call, int64_t head);

// CV_32F [layers, heads]: kept fraction of each head of each layer of one step (layers as rows, in
// layer order; a layer without a call is NaN and drawn grey).
cv::Mat kept_fraction_grid(const StepSnapshot& step, int64_t layers, int64_t heads);

// For every token in raster order (f, h, w of call.grid): the kept fraction of the query block the
// token falls in along the Gilbert curve. head -1: mean over heads.
std::vector<float> kept_fraction_per_token(const AttentionCallSnapshot& call, int64_t head);

// CV_32F [grid height, grid width] of one grid frame of kept_fraction_per_token.
cv::Mat kept_fraction_frame(const AttentionCallSnapshot& call, int64_t head, int64_t grid_frame);

// A horizontal colour bar from 0 (left) to 1 (right) with the colormap.
QImage colormap_legend(int width, int height);

// Converts to CV_8UC3 RGB (a copy).
cv::Mat to_rgb_mat(const QImage& image);
QImage from_rgb_mat(const cv::Mat& rgb);

}  // namespace blade::ui
