#include "sampling/schedule.h"

#include "core/error.h"
#include "core/log.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace blade::sampling {
namespace {

constexpr int kTrainTimesteps = 1000;
constexpr int kMaxSteps = 10000;

void check_arguments(const char* schedule, int steps, double shift) {
  if (steps < 1 || steps > kMaxSteps) {
    fail(ErrorKind::InvalidArgument, "{} schedule: steps must be between 1 and {}, got {}", schedule, kMaxSteps,
         steps);
  }
  if (!std::isfinite(shift) || shift <= 0.0) {
    fail(ErrorKind::InvalidArgument, "{} schedule: shift must be a positive number, got {}", schedule, shift);
  }
}

// numpy.linspace(start, stop, num) in float64, value for value: start + i * step with
// step = (stop - start) / (num - 1), and the last value set to stop.
std::vector<double> numpy_linspace(double start, double stop, int num) {
  std::vector<double> values(static_cast<size_t>(num));
  const int div = num - 1;
  const double delta = stop - start;
  if (div > 0) {
    const double step = delta / div;
    for (int i = 0; i < num; ++i) {
      values[i] = step == 0.0 ? static_cast<double>(i) / div * delta + start : static_cast<double>(i) * step + start;
    }
    values[num - 1] = stop;
  } else {
    for (int i = 0; i < num; ++i) values[i] = static_cast<double>(i) * delta + start;
  }
  return values;
}

// The flow-matching time shift s sigma / (1 + (s - 1) sigma), in the references' operation order.
double shift_sigma(double sigma, double shift) { return shift * sigma / (1.0 + (shift - 1.0) * sigma); }

float shift_sigma_f32(float sigma, double shift) {
  const float s = static_cast<float>(shift);
  const float s_minus_1 = static_cast<float>(shift - 1.0);
  return s * sigma / (1.0f + s_minus_1 * sigma);
}

// Rounds the float64 sigmas to float32 like `.astype(np.float32)`, appends the final 0 and truncates
// sigma * 1000 to the integer timesteps.
Schedule finish(const std::vector<double>& sigmas64) {
  Schedule schedule;
  schedule.sigmas.reserve(sigmas64.size() + 1);
  schedule.timesteps.reserve(sigmas64.size());
  for (double sigma : sigmas64) {
    schedule.sigmas.push_back(static_cast<double>(static_cast<float>(sigma)));
    schedule.timesteps.push_back(static_cast<int64_t>(sigma * kTrainTimesteps));
  }
  schedule.sigmas.push_back(0.0);
  return schedule;
}

// diffusers UniPCMultistepScheduler, use_flow_sigmas (since 0.37): linspace(1, 1/N_train, steps + 1)
// without the last, shifted; a first sigma within 1e-6 of 1 is lowered by 1e-6 (log(1 - sigma) must
// stay finite), before the timesteps are taken from it.
Schedule diffusers_schedule(int steps, double shift) {
  auto sigmas = numpy_linspace(1.0, 1.0 / kTrainTimesteps, steps + 1);
  sigmas.pop_back();
  for (double& sigma : sigmas) sigma = shift_sigma(sigma, shift);
  constexpr double kEps = 1e-6;
  if (std::fabs(sigmas.front() - 1.0) < kEps) sigmas.front() -= kEps;
  return finish(sigmas);
}

// Wan2.1 FlowUniPCMultistepScheduler (built with shift 1, set_timesteps with the shift): sigma_max is
// the float32 of 1 - 1/N_train from its training table, sigma_min 0; linspace(sigma_max, sigma_min,
// steps + 1) without the last, shifted.
Schedule wan_schedule(int steps, double shift) {
  const double sigma_max = static_cast<float>(1.0 - 1.0 / kTrainTimesteps);
  const double sigma_min = 0.0;
  auto sigmas = numpy_linspace(sigma_max, sigma_min, steps + 1);
  sigmas.pop_back();
  for (double& sigma : sigmas) sigma = shift_sigma(sigma, shift);
  return finish(sigmas);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

Schedule make_schedule(ScheduleKind kind, int steps, double shift) {
  static auto log = blade::log::get("sampling");
  check_arguments(to_string(kind).c_str(), steps, shift);
  Schedule schedule;
  switch (kind) {
    case ScheduleKind::Diffusers: schedule = diffusers_schedule(steps, shift); break;
    case ScheduleKind::Wan: schedule = wan_schedule(steps, shift); break;
    default: fail(ErrorKind::InvalidArgument, "unknown schedule kind {}", static_cast<int>(kind));
  }
  log->debug("{} schedule, {} steps, shift {}: sigma {} -> {}, timestep {} -> {}", to_string(kind), steps, shift,
             schedule.sigmas.front(), schedule.sigmas[schedule.sigmas.size() - 2], schedule.timesteps.front(),
             schedule.timesteps.back());
  return schedule;
}

// FlowMatchEulerDiscreteScheduler: its constructor shifts the float32 table t/N_train (t = N_train..1)
// in float32, keeping sigma_max and sigma_min; set_timesteps spaces steps values from sigma_max*N_train
// to sigma_min*N_train in float64, divides by N_train and shifts again.
Schedule make_euler_schedule(int steps, double shift) {
  check_arguments("euler", steps, shift);
  const double sigma_max = shift_sigma_f32(static_cast<float>(kTrainTimesteps) / kTrainTimesteps, shift);
  const double sigma_min = shift_sigma_f32(1.0f / static_cast<float>(kTrainTimesteps), shift);
  const auto timesteps = numpy_linspace(sigma_max * kTrainTimesteps, sigma_min * kTrainTimesteps, steps);
  Schedule schedule;
  for (double t : timesteps) {
    const float sigma = static_cast<float>(shift_sigma(t / kTrainTimesteps, shift));
    schedule.sigmas.push_back(sigma);
    // diffusers gives the model the float32 sigma * N_train; its integer part here.
    schedule.timesteps.push_back(static_cast<int64_t>(sigma * static_cast<float>(kTrainTimesteps)));
  }
  schedule.sigmas.push_back(0.0);
  return schedule;
}

Schedule make_tdm_schedule(int steps) {
  if (steps < 1 || steps > kTrainTimesteps) {
    fail(ErrorKind::InvalidArgument, "tdm schedule: steps must be between 1 and {}, got {}", kTrainTimesteps, steps);
  }
  const int64_t stride = kTrainTimesteps / steps;
  Schedule schedule;
  for (int64_t k = 0; k < steps; ++k) {
    const int64_t t = kTrainTimesteps - 1 - k * stride;
    schedule.timesteps.push_back(t);
    schedule.sigmas.push_back(static_cast<double>(t) / kTrainTimesteps);
  }
  schedule.sigmas.push_back(0.0);
  return schedule;
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  const auto key = lower(name);
  if (key == "diffusers") return ScheduleKind::Diffusers;
  if (key == "wan") return ScheduleKind::Wan;
  fail(ErrorKind::InvalidArgument, "unknown schedule '{}': expected one of diffusers, wan", name);
}

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Diffusers: return "diffusers";
    case ScheduleKind::Wan: return "wan";
  }
  return "unknown";
}

}  // namespace blade::sampling
