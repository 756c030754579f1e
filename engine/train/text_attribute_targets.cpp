#include "train/text_attribute_targets.h"

#include "core/error.h"

#include <torch/torch.h>

namespace blade::train {
namespace {

// The layout of text_attributes(): the scene's 3, then 5 for each of two objects, in this order.
constexpr int64_t kSceneAttributeCount = 3;
constexpr int64_t kObjectAttributeCount = 5;

int64_t count_of(const auto& values) { return static_cast<int64_t>(values.size()); }

}  // namespace

const std::vector<TextAttribute>& text_attributes() {
  static const std::vector<TextAttribute> attributes = [] {
    std::vector<TextAttribute> list{{"background", count_of(world::kBackgroundKinds)},
                                    {"tone", count_of(world::kTones)},
                                    {"objects", 2}};
    for (const std::string object : {"1", "2"}) {
      list.push_back({"shape." + object, count_of(world::kShapes)});
      list.push_back({"colour." + object, count_of(world::kColours)});
      list.push_back({"size." + object, count_of(world::kSizes)});
      list.push_back({"motion." + object, count_of(world::kMotions)});
      list.push_back({"speed." + object, count_of(world::kSpeeds)});
    }
    return list;
  }();
  return attributes;
}

torch::Tensor text_attribute_targets(const std::vector<world::SceneAttributes>& scenes) {
  const auto attribute_count = static_cast<int64_t>(text_attributes().size());
  if (attribute_count != kSceneAttributeCount + 2 * kObjectAttributeCount) {
    fail(ErrorKind::Internal, "text_attributes() lists {} attributes, the targets are laid out for {}",
         attribute_count, kSceneAttributeCount + 2 * kObjectAttributeCount);
  }
  auto targets = torch::full({static_cast<int64_t>(scenes.size()), attribute_count}, kNotStated, torch::kLong);
  auto rows = targets.accessor<int64_t, 2>();
  for (size_t i = 0; i < scenes.size(); ++i) {
    const auto& scene = scenes[i];
    if (scene.objects.empty() || scene.objects.size() > 2) {
      fail(ErrorKind::InvalidArgument, "expected a scene with 1 or 2 objects, got {} (scene {})",
           scene.objects.size(), i);
    }
    rows[i][0] = world::index_of(scene.background.kind);
    rows[i][1] = world::index_of(scene.background.tone);
    rows[i][2] = static_cast<int64_t>(scene.objects.size()) - 1;
    for (size_t k = 0; k < scene.objects.size(); ++k) {
      const auto& object = scene.objects[k];
      const int64_t first = kSceneAttributeCount + static_cast<int64_t>(k) * kObjectAttributeCount;
      rows[i][first + 0] = world::index_of(object.shape);
      rows[i][first + 1] = world::index_of(object.colour);
      rows[i][first + 2] = world::index_of(object.size);
      rows[i][first + 3] = world::index_of(object.motion);
      rows[i][first + 4] = world::index_of(object.speed);
    }
  }
  return targets;
}

}  // namespace blade::train
