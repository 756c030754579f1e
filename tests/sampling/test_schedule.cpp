// Schedules against diffusers 0.42 and the original Wan2.1 (tests/fixtures/reference/schedules.json for
// 2, 8 and 50 steps at shift 3 and 5; pipeline.json for the tiny pipeline's scheduler). Sigmas must
// be the same float32 values; timesteps the same integers (diffusers' Euler gives float32
// sigma * 1000, whose integer part the model gets here).

#include "expect_error.h"
#include "sampling/schedule.h"
#include "test_tensors.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <fstream>
#include <limits>

using namespace blade;
using namespace blade::sampling;

namespace {

nlohmann::json read_json(const char* name) {
  std::ifstream in(test::fixture(std::string("reference/") + name));
  return nlohmann::json::parse(in);
}

// Empty when equal, else the first difference.
std::string compare(const Schedule& schedule, const nlohmann::json& expected) {
  const auto sigmas = expected["sigmas"].get<std::vector<double>>();
  const auto timesteps = expected["timesteps"].get<std::vector<double>>();
  if (schedule.sigmas.size() != sigmas.size() || schedule.timesteps.size() != timesteps.size()) {
    return fmt::format("{} sigmas and {} timesteps, expected {} and {}", schedule.sigmas.size(),
                       schedule.timesteps.size(), sigmas.size(), timesteps.size());
  }
  for (size_t i = 0; i < sigmas.size(); ++i) {
    if (schedule.sigmas[i] != sigmas[i]) {
      return fmt::format("sigma[{}] = {:.17g}, expected {:.17g}", i, schedule.sigmas[i], sigmas[i]);
    }
  }
  for (size_t i = 0; i < timesteps.size(); ++i) {
    if (schedule.timesteps[i] != static_cast<int64_t>(timesteps[i])) {
      return fmt::format("timestep[{}] = {}, expected int({})", i, schedule.timesteps[i], timesteps[i]);
    }
  }
  return {};
}

}  // namespace

class TestSchedule : public QObject {
  Q_OBJECT
 private slots:
  void schedules_equal_the_references() {
    const auto cases = read_json("schedules.json");
    QCOMPARE(cases.size(), size_t(6));
    int mismatches = 0;
    for (const auto& [key, c] : cases.items()) {
      const int steps = c["steps"].get<int>();
      const double shift = c["shift"].get<double>();
      const std::pair<const char*, Schedule> made[] = {
          {"diffusers_unipc", make_schedule(ScheduleKind::Diffusers, steps, shift)},
          {"wan", make_schedule(ScheduleKind::Wan, steps, shift)},
          {"diffusers_euler", make_euler_schedule(steps, shift)}};
      for (const auto& [name, schedule] : made) {
        QCOMPARE(schedule.steps(), steps);
        if (const auto difference = compare(schedule, c[name]); !difference.empty()) {
          ++mismatches;
          qWarning("%s %s: %s", key.c_str(), name, difference.c_str());
        }
      }
    }
    QCOMPARE(mismatches, 0);
  }

  void pipeline_schedule_equals_the_reference() {
    const auto info = read_json("pipeline.json");
    const auto& config = info["scheduler_config"];
    QCOMPARE(config["use_flow_sigmas"].get<bool>(), true);
    const auto schedule = make_schedule(ScheduleKind::Diffusers, info["settings"]["num_inference_steps"].get<int>(),
                                        config["flow_shift"].get<double>());
    const auto difference = compare(schedule, info);
    QVERIFY2(difference.empty(), difference.c_str());
  }

  void sigmas_decrease_to_zero() {
    for (int steps : {1, 3, 1000}) {
      for (const auto& schedule : {make_schedule(ScheduleKind::Diffusers, steps, 5.0),
                                   make_schedule(ScheduleKind::Wan, steps, 1.0), make_euler_schedule(steps, 3.0)}) {
        QCOMPARE(schedule.sigmas.size(), size_t(steps + 1));
        QCOMPARE(schedule.sigmas.back(), 0.0);
        QVERIFY(schedule.sigmas.front() <= 1.0);
        for (int i = 0; i < steps; ++i) {
          QVERIFY(schedule.sigmas[i] > schedule.sigmas[i + 1]);
          // int(sigma * 1000), of the float64 sigma before its float32 rounding.
          QVERIFY(std::abs(static_cast<double>(schedule.timesteps[i]) - schedule.sigmas[i] * 1000) < 1.001);
          if (i > 0) QVERIFY(schedule.timesteps[i] <= schedule.timesteps[i - 1]);
        }
      }
    }
  }

  void bad_steps_and_shift_are_invalid() {
    for (int steps : {0, -1, 10001}) {
      test::expect_error(ErrorKind::InvalidArgument, {"steps", std::to_string(steps)},
                         [&] { make_schedule(ScheduleKind::Diffusers, steps, 3.0); });
      test::expect_error(ErrorKind::InvalidArgument, {"steps", std::to_string(steps)},
                         [&] { make_euler_schedule(steps, 3.0); });
    }
    for (double shift : {0.0, -2.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
      test::expect_error(ErrorKind::InvalidArgument, {"shift"}, [&] { make_schedule(ScheduleKind::Wan, 8, shift); });
      test::expect_error(ErrorKind::InvalidArgument, {"shift"}, [&] { make_euler_schedule(8, shift); });
    }
  }

  void kinds_parse_by_name() {
    QCOMPARE(parse_schedule_kind("Diffusers"), ScheduleKind::Diffusers);
    QCOMPARE(parse_schedule_kind("wan"), ScheduleKind::Wan);
    QCOMPARE(to_string(ScheduleKind::Wan), std::string("wan"));
    test::expect_error(ErrorKind::InvalidArgument, {"'karras'", "diffusers", "wan"},
                       [] { parse_schedule_kind("karras"); });
  }
};

QTEST_APPLESS_MAIN(TestSchedule)
#include "test_schedule.moc"
