#pragma once
// Sums one eval row's clips into its figures: mean scores, the median travel, the objects found
// and their motions, and fidelity only when every clip of the row had a reference.

#include "eval/model_eval/clip_scores.h"
#include "eval/model_eval/model_evaluation.h"

#include <map>
#include <string>
#include <vector>

namespace blade::eval {

class RowTally {
 public:
  void add(const ClipScores& scores, double clip_seconds);
  void add_fidelity(double clip_psnr, double clip_ssim);
  // Fills the row's clip-derived fields; Internal when no clip was added.
  void finish(EvalRow& row) const;

 private:
  int clips_ = 0;
  AttributeScores sum_;
  double temporal_ = 0.0, sharpness_ = 0.0, psnr_ = 0.0, ssim_ = 0.0, seconds_ = 0.0;
  int fidelity_clips_ = 0;
  std::vector<double> travels_;
  int objects_ = 0;
  std::map<std::string, int> motions_;
};

}  // namespace blade::eval
