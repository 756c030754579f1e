#pragma once
// The deterministic judge of a clip of the synthetic world: recovers background, objects and their
// colour, shape, size, motion and speed by classical image analysis, and scores them against the
// attributes the prompt asked for.
//
// Pipeline: background (temporal median vs the world's templates) -> foreground (RGB distance) ->
// blobs (flood fill, soft coverage) -> tracks (linked by palette colour) -> per track: colour
// (nearest palette entry in CIELAB), shape (template IoU), motion/speed/size (trajectory) ->
// expected objects matched to tracks by the assignment that agrees most.

#include "eval/background_estimate.h"
#include "eval/blobs.h"
#include "eval/motion_classifier.h"
#include "eval/sharpness.h"
#include "eval/temporal_consistency.h"
#include "world/attributes.h"
#include "world/motion.h"

#include <optional>
#include <string>
#include <vector>

namespace blade::eval {

struct JudgeSettings {
  SegmentationSettings segmentation;
  double min_track_presence = 0.5;  // fraction of frames a track must appear in to count as an object
};

struct RecoveredObject {
  world::Colour colour = world::Colour::Red;
  world::Shape shape = world::Shape::Circle;
  world::Size size = world::Size::Small;
  std::optional<world::Motion> motion;  // nullopt: no motion of the world fits the track
  world::Speed speed = world::Speed::Slow;
  double shape_iou = 0.0;
  double presence = 0.0;           // fraction of frames the object was found in
  std::vector<world::Pose> poses;  // per frame, frame units; radius 0 where not found
  MotionFeatures path;             // the trajectory features the motion was read from
};

// Each in [0, 1]. Per-object attributes are averaged over the prompt's objects (an object with no
// matching track scores 0). background: half for the kind, half for the tone. count: 1 if equal.
struct AttributeScores {
  double colour = 0, shape = 0, size = 0, motion = 0, speed = 0, background = 0, count = 0;
  double overall = 0;  // mean of the seven
};

struct Judgement {
  world::Background background;
  double background_fit_error = 0.0;
  std::vector<RecoveredObject> objects;  // most present first
  AttributeScores scores;
  // Mean travel_share over the prompt's objects asked to move in one direction or to grow or shrink
  // that were matched to a recovered object; none when there are no such objects.
  std::optional<double> travel;
  TemporalConsistency temporal;
  Sharpness sharpness;  // against the world's renderer at the recovered scene and poses
};

// video: [3, F, H, W] or [1, 3, F, H, W] in [-1, 1].
Judgement judge_clip(const torch::Tensor& video, const world::SceneAttributes& expected,
                     const JudgeSettings& settings = {});

// Parses the prompt with the world's grammar first (InvalidArgument if it is not of the grammar).
Judgement judge_prompt(const torch::Tensor& video, const std::string& prompt, const JudgeSettings& settings = {});

// The recovered scene as attributes (objects without a recognised motion are given Left/Slow).
world::SceneAttributes recovered_attributes(const Judgement& judgement);

}  // namespace blade::eval
