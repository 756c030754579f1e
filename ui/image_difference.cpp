#include "ui/image_difference.h"

#include "core/error.h"
#include "ui/mask_rendering.h"

#include <opencv2/core.hpp>

#include <cmath>
#include <limits>

namespace blade::ui {
namespace {

void check_same_size(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) {
    fail(ErrorKind::InvalidArgument, "cannot compare a {}x{} frame with a {}x{} frame", a.width(), a.height(), b.width(),
         b.height());
  }
}

double squared_error_sum(const QImage& a, const QImage& b) {
  check_same_size(a, b);
  cv::Mat da, db;
  to_rgb_mat(a).convertTo(da, CV_64FC3);
  to_rgb_mat(b).convertTo(db, CV_64FC3);
  const cv::Scalar sums = cv::sum((da - db).mul(da - db));
  return sums[0] + sums[1] + sums[2];
}

double psnr_from_mse(double mse) {
  return mse <= 0.0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

QImage difference_image(const QImage& a, const QImage& b, double gain) {
  check_same_size(a, b);
  cv::Mat diff;
  cv::absdiff(to_rgb_mat(a), to_rgb_mat(b), diff);
  cv::Mat diff_f;
  diff.convertTo(diff_f, CV_32FC3, gain / 255.0);
  std::vector<cv::Mat> channels;
  cv::split(diff_f, channels);
  const cv::Mat mean = (channels[0] + channels[1] + channels[2]) / 3.0;
  return colorize(mean);
}

double psnr_db(const QImage& a, const QImage& b) {
  const double count = static_cast<double>(a.width()) * a.height() * 3;
  return psnr_from_mse(count > 0 ? squared_error_sum(a, b) / count : 0.0);
}

double clip_psnr_db(const QVector<QImage>& a, const QVector<QImage>& b) {
  if (a.size() != b.size()) {
    fail(ErrorKind::InvalidArgument, "cannot compare a clip of {} frames with one of {}", a.size(), b.size());
  }
  double sum = 0.0, count = 0.0;
  for (qsizetype i = 0; i < a.size(); ++i) {
    sum += squared_error_sum(a[i], b[i]);
    count += static_cast<double>(a[i].width()) * a[i].height() * 3;
  }
  return psnr_from_mse(count > 0 ? sum / count : 0.0);
}

}  // namespace blade::ui
