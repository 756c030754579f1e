#include "eval/blobs.h"

#include "eval/connected_components.h"
#include "eval/median.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace blade::eval {
namespace {

// [F, H, W]: each pixel's RGB distance to the background at its place, and where tone_segment
// [3, 2] is given the smaller of that and its distance to the segment between those two colours.
// Both are shifted by each frame's cast [C, F].
torch::Tensor distance_to_background(const torch::Tensor& frames, const torch::Tensor& background,
                                     const torch::Tensor& cast, const torch::Tensor& tone_segment) {
  const int64_t C = frames.size(0), F = frames.size(1);
  const torch::Tensor per_frame = cast.view({C, F, 1, 1});
  const torch::Tensor at_place = (frames - (background.unsqueeze(1) + per_frame)).square().sum(0).sqrt();
  if (!tone_segment.defined()) return at_place;
  const torch::Tensor ends = tone_segment.to(frames.device(), frames.scalar_type());
  const torch::Tensor start = ends.select(1, 0).view({C, 1, 1, 1}) + per_frame;
  const torch::Tensor along = (ends.select(1, 1) - ends.select(1, 0)).view({C, 1, 1, 1});
  const double length_squared = along.square().sum().item<double>();
  const torch::Tensor offset = frames - start;
  torch::Tensor nearest = torch::zeros_like(offset);
  if (length_squared > 0.0) nearest = (offset * along).sum(0, /*keepdim=*/true).div(length_squared).clamp(0, 1) * along;
  const torch::Tensor to_tones = (offset - nearest).square().sum(0).sqrt();
  return torch::minimum(at_place, to_tones);
}

}  // namespace

std::vector<Blob> find_blobs(const torch::Tensor& frames, const torch::Tensor& background,
                             const SegmentationSettings& settings, const torch::Tensor& tone_segment) {
  const int64_t F = frames.size(1), H = frames.size(2), W = frames.size(3);
  const int64_t min_pixels = settings.min_pixels > 0 ? settings.min_pixels : std::max<int64_t>(4, H * W / 2000);
  const int64_t max_pixels = static_cast<int64_t>(settings.max_area_fraction * static_cast<double>(H * W));
  const torch::Tensor cast = std::get<0>((frames - background.unsqueeze(1)).flatten(2).median(2));  // [3, F]
  const torch::Tensor frame_background = (background.unsqueeze(1) + cast.view({3, F, 1, 1})).contiguous();
  const torch::Tensor distance = distance_to_background(frames, background, cast, tone_segment);
  const torch::Tensor mask = (distance > settings.foreground_threshold).to(torch::kUInt8).contiguous();
  const auto pixel = frames.accessor<float, 4>();
  const auto back = frame_background.accessor<float, 4>();

  std::vector<Blob> blobs;
  std::vector<int32_t> label(static_cast<size_t>(H * W));
  for (int64_t f = 0; f < F; ++f) {
    auto components = connected_components(mask[f].data_ptr<uint8_t>(), H, W, min_pixels);
    std::erase_if(components, [&](const Component& c) { return static_cast<int64_t>(c.pixels.size()) > max_pixels; });
    std::fill(label.begin(), label.end(), 0);
    for (size_t c = 0; c < components.size(); ++c)
      for (int64_t p : components[c].pixels) label[p] = static_cast<int32_t>(c + 1);

    for (size_t c = 0; c < components.size(); ++c) {
      const int32_t id = static_cast<int32_t>(c + 1);
      const Component& component = components[c];
      auto inside = [&](int64_t y, int64_t x) { return y >= 0 && x >= 0 && y < H && x < W && label[y * W + x] == id; };

      // Colour: median over interior pixels (all four neighbours in the blob), free of edge blending.
      std::array<std::vector<double>, 3> channel;
      for (int pass = 0; pass < 2 && channel[0].empty(); ++pass) {
        for (int64_t p : component.pixels) {
          const int64_t y = p / W, x = p % W;
          const bool interior = inside(y - 1, x) && inside(y + 1, x) && inside(y, x - 1) && inside(y, x + 1);
          if (pass == 1 || interior)
            for (int k = 0; k < 3; ++k) channel[k].push_back(pixel[k][f][y][x]);
        }
      }
      Blob blob;
      blob.frame = f;
      blob.touches_border = component.touches_border;
      for (int k = 0; k < 3; ++k) blob.colour[k] = median(std::move(channel[k])).value_or(0.0);
      const world::PaletteMatch match = world::nearest_colour(blob.colour);
      blob.palette = match.colour;
      blob.palette_distance = match.distance;

      // Soft coverage over the blob and a one-pixel ring around it: project each pixel onto the
      // line from the background colour to the blob colour.
      blob.alpha = torch::zeros({H, W}, torch::kFloat32);
      auto alpha = blob.alpha.accessor<float, 2>();
      std::vector<uint8_t> seen(static_cast<size_t>(H * W), 0);
      double sum = 0, sum_x = 0, sum_y = 0;
      for (int64_t p : component.pixels) {
        const int64_t y0 = p / W, x0 = p % W;
        for (int64_t dy = -1; dy <= 1; ++dy) {
          for (int64_t dx = -1; dx <= 1; ++dx) {
            const int64_t y = y0 + dy, x = x0 + dx;
            if (y < 0 || x < 0 || y >= H || x >= W) continue;
            const int64_t q = y * W + x;
            if (seen[q] || (label[q] != 0 && label[q] != id)) continue;
            seen[q] = 1;
            double dot = 0, norm = 0;
            for (int k = 0; k < 3; ++k) {
              const double towards = blob.colour[k] - back[k][f][y][x];
              dot += (pixel[k][f][y][x] - back[k][f][y][x]) * towards;
              norm += towards * towards;
            }
            const double a = norm > 1e-6 ? std::clamp(dot / norm, 0.0, 1.0) : (label[q] == id ? 1.0 : 0.0);
            alpha[y][x] = static_cast<float>(a);
            sum += a;
            sum_x += a * (x + 0.5);
            sum_y += a * (y + 0.5);
          }
        }
      }
      blob.area = sum;
      blob.x = sum > 0 ? sum_x / sum : 0.0;
      blob.y = sum > 0 ? sum_y / sum : 0.0;
      blobs.push_back(std::move(blob));
    }
  }
  return blobs;
}

}  // namespace blade::eval
