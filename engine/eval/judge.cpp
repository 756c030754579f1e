#include "eval/judge.h"

#include "core/log.h"
#include "eval/clip_frames.h"
#include "eval/motion_classifier.h"
#include "eval/shape_classifier.h"
#include "eval/tracking.h"
#include "world/backgrounds.h"
#include "world/motion.h"
#include "world/prompt_parser.h"
#include "world/renderer.h"

#include <algorithm>
#include <cmath>

namespace blade::eval {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr size_t kMaxCandidateTracks = 4;

// How far a tracked blob may be from its track's last blob, in pixels per frame between them:
// twice the fastest any world motion moves at its steepest (a fast bounce), plus a large object's
// radius for a blob that splits or merges with a neighbour. A stray blob of the same colour across
// the frame starts its own track instead of making the object jump there.
double max_track_step(int64_t frames, int64_t height, int64_t width) {
  using namespace world::motion_constants;
  const double fastest = std::max({kFastDistance, kOrbitRadius * kFastSweep, kBounceHeight * kSlowSweep * kFastHops});
  const double per_frame = 2.0 * fastest / static_cast<double>(std::max<int64_t>(frames - 1, 1)) + kLargeRadius;
  return per_frame * static_cast<double>(std::min(height, width));
}

RecoveredObject describe_track(const Track& track, int64_t frames, int64_t height, int64_t width) {
  const double unit = static_cast<double>(std::min(height, width));
  RecoveredObject object;
  world::Rgb mean{};
  for (const auto& blob : track.blobs)
    for (int k = 0; k < 3; ++k) mean[k] += blob.colour[k] / static_cast<double>(track.blobs.size());
  object.colour = world::nearest_colour(mean).colour;

  const ShapeVote shape = classify_shape(track, height, width);
  object.shape = shape.shape;
  object.shape_iou = shape.iou;

  std::vector<TimedPose> timed;
  object.poses.assign(static_cast<size_t>(frames), world::Pose{});
  for (const auto& blob : track.blobs) {
    const world::Pose pose{blob.x / unit, blob.y / unit, std::sqrt(blob.area / kPi) / unit};
    object.poses[blob.frame] = pose;
    const double t = frames > 1 ? static_cast<double>(blob.frame) / static_cast<double>(frames - 1) : 0.0;
    timed.push_back({t, pose.x, pose.y, pose.radius});
  }
  const MotionVote motion = classify_motion(timed);
  object.motion = motion.motion;
  object.speed = motion.speed;
  object.size = motion.size;
  object.path = motion.features;
  object.presence = track.presence(frames);
  return object;
}

struct Agreement {
  int colour = 0, shape = 0, size = 0, motion = 0, speed = 0;
  int total() const { return colour + shape + size + motion + speed; }
};

Agreement agree(const world::ObjectAttributes& expected, const RecoveredObject& found) {
  Agreement a;
  a.colour = expected.colour == found.colour;
  a.shape = expected.shape == found.shape;
  a.size = expected.size == found.size;
  a.motion = found.motion == expected.motion;
  a.speed = found.motion == expected.motion && expected.speed == found.speed;
  return a;
}

struct Match {
  Agreement agreement;
  std::optional<size_t> found;  // index into the recovered objects; none: matched to nothing
};

// Best injective assignment of expected objects to recovered ones (or to nothing).
std::vector<Match> best_assignment(const std::vector<world::ObjectAttributes>& expected,
                                   const std::vector<RecoveredObject>& found) {
  const size_t candidates = std::min(found.size(), kMaxCandidateTracks);
  std::vector<Match> best(expected.size());
  int best_total = -1;
  std::vector<Match> current(expected.size());
  std::vector<bool> used(candidates, false);
  auto search = [&](auto&& self, size_t i, int total) -> void {
    if (i == expected.size()) {
      if (total > best_total) {
        best_total = total;
        best = current;
      }
      return;
    }
    current[i] = Match{};
    self(self, i + 1, total);
    for (size_t j = 0; j < candidates; ++j) {
      if (used[j]) continue;
      used[j] = true;
      current[i] = {agree(expected[i], found[j]), j};
      self(self, i + 1, total + current[i].agreement.total());
      used[j] = false;
    }
  };
  search(search, 0, 0);
  return best;
}

std::optional<double> mean_travel(const world::SceneAttributes& expected, const std::vector<RecoveredObject>& found,
                                  const std::vector<Match>& matches) {
  double sum = 0.0;
  int count = 0;
  for (size_t i = 0; i < matches.size(); ++i) {
    if (!matches[i].found) continue;
    const auto& asked = expected.objects[i];
    const auto share = travel_share(asked.motion, asked.speed, found[*matches[i].found].path);
    if (!share) continue;
    sum += *share;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / count;
}

AttributeScores score(const world::SceneAttributes& expected, const Judgement& judgement,
                      const std::vector<Match>& matches) {
  AttributeScores s;
  const double n = static_cast<double>(std::max<size_t>(1, expected.objects.size()));
  for (const auto& match : matches) {
    const Agreement& a = match.agreement;
    s.colour += a.colour / n;
    s.shape += a.shape / n;
    s.size += a.size / n;
    s.motion += a.motion / n;
    s.speed += a.speed / n;
  }
  s.background = 0.5 * (judgement.background.kind == expected.background.kind) +
                 0.5 * (judgement.background.tone == expected.background.tone);
  s.count = judgement.objects.size() == expected.objects.size() ? 1.0 : 0.0;
  s.overall = (s.colour + s.shape + s.size + s.motion + s.speed + s.background + s.count) / 7.0;
  return s;
}

torch::Tensor rerender(const Judgement& judgement, int64_t frames, int64_t height, int64_t width) {
  world::TrackScene scene{judgement.background, {}};
  for (const auto& object : judgement.objects) scene.objects.push_back({object.shape, object.colour, object.poses});
  return world::render_tracks({scene}, {frames, height, width})[0];
}

}  // namespace

Judgement judge_clip(const torch::Tensor& video, const world::SceneAttributes& expected, const JudgeSettings& settings) {
  torch::NoGradGuard no_grad;
  const torch::Tensor frames = unit_frames(video);
  const int64_t F = frames.size(1), H = frames.size(2), W = frames.size(3);

  Judgement judgement;
  const BackgroundEstimate background = estimate_background(frames);
  judgement.background = background.background;
  judgement.background_fit_error = background.fit_error;

  // Any blend of the background tone's pattern colours (in the clip's colour cast) counts as
  // background wherever it is drawn: models draw patterns off their place, distorted, or where the
  // prompt asked for a plain background.
  const torch::Tensor tone_segment =
      (world::pattern_tone_range(background.background.tone).to(frames.device()) + background.cast.view({3, 1}))
          .clamp(0, 1);
  const std::vector<Track> tracks = link_blobs(
      find_blobs(frames, background.image, settings.segmentation, tone_segment), F, settings.min_track_presence,
      max_track_step(F, H, W));
  for (const auto& track : tracks) judgement.objects.push_back(describe_track(track, F, H, W));

  const auto matches = best_assignment(expected.objects, judgement.objects);
  judgement.scores = score(expected, judgement, matches);
  judgement.travel = mean_travel(expected, judgement.objects, matches);
  judgement.temporal = temporal_consistency(frames, tracks);
  judgement.sharpness = sharpness_against(frames * 2 - 1, rerender(judgement, F, H, W));
  log::get("eval")->debug("judged {} frames at {}x{}: {} objects, overall {:.3f}", F, W, H, judgement.objects.size(),
                          judgement.scores.overall);
  return judgement;
}

Judgement judge_prompt(const torch::Tensor& video, const std::string& prompt, const JudgeSettings& settings) {
  return judge_clip(video, world::parse_prompt(prompt), settings);
}

world::SceneAttributes recovered_attributes(const Judgement& judgement) {
  world::SceneAttributes scene;
  scene.background = judgement.background;
  for (const auto& object : judgement.objects) {
    scene.objects.push_back({object.shape, object.colour, object.size, object.motion.value_or(world::Motion::Left),
                             object.speed});
  }
  return scene;
}

}  // namespace blade::eval
