#include "world/prompt_grammar.h"

#include "core/error.h"
#include "world/prompt_vocabulary.h"
#include "world/rng.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>

namespace blade::world {
namespace {

// Picks a wording: the first one when there is no generator (canonical prompts).
class Chooser {
 public:
  explicit Chooser(std::optional<Rng> rng) : rng_(rng) {}
  const std::string& from(const vocabulary::Words& words) {
    return words[rng_ ? rng_->below(static_cast<int64_t>(words.size())) : 0];
  }
  int64_t below(int64_t count) { return rng_ ? rng_->below(count) : 0; }

 private:
  std::optional<Rng> rng_;
};

std::string article(const std::string& next_word) {
  return std::string("aeiou").find(next_word.front()) != std::string::npos ? "an" : "a";
}

std::string describe_object(const ObjectAttributes& object, Chooser& choose) {
  const std::string& size = choose.from(vocabulary::words(object.size));
  const std::string& colour = choose.from(vocabulary::words(object.colour));
  const std::string& shape = choose.from(vocabulary::words(object.shape));
  const std::string& motion = choose.from(vocabulary::phrases(object.motion, object.speed));
  switch (choose.below(3)) {
    case 0: return fmt::format("{} {} {} {} {}", article(size), size, colour, shape, motion);
    case 1: return fmt::format("{} {} {} in {} {}", article(size), size, shape, colour, motion);
    default: return fmt::format("{} {} {}, {}, {}", article(colour), colour, shape, size, motion);
  }
}

std::string describe_background(const Background& background, Chooser& choose) {
  const std::string& marker = choose.from(vocabulary::background_markers());
  const std::string& tone = choose.from(vocabulary::words(background.tone));
  const std::string& kind = choose.from(vocabulary::words(background.kind));
  return fmt::format("{} {} {} {}", marker, article(tone), tone, kind);
}

std::string compose(const SceneAttributes& scene, Chooser& choose) {
  if (scene.objects.empty() || scene.objects.size() > 2) {
    fail(ErrorKind::InvalidArgument, "expected a scene with 1 or 2 objects, got {}", scene.objects.size());
  }
  std::string objects = describe_object(scene.objects[0], choose);
  if (scene.objects.size() == 2) {
    const std::string& joiner = choose.from(vocabulary::object_joiners());
    objects += fmt::format("{} {} {}", joiner == "while" ? "," : "", joiner, describe_object(scene.objects[1], choose));
  }
  const std::string background = describe_background(scene.background, choose);
  switch (choose.below(3)) {
    case 0: return fmt::format("{} {}", objects, background);
    case 1: {
      std::string text = fmt::format("{}, {}", background, objects);
      text.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.front())));
      return text;
    }
    default: return fmt::format("{}, {}", objects, background);
  }
}

}  // namespace

std::string make_prompt(const SceneAttributes& scene, uint64_t seed) {
  Chooser choose{Rng(Rng::derive(seed, 0x70726f6d7074ull))};
  return compose(scene, choose);
}

std::string canonical_prompt(const SceneAttributes& scene) {
  Chooser choose{std::nullopt};
  return compose(scene, choose);
}

}  // namespace blade::world
