#include "ui/mask_rendering.h"

#include "attention/gilbert.h"
#include "core/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace blade::ui {

QImage colorize(const cv::Mat& values) {
  if (values.empty()) return {};
  if (values.type() != CV_32F) fail(ErrorKind::Internal, "colorize expects a float matrix, got OpenCV type {}", values.type());
  cv::Mat bytes(values.size(), CV_8U);
  cv::Mat missing(values.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < values.rows; ++y) {
    const float* in = values.ptr<float>(y);
    auto* out = bytes.ptr<uchar>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (std::isnan(in[x])) {
        missing.at<uchar>(y, x) = 255;
        out[x] = 0;
      } else {
        out[x] = static_cast<uchar>(std::lround(std::clamp(in[x], 0.0f, 1.0f) * 255.0f));
      }
    }
  }
  cv::Mat bgr;
  cv::applyColorMap(bytes, bgr, cv::COLORMAP_VIRIDIS);
  bgr.setTo(cv::Scalar(110, 110, 110), missing);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return from_rgb_mat(rgb);
}

cv::Mat block_mask_matrix(const AttentionCallSnapshot& call, int64_t head) {
  if (head >= call.heads) fail(ErrorKind::InvalidArgument, "head {} does not exist: the call has {} heads", head, call.heads);
  cv::Mat matrix(static_cast<int>(call.query_blocks), static_cast<int>(call.key_blocks), CV_32F, cv::Scalar(0));
  const int64_t first = head < 0 ? 0 : head;
  const int64_t last = head < 0 ? call.heads : head + 1;
  const float weight = 1.0f / static_cast<float>(last - first);
  for (int64_t h = first; h < last; ++h) {
    for (int64_t q = 0; q < call.query_blocks; ++q) {
      auto* row = matrix.ptr<float>(static_cast<int>(q));
      for (int64_t k = 0; k < call.key_blocks; ++k) {
        if (call.kept(h, q, k)) row[k] += weight;
      }
    }
  }
  return matrix;
}

cv::Mat kept_fraction_grid(const StepSnapshot& step, int64_t layers, int64_t heads) {
  cv::Mat grid(static_cast<int>(layers), static_cast<int>(heads), CV_32F, cv::Scalar(std::nan("")));
  for (const auto& call : step.attention) {
    if (call.layer < 0 || call.layer >= layers) continue;
    for (int64_t h = 0; h < std::min<int64_t>(heads, static_cast<int64_t>(call.kept_fraction_per_head.size())); ++h) {
      grid.at<float>(call.layer, static_cast<int>(h)) = static_cast<float>(call.kept_fraction_per_head[h]);
    }
  }
  return grid;
}

std::vector<float> kept_fraction_per_token(const AttentionCallSnapshot& call, int64_t head) {
  const int64_t tokens = call.grid[0] * call.grid[1] * call.grid[2];
  if (tokens <= 0 || call.block_size <= 0) {
    fail(ErrorKind::InvalidArgument, "the attention call has no token grid ({}x{}x{})", call.grid[0], call.grid[1], call.grid[2]);
  }
  if (head >= call.heads) fail(ErrorKind::InvalidArgument, "head {} does not exist: the call has {} heads", head, call.heads);
  const auto permutation = attention::gilbert_permutation(call.grid);
  const auto* curve_position = permutation.inverse.data_ptr<int64_t>();
  const int64_t first = head < 0 ? 0 : head;
  const int64_t last = head < 0 ? call.heads : head + 1;
  std::vector<float> per_block(static_cast<size_t>(call.query_blocks), 0.0f);
  for (int64_t h = first; h < last; ++h) {
    for (int64_t q = 0; q < call.query_blocks; ++q) {
      per_block[q] += static_cast<float>(call.kept_fraction_per_query[h * call.query_blocks + q]) / (last - first);
    }
  }
  std::vector<float> per_token(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t block = std::min(curve_position[t] / call.block_size, call.query_blocks - 1);
    per_token[t] = per_block[block];
  }
  return per_token;
}

cv::Mat kept_fraction_frame(const AttentionCallSnapshot& call, int64_t head, int64_t grid_frame) {
  if (grid_frame < 0 || grid_frame >= call.grid[0]) {
    fail(ErrorKind::InvalidArgument, "frame {} is outside the token grid's {} frames", grid_frame, call.grid[0]);
  }
  const auto per_token = kept_fraction_per_token(call, head);
  const int height = static_cast<int>(call.grid[1]);
  const int width = static_cast<int>(call.grid[2]);
  cv::Mat frame(height, width, CV_32F);
  const size_t offset = static_cast<size_t>(grid_frame) * height * width;
  std::copy(per_token.begin() + offset, per_token.begin() + offset + static_cast<size_t>(height) * width, frame.ptr<float>());
  return frame;
}

QImage colormap_legend(int width, int height) {
  cv::Mat ramp(std::max(1, height), std::max(2, width), CV_32F);
  for (int x = 0; x < ramp.cols; ++x) ramp.col(x).setTo(static_cast<double>(x) / (ramp.cols - 1));
  return colorize(ramp);
}

cv::Mat to_rgb_mat(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
  cv::Mat wrapped(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                  static_cast<size_t>(rgb.bytesPerLine()));
  return wrapped.clone();
}

QImage from_rgb_mat(const cv::Mat& rgb) {
  if (rgb.type() != CV_8UC3) fail(ErrorKind::Internal, "expected an 8-bit RGB matrix, got OpenCV type {}", rgb.type());
  QImage image(rgb.cols, rgb.rows, QImage::Format_RGB888);
  for (int y = 0; y < rgb.rows; ++y) std::memcpy(image.scanLine(y), rgb.ptr(y), static_cast<size_t>(rgb.cols) * 3);
  return image;
}

}  // namespace blade::ui
