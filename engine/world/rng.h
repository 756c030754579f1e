#pragma once
// A small random generator whose streams are the same on every platform and standard library
// (std::uniform_*_distribution is not), so that a seed names the same scene and prompt everywhere.

#include <cstdint>

namespace blade::world {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next();                           // splitmix64
  double uniform();                          // [0, 1)
  double uniform(double low, double high);   // [low, high)
  int64_t below(int64_t count);              // 0 .. count-1; count >= 1
  bool chance(double probability);

  // A seed for a derived stream: (scene seed, purpose) -> independent seed.
  static uint64_t derive(uint64_t seed, uint64_t purpose);

 private:
  uint64_t state_;
};

}  // namespace blade::world
