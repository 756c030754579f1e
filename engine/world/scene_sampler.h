#pragma once
// Draws random scenes, deterministically from a seed. The training split never produces a held-out
// colour x shape x motion triple; the held-out split always gives its first object one.

#include "world/scene.h"

#include <cstdint>

namespace blade::world {

enum class Split { Train, HeldOut };

struct SamplerSettings {
  double two_object_probability = 0.4;
  double aspect = 1.0;  // width / height of the clips the scenes are meant for
};

// Objects stay fully inside the frame and never touch each other at any time in the clip.
Scene sample_scene(uint64_t seed, Split split, const SamplerSettings& settings = {});

// Places given attributes (random anchors from the seed), keeping the same guarantees.
// Throws InvalidArgument when two objects cannot be kept apart.
Scene arrange_scene(const SceneAttributes& attributes, uint64_t seed, double aspect = 1.0);

// True when every object of the scene stays inside a frame of the given aspect at all times and
// two objects keep apart; what sample_scene guarantees.
bool scene_fits(const Scene& scene, double aspect);

}  // namespace blade::world
