#pragma once
// Noise schedules of flow matching: the sigmas a sampler walks from noise (about 1) to data (0), and
// the timesteps the model is given at each of them.

#include <cstdint>
#include <string>
#include <vector>

namespace blade::sampling {

enum class ScheduleKind {
  Diffusers = 1,  // diffusers' UniPCMultistepScheduler with use_flow_sigmas (the diffusers Wan pipeline)
  Wan,            // the original Wan2.1 repository (wan/utils/fm_solvers_unipc.py)
};

struct Schedule {
  // steps + 1 values, decreasing, the last one 0. They hold float32 values (as the references store
  // them), widened to double.
  std::vector<double> sigmas;
  // steps values: the model's timestep input, int(sigma * 1000) truncated from the float64 sigma
  // before its float32 rounding, as the references do.
  std::vector<int64_t> timesteps;
  int steps() const { return static_cast<int>(timesteps.size()); }
};

// Throws InvalidArgument for steps < 1 (or absurdly many) and for a shift that is not a positive
// finite number.
Schedule make_schedule(ScheduleKind kind, int steps, double shift);

// diffusers' FlowMatchEulerDiscreteScheduler(shift) after set_timesteps(steps). It shifts twice (once
// in its constructor, once in set_timesteps), so it differs from the UniPC schedules. Its timesteps
// are float32 sigma * 1000 in diffusers; here they are truncated like the others.
Schedule make_euler_schedule(int steps, double shift);

// The timesteps a TDM student of `steps` steps is distilled at (999, 999 - 1000/steps, ...), with
// sigma = t / 1000: its sampler must visit the same ones. Throws InvalidArgument for steps outside
// [1, 1000].
Schedule make_tdm_schedule(int steps);

ScheduleKind parse_schedule_kind(const std::string& name);  // "diffusers" | "wan"
std::string to_string(ScheduleKind kind);

}  // namespace blade::sampling
