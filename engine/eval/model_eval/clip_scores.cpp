#include "eval/model_eval/clip_scores.h"

#include "core/error.h"
#include "core/tensor_format.h"

namespace blade::eval {

ClipScores score_clip(const torch::Tensor& video, const std::string& prompt) {
  const Judgement judgement = judge_prompt(video, prompt);
  return {judgement.scores, judgement.temporal.score, judgement.sharpness.score, judgement};
}

torch::Tensor video_of(const Clip& clip) {
  const auto& frames = clip.frames;
  if (!frames.defined() || frames.dim() != 4 || frames.size(3) != 3 || frames.scalar_type() != torch::kUInt8) {
    fail(ErrorKind::Internal, "expected clip frames [F, H, W, 3] uint8, got {}",
         frames.defined() ? fmt::format("{} {}", shape_string(frames.sizes()), c10::toString(frames.scalar_type())) : "none");
  }
  return frames.permute({3, 0, 1, 2}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

}  // namespace blade::eval
