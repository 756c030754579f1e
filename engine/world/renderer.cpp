#include "world/renderer.h"

#include "core/error.h"
#include "world/backgrounds.h"
#include "world/palette.h"
#include "world/shapes.h"

#include <algorithm>
#include <map>

namespace blade::world {

using torch::Tensor;

Tensor render_tracks(const std::vector<TrackScene>& scenes, const ClipFormat& format, const RenderOptions& options) {
  check_format(format);
  if (scenes.empty()) fail(ErrorKind::InvalidArgument, "expected at least one scene to render, got none");
  const int64_t batch = static_cast<int64_t>(scenes.size());
  const int64_t F = format.frames, H = format.height, W = format.width;
  const double unit = static_cast<double>(std::min(H, W));
  // Geometry needs float32 at least (bf16 cannot even hold pixel coordinates); only the result takes
  // the requested dtype.
  const auto compute_dtype = options.dtype == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32;
  const auto tensor_options = torch::TensorOptions().dtype(compute_dtype).device(options.device);

  size_t slots = 0;
  for (const auto& scene : scenes) {
    slots = std::max(slots, scene.objects.size());
    for (const auto& object : scene.objects) {
      if (static_cast<int64_t>(object.poses.size()) != F) {
        fail(ErrorKind::InvalidArgument, "expected {} poses per object (one per frame), got {}", F, object.poses.size());
      }
    }
  }

  // Coverage of every (scene, slot, frame), computed one shape at a time.
  struct Group {
    std::vector<double> centres, radii;
    std::vector<int64_t> rows;  // (scene * slots + slot) * F + frame
  };
  std::map<Shape, Group> groups;
  std::vector<double> colours(batch * slots * 3, 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    for (size_t k = 0; k < scenes[b].objects.size(); ++k) {
      const ObjectTrack& object = scenes[b].objects[k];
      Group& group = groups[object.shape];
      for (int64_t f = 0; f < F; ++f) {
        const Pose& pose = object.poses[f];
        group.centres.push_back(pose.x * unit);
        group.centres.push_back(pose.y * unit);
        group.radii.push_back(pose.radius * unit);
        group.rows.push_back((b * static_cast<int64_t>(slots) + static_cast<int64_t>(k)) * F + f);
      }
      const Rgb colour = rgb(object.colour);
      std::copy(colour.begin(), colour.end(), colours.begin() + (b * slots + k) * 3);
    }
  }
  Tensor alpha = torch::zeros({batch * static_cast<int64_t>(slots) * F, H, W}, tensor_options);
  for (const auto& [shape, group] : groups) {
    const int64_t n = static_cast<int64_t>(group.radii.size());
    const auto cpu = torch::TensorOptions().dtype(torch::kFloat64);
    const Tensor centres = torch::tensor(group.centres, cpu).view({n, 2}).to(tensor_options);
    const Tensor radii = torch::tensor(group.radii, cpu).to(tensor_options);
    const Tensor rows = torch::tensor(group.rows, torch::kInt64).to(options.device);
    alpha.index_copy_(0, rows, shape_coverage(shape, centres, radii, H, W));
  }
  alpha = alpha.view({batch, static_cast<int64_t>(slots), F, 1, H, W});
  const Tensor colour = torch::tensor(colours, torch::kFloat64)
                            .view({batch, static_cast<int64_t>(slots), 1, 3, 1, 1})
                            .to(tensor_options);

  std::vector<Tensor> backgrounds;
  for (const auto& scene : scenes) backgrounds.push_back(render_background(scene.background, H, W, tensor_options));
  Tensor video = torch::stack(backgrounds).unsqueeze(1).expand({batch, F, 3, H, W}).contiguous();  // [B, F, 3, H, W]
  for (size_t k = 0; k < slots; ++k) {
    const Tensor a = alpha.select(1, static_cast<int64_t>(k));
    video = video * (1 - a) + colour.select(1, static_cast<int64_t>(k)) * a;
  }
  return (video.permute({0, 2, 1, 3, 4}) * 2 - 1).to(options.dtype).contiguous();
}

Tensor render_scenes(const std::vector<Scene>& scenes, const ClipFormat& format, const RenderOptions& options) {
  std::vector<TrackScene> tracks;
  tracks.reserve(scenes.size());
  for (const auto& scene : scenes) tracks.push_back(to_tracks(scene, format.frames));
  return render_tracks(tracks, format, options);
}

Tensor render_scene(const Scene& scene, const ClipFormat& format, const RenderOptions& options) {
  return render_scenes({scene}, format, options)[0];
}

}  // namespace blade::world
