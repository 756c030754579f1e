#include "world/rng.h"

#include "core/error.h"

namespace blade::world {

uint64_t Rng::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

int64_t Rng::below(int64_t count) {
  if (count < 1) fail(ErrorKind::Internal, "Rng::below needs a count >= 1, got {}", count);
  const unsigned __int128 product = static_cast<unsigned __int128>(next()) * static_cast<uint64_t>(count);
  return static_cast<int64_t>(product >> 64);
}

bool Rng::chance(double probability) { return uniform() < probability; }

uint64_t Rng::derive(uint64_t seed, uint64_t purpose) {
  Rng mixer(seed ^ (purpose * 0xD1B54A32D192ED03ull));
  mixer.next();
  return mixer.next();
}

}  // namespace blade::world
