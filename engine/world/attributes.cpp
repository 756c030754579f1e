#include "world/attributes.h"

#include <fmt/format.h>

namespace blade::world {

std::string to_string(Shape v) {
  static const char* names[] = {"circle", "square", "triangle", "diamond", "star", "ring"};
  return names[index_of(v)];
}

std::string to_string(Colour v) {
  static const char* names[] = {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink"};
  return names[index_of(v)];
}

std::string to_string(Motion v) {
  static const char* names[] = {"left", "right", "up", "down", "bounce", "grow", "shrink", "orbit"};
  return names[index_of(v)];
}

std::string to_string(Speed v) { return v == Speed::Slow ? "slow" : "fast"; }

std::string to_string(Size v) { return v == Size::Small ? "small" : "large"; }

std::string to_string(BackgroundKind v) {
  static const char* names[] = {"solid", "gradient", "stripes", "checker"};
  return names[index_of(v)];
}

std::string to_string(Tone v) {
  static const char* names[] = {"sky", "sand", "night", "fog"};
  return names[index_of(v)];
}

std::string to_string(const ObjectAttributes& o) {
  return fmt::format("{} {} {}, {}, {}", to_string(o.size), to_string(o.colour), to_string(o.shape),
                     to_string(o.motion), to_string(o.speed));
}

std::string to_string(const SceneAttributes& scene) {
  std::string text = fmt::format("{} {} background", to_string(scene.background.tone),
                                 to_string(scene.background.kind));
  for (const auto& object : scene.objects) text += "; " + to_string(object);
  return text;
}

}  // namespace blade::world
