#pragma once
// The discrete attributes of a synthetic scene: what a prompt says and what the judge recovers.

#include <array>
#include <string>
#include <vector>

namespace blade::world {

enum class Shape { Circle, Square, Triangle, Diamond, Star, Ring };
enum class Colour { Red, Orange, Yellow, Green, Cyan, Blue, Purple, Pink };
enum class Motion { Left, Right, Up, Down, Bounce, Grow, Shrink, Orbit };
enum class Speed { Slow, Fast };
enum class Size { Small, Large };
enum class BackgroundKind { Solid, Gradient, Stripes, Checker };
enum class Tone { Sky, Sand, Night, Fog };  // the background's base colour

inline constexpr std::array kShapes{Shape::Circle, Shape::Square, Shape::Triangle,
                                    Shape::Diamond, Shape::Star,   Shape::Ring};
inline constexpr std::array kColours{Colour::Red,  Colour::Orange, Colour::Yellow, Colour::Green,
                                     Colour::Cyan, Colour::Blue,   Colour::Purple, Colour::Pink};
inline constexpr std::array kMotions{Motion::Left,   Motion::Right, Motion::Up,     Motion::Down,
                                     Motion::Bounce, Motion::Grow,  Motion::Shrink, Motion::Orbit};
inline constexpr std::array kSpeeds{Speed::Slow, Speed::Fast};
inline constexpr std::array kSizes{Size::Small, Size::Large};
inline constexpr std::array kBackgroundKinds{BackgroundKind::Solid, BackgroundKind::Gradient,
                                             BackgroundKind::Stripes, BackgroundKind::Checker};
inline constexpr std::array kTones{Tone::Sky, Tone::Sand, Tone::Night, Tone::Fog};

struct ObjectAttributes {
  Shape shape = Shape::Circle;
  Colour colour = Colour::Red;
  Size size = Size::Small;
  Motion motion = Motion::Left;
  Speed speed = Speed::Slow;
  bool operator==(const ObjectAttributes&) const = default;
};

struct Background {
  BackgroundKind kind = BackgroundKind::Solid;
  Tone tone = Tone::Sky;
  bool operator==(const Background&) const = default;
};

// One or two objects (distinct colours) over a background.
struct SceneAttributes {
  Background background;
  std::vector<ObjectAttributes> objects;
  bool operator==(const SceneAttributes&) const = default;
};

// Canonical names ("red", "circle", "bounce", ...) as used in reports and JSON.
std::string to_string(Shape v);
std::string to_string(Colour v);
std::string to_string(Motion v);
std::string to_string(Speed v);
std::string to_string(Size v);
std::string to_string(BackgroundKind v);
std::string to_string(Tone v);
std::string to_string(const ObjectAttributes& object);  // "small red circle, left, slow"
std::string to_string(const SceneAttributes& scene);

// Position in the k* arrays above (the enum's value).
template <typename E>
constexpr int index_of(E value) {
  return static_cast<int>(value);
}

}  // namespace blade::world
