#include "eval/model_eval/row_tally.h"

#include "core/error.h"
#include "eval/median.h"

namespace blade::eval {

void RowTally::add(const ClipScores& scores, double clip_seconds) {
  for (const auto& object : scores.judgement.objects) {
    ++objects_;
    ++motions_[object.motion ? world::to_string(*object.motion) : std::string("none")];
  }
  const auto& a = scores.attributes;
  sum_.colour += a.colour, sum_.shape += a.shape, sum_.size += a.size, sum_.motion += a.motion;
  sum_.speed += a.speed, sum_.background += a.background, sum_.count += a.count, sum_.overall += a.overall;
  temporal_ += scores.temporal;
  sharpness_ += scores.sharpness;
  if (scores.judgement.travel) travels_.push_back(*scores.judgement.travel);
  seconds_ += clip_seconds;
  ++clips_;
}

void RowTally::add_fidelity(double clip_psnr, double clip_ssim) {
  psnr_ += clip_psnr;
  ssim_ += clip_ssim;
  ++fidelity_clips_;
}

void RowTally::finish(EvalRow& row) const {
  if (clips_ == 0) fail(ErrorKind::Internal, "eval row '{}' has no clips to sum", row.name);
  const double n = clips_;
  row.clips = clips_;
  row.accuracy = {sum_.colour / n, sum_.shape / n, sum_.size / n,  sum_.motion / n,
                  sum_.speed / n,  sum_.background / n, sum_.count / n, sum_.overall / n};
  row.temporal = temporal_ / n;
  row.sharpness = sharpness_ / n;
  row.travel = median(travels_);
  row.seconds_per_clip = seconds_ / n;
  row.objects_found = objects_;
  row.motions_found = motions_;
  if (fidelity_clips_ == clips_) {
    row.psnr_db = psnr_ / n;
    row.ssim = ssim_ / n;
  }
}

}  // namespace blade::eval
