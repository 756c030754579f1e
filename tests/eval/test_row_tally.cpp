// An eval row's figures from its clips' judgements, on hand-made judgements with random scores:
// means, the median travel over the clips that have one, objects and motions found, and fidelity
// only when every clip had a reference.

#include "core/error.h"
#include "eval/model_eval/row_tally.h"
#include "expect_error.h"

#include <QtTest>

#include <random>

using namespace blade;

namespace {

eval::ClipScores random_clip(std::mt19937& rng, std::optional<double> travel,
                             std::vector<std::optional<world::Motion>> motions) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  eval::ClipScores c;
  c.attributes = {unit(rng), unit(rng), unit(rng), unit(rng), unit(rng), unit(rng), unit(rng), unit(rng)};
  c.temporal = unit(rng);
  c.sharpness = unit(rng);
  c.judgement.travel = travel;
  for (const auto& motion : motions) {
    eval::RecoveredObject object;
    object.motion = motion;
    c.judgement.objects.push_back(object);
  }
  return c;
}

}  // namespace

class TestRowTally : public QObject {
  Q_OBJECT

 private slots:
  void sums_the_clips_of_a_row() {
    const unsigned seed = std::random_device{}();
    qInfo("seed %u", seed);
    std::mt19937 rng(seed);
    const std::vector<eval::ClipScores> clips{
        random_clip(rng, 0.9, {world::Motion::Left}),
        random_clip(rng, std::nullopt, {}),
        random_clip(rng, 0.1, {world::Motion::Orbit, std::nullopt}),
        random_clip(rng, 0.4, {world::Motion::Orbit}),
    };
    eval::RowTally tally;
    double colour = 0.0, overall = 0.0, temporal = 0.0, seconds = 0.0;
    for (size_t i = 0; i < clips.size(); ++i) {
      tally.add(clips[i], 0.5 * static_cast<double>(i + 1));
      colour += clips[i].attributes.colour;
      overall += clips[i].attributes.overall;
      temporal += clips[i].temporal;
      seconds += 0.5 * static_cast<double>(i + 1);
    }
    eval::EvalRow row;
    tally.finish(row);
    QCOMPARE(row.clips, 4);
    QVERIFY(std::abs(row.accuracy.colour - colour / 4) < 1e-12);
    QVERIFY(std::abs(row.accuracy.overall - overall / 4) < 1e-12);
    QVERIFY(std::abs(row.temporal - temporal / 4) < 1e-12);
    QVERIFY(std::abs(row.seconds_per_clip - seconds / 4) < 1e-12);
    QVERIFY(row.travel.has_value());
    QCOMPARE(*row.travel, 0.4);  // the median of 0.9, 0.1, 0.4; the clip without a travel is left out
    QCOMPARE(row.objects_found, 4);
    QCOMPARE(row.motions_found, (std::map<std::string, int>{{"left", 1}, {"orbit", 2}, {"none", 1}}));
    QVERIFY(!row.psnr_db && !row.ssim);  // no clip had a reference

    eval::RowTally with_reference;
    for (const auto& [psnr, ssim] : {std::pair{20.0, 0.5}, std::pair{30.0, 0.7}}) {
      with_reference.add(clips[1], 1.0);
      with_reference.add_fidelity(psnr, ssim);
    }
    eval::EvalRow second;
    with_reference.finish(second);
    QCOMPARE(second.psnr_db.value_or(0), 25.0);
    QVERIFY(std::abs(second.ssim.value_or(0) - 0.6) < 1e-12);
    QVERIFY(!second.travel);  // no clip had one
  }

  void fidelity_needs_every_clip_and_a_row_needs_clips() {
    std::mt19937 rng(7);
    eval::RowTally partial;
    partial.add(random_clip(rng, 1.0, {}), 1.0);
    partial.add(random_clip(rng, 0.0, {}), 1.0);
    partial.add_fidelity(25.0, 0.5);
    eval::EvalRow row;
    partial.finish(row);
    QVERIFY(!row.psnr_db && !row.ssim);
    QCOMPARE(row.travel.value_or(-1), 0.5);  // the mean of the middle two

    eval::EvalRow empty;
    empty.name = "teacher-50-dense";
    test::expect_error(ErrorKind::Internal, {"teacher-50-dense", "no clips"}, [&] { eval::RowTally().finish(empty); });
  }
};

QTEST_GUILESS_MAIN(TestRowTally)
#include "test_row_tally.moc"
