// blade eval's engine: held-out prompts, the judge on them, and the evaluation of tiny random
// teacher and student folders (all rows, skipped students, fidelity of the reference against itself,
// sparsity, determinism, errors).

#include "eval/model_eval/clip_scores.h"
#include "eval/model_eval/eval_report_json.h"
#include "eval/model_eval/held_out_prompts.h"
#include "eval/median.h"
#include "eval/model_eval/model_evaluation.h"
#include "expect_error.h"
#include "tiny_model_folders.h"
#include "world/held_out.h"
#include "world/prompt_parser.h"
#include "world/renderer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace blade;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kRowOrder{"teacher-50-dense", "teacher-8-dense",  "teacher-50-asa",
                                         "student-8-dense",  "student-8-asa-gt", "student-4-asa-gt"};

std::vector<std::string> names_of(const eval::EvalReport& report) {
  std::vector<std::string> names;
  for (const auto& row : report.rows) names.push_back(row.name);
  return names;
}

const eval::EvalRow& row_named(const eval::EvalReport& report, const std::string& name) {
  for (const auto& row : report.rows)
    if (row.name == name) return row;
  throw std::runtime_error("no row " + name);
}

// Every number of a row except the timing.
std::vector<double> numbers_of(const eval::EvalRow& r) {
  const auto& a = r.accuracy;
  return {a.colour, a.shape,     a.size,      a.motion,        a.speed,          a.background,
          a.count,  a.overall,   r.temporal,  r.sharpness,     r.psnr_db.value_or(-1), r.ssim.value_or(-1),
          r.sparsity, static_cast<double>(r.steps), static_cast<double>(r.clips)};
}

}  // namespace

class TestModelEvaluation : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  fs::path teacher_, student8_, student4_;
  eval::EvalReport full_;
  std::vector<std::string> progress_rows_;
  int progress_calls_ = 0;
  struct JudgedClip {
    std::string row, prompt;
    uint64_t seed = 0;
    eval::Judgement judgement;
  };
  std::vector<JudgedClip> clips_;

  eval::EvalOptions options() const {
    eval::EvalOptions o;
    o.models = {teacher_, student8_, student4_};
    o.prompts = 2;
    o.seeds = 1;
    o.steps_scale = 0.25;  // 50 -> 13, 8 -> 2, 4 -> 1 steps
    o.clip = test::kEvalClip;
    return o;
  }

 private slots:
  // Small tensors: one thread avoids OpenMP spin-waiting on a busy machine (as test_eval_judge).
  void initTestCase() {
    torch::set_num_threads(1);
    QVERIFY(dir_.isValid());
    const fs::path root = dir_.path().toStdString();
    const fs::path tokenizer = root / "spiece.model";
    const int64_t vocab = test::write_eval_tokenizer(tokenizer);
    teacher_ = root / "teacher", student8_ = root / "student8", student4_ = root / "student4";
    test::write_tiny_model(teacher_, tokenizer, vocab, 1, test::teacher_entry());
    test::write_tiny_model(student8_, tokenizer, vocab, 2, test::student_entry(8));
    test::write_tiny_model(student4_, tokenizer, vocab, 3, test::student_entry(4));

    eval::EvalCallbacks callbacks;
    callbacks.on_progress = [this](const eval::EvalProgress& p) {
      ++progress_calls_;
      if (progress_rows_.empty() || progress_rows_.back() != p.row) progress_rows_.push_back(p.row);
    };
    callbacks.on_clip = [this](const eval::EvalClip& clip) {
      QVERIFY(clip.judgement != nullptr);
      clips_.push_back({clip.row, clip.prompt, clip.seed, *clip.judgement});
    };
    QElapsedTimer timer;
    timer.start();
    full_ = eval::evaluate_models(options(), callbacks);
    qInfo("six rows x 2 clips took %lld ms", static_cast<long long>(timer.elapsed()));
    for (const auto& row : full_.rows) qInfo("%s", eval::to_json(row).dump().c_str());
  }

  // Each row records how it sampled: the teacher as recommended (UniPC, with its shift), the
  // students with TDM and the eta their model_index gives (no shift: TDM does not use one).
  void rows_record_their_sampler_and_eta() {
    QVERIFY(!full_.rows.empty());
    for (const auto& row : full_.rows) {
      const auto j = eval::to_json(row);
      const bool student = row.slot != eval::ModelSlot::Teacher;
      QCOMPARE(j["sampler"].get<std::string>(), std::string(student ? "tdm" : "unipc"));
      if (student) {
        QCOMPARE(j["eta"].get<double>(), 0.7);  // the model's, not the default 0.9
        QVERIFY(j["shift"].is_null());  // tdm walks its distilled timesteps
      } else {
        QVERIFY(j["eta"].is_null());
        QVERIFY(j["shift"].is_number());
      }
    }
  }

  void held_out_prompts_are_fixed_and_held_out() {
    const auto prompts = eval::held_out_prompts(24);
    const auto again = eval::held_out_prompts(24);
    QCOMPARE(prompts.size(), size_t{24});
    std::set<std::tuple<int, int, int>> triples;
    for (size_t i = 0; i < prompts.size(); ++i) {
      QCOMPARE(prompts[i].text, again[i].text);
      QVERIFY(prompts[i].scene.attributes == again[i].scene.attributes);
      const auto& first = prompts[i].scene.attributes.objects.at(0);
      QVERIFY2(world::is_held_out(first), prompts[i].text.c_str());
      for (size_t k = 1; k < prompts[i].scene.attributes.objects.size(); ++k) {
        QVERIFY(!world::is_held_out(prompts[i].scene.attributes.objects[k]));
      }
      QVERIFY(world::parse_prompt(prompts[i].text) == prompts[i].scene.attributes);
      QVERIFY(world::scene_fits(prompts[i].scene, 1.0));
      if (i < 16) triples.insert({world::index_of(first.colour), world::index_of(first.shape), world::index_of(first.motion)});
    }
    QCOMPARE(triples.size(), world::held_out_triples().size());
    QCOMPARE(eval::held_out_prompts(3)[2].text, prompts[2].text);  // a prefix of the longer list
    test::expect_error(ErrorKind::InvalidArgument, {"prompt"}, [] { eval::held_out_prompts(0); });
    test::expect_error(ErrorKind::InvalidArgument, {"seed"}, [] { eval::eval_seeds(0); });
  }

  // The judge itself is right on these prompts: ground-truth renderings at BLADE-mini's format score
  // near 1 through the function the evaluation scores generated clips with.
  void ground_truth_clips_of_held_out_prompts_score_high() {
    const world::ClipFormat format{17, 64, 64};
    double total = 0, lowest = 1;
    int graded = 0;
    const auto prompts = eval::held_out_prompts(24);
    for (const auto& prompt : prompts) {
      const auto clip = world::render_scene(prompt.scene, format);
      const auto scores = eval::score_clip(clip, prompt.text);
      // Through the 8-bit frames the pipeline hands out, too.
      Clip as_generated;
      as_generated.frames = video_to_uint8_frames(clip.unsqueeze(0));
      const auto scores8 = eval::score_clip(eval::video_of(as_generated), prompt.text);
      QVERIFY2(std::abs(scores8.attributes.overall - scores.attributes.overall) < 1e-9, prompt.text.c_str());
      if (scores.attributes.overall <= 0.9) qInfo("%.3f for '%s'", scores.attributes.overall, prompt.text.c_str());
      QVERIFY2(scores.attributes.overall > 0.9, prompt.text.c_str());
      if (scores.judgement.travel) {
        QVERIFY2(std::abs(*scores.judgement.travel - 1.0) <= 0.15, prompt.text.c_str());
        ++graded;
      }
      total += scores.attributes.overall;
      lowest = std::min(lowest, scores.attributes.overall);
    }
    qInfo("ground truth of %zu held-out prompts at 17x64x64: mean %.4f, lowest %.3f", prompts.size(),
          total / prompts.size(), lowest);
    QVERIFY(total / prompts.size() > 0.95);
    QVERIFY2(graded >= 12, std::to_string(graded).c_str());  // straight motions and growth have a travel
  }

  void all_six_rows_come_in_order() {
    QCOMPARE(names_of(full_), kRowOrder);
    QVERIFY(full_.skipped.empty());
    QCOMPARE(full_.prompts.size(), size_t{2});
    QCOMPARE(full_.seeds, std::vector<uint64_t>{0});
    QCOMPARE(progress_rows_, kRowOrder);
    QCOMPARE(progress_calls_, (13 + 2 + 13 + 2 + 2 + 1) * 2);  // steps of each row x clips
    for (const auto& row : full_.rows) {
      QCOMPARE(row.clips, 2);
      QVERIFY(row.accuracy.overall >= 0.0 && row.accuracy.overall <= 1.0);
      QVERIFY(row.temporal >= 0.0 && row.temporal <= 1.0);
      QVERIFY(row.sharpness >= 0.0 && row.sharpness <= 1.0);
      QVERIFY(row.seconds_per_clip > 0.0);
      QVERIFY(row.psnr_db && row.ssim);
    }
    const std::vector<int> steps{13, 2, 13, 2, 2, 1};
    for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(full_.rows[i].steps, steps[i]);
    QCOMPARE(row_named(full_, "teacher-50-dense").guidance, 5.0);
    QCOMPARE(row_named(full_, "student-8-asa-gt").guidance, 1.0);
    QCOMPARE(row_named(full_, "student-8-asa-gt").model, student8_);
    QCOMPARE(row_named(full_, "student-4-asa-gt").model, student4_);
    QCOMPARE(row_named(full_, "teacher-50-asa").attention.backend, std::string("asa"));
    QCOMPARE(row_named(full_, "teacher-50-asa").attention.asa.fixed_sparsity.value_or(0), 0.8);
    QCOMPARE(row_named(full_, "student-8-asa-gt").attention.backend, std::string("asa-gt"));
  }

  // Each clip is reported with the judgement its row's scores were averaged from.
  void every_clip_is_reported_with_its_judgement() {
    QCOMPARE(clips_.size(), size_t{6 * 2});
    for (const auto& row : full_.rows) {
      double overall = 0.0, motion = 0.0;
      int clips = 0, objects = 0;
      std::vector<double> travels;
      std::map<std::string, int> motions;
      for (const auto& clip : clips_) {
        if (clip.row != row.name) continue;
        QVERIFY(std::find(full_.prompts.begin(), full_.prompts.end(), clip.prompt) != full_.prompts.end());
        QCOMPARE(clip.seed, uint64_t{0});
        overall += clip.judgement.scores.overall;
        motion += clip.judgement.scores.motion;
        if (clip.judgement.travel) travels.push_back(*clip.judgement.travel);
        ++clips;
        for (const auto& object : clip.judgement.objects) {
          ++objects;
          ++motions[object.motion ? world::to_string(*object.motion) : "none"];
        }
      }
      QCOMPARE(clips, row.clips);
      QVERIFY(std::abs(overall / clips - row.accuracy.overall) < 1e-12);
      QVERIFY(std::abs(motion / clips - row.accuracy.motion) < 1e-12);
      QCOMPARE(row.objects_found, objects);
      QCOMPARE(row.motions_found, motions);
      QCOMPARE(row.travel, eval::median(travels));
      const auto json = eval::to_json(row);
      QCOMPARE(json["travel"].is_null(), !row.travel.has_value());
      QCOMPARE(json["objects_found"].get<int>(), objects);
      int in_json = 0;
      for (const auto& [motion_name, count] : json["motions_found"].items()) {
        QCOMPARE(count.get<int>(), motions.at(motion_name));
        in_json += count.get<int>();
      }
      QCOMPARE(in_json, objects);
    }
  }

  void the_reference_matches_itself_and_the_others_do_not() {
    const auto& reference = row_named(full_, "teacher-50-dense");
    QVERIFY(std::isinf(*reference.psnr_db) && *reference.psnr_db > 0);
    QVERIFY(std::abs(*reference.ssim - 1.0) < 1e-9);
    QCOMPARE(eval::to_json(reference)["psnr_db"].get<std::string>(), std::string("inf"));
    for (const auto& row : full_.rows) {
      if (row.name == "teacher-50-dense") continue;
      QVERIFY2(std::isfinite(*row.psnr_db), row.name.c_str());
      QVERIFY2(*row.ssim < 1.0, row.name.c_str());
    }
  }

  void dense_rows_skip_nothing_and_sparse_rows_most() {
    for (const auto& row : full_.rows) {
      const bool sparse = row.attention.backend != "dense";
      qInfo("%s: sparsity %.3f", row.name.c_str(), row.sparsity);
      if (sparse) QVERIFY2(row.sparsity > 0.5, row.name.c_str());
      else QCOMPARE(row.sparsity, 0.0);
    }
  }

  void two_runs_give_the_same_numbers() {
    const auto again = eval::evaluate_models(options());
    QCOMPARE(names_of(again), names_of(full_));
    for (size_t i = 0; i < again.rows.size(); ++i) {
      const auto a = numbers_of(full_.rows[i]), b = numbers_of(again.rows[i]);
      for (size_t k = 0; k < a.size(); ++k) {
        QVERIFY2(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])),
                 qPrintable(QString("%1 value %2: %3 vs %4").arg(again.rows[i].name.c_str()).arg(k).arg(a[k]).arg(b[k])));
      }
    }
  }

  void missing_students_leave_the_teacher_rows() {
    auto o = options();
    o.models.student8 = fs::path(dir_.path().toStdString()) / "no-such-student";
    o.models.student4.reset();
    std::vector<std::string> skipped;
    eval::EvalCallbacks callbacks;
    callbacks.on_skip = [&](const eval::EvalSkip& s) { skipped.push_back(s.row); };
    const auto report = eval::evaluate_models(o, callbacks);
    QCOMPARE(names_of(report), (std::vector<std::string>{"teacher-50-dense", "teacher-8-dense", "teacher-50-asa"}));
    QCOMPARE(skipped, (std::vector<std::string>{"student-8-dense", "student-8-asa-gt", "student-4-asa-gt"}));
    QCOMPARE(report.skipped.size(), size_t{3});
    QVERIFY(report.skipped[0].reason.find("no-such-student") != std::string::npos);
    QVERIFY(report.skipped[2].reason.find("no 4-step student model folder given") != std::string::npos);
    QCOMPARE(eval::to_json(report.skipped[0])["row"].get<std::string>(), std::string("student-8-dense"));
    // Same prompts, seeds and models: the teacher's rows are those of the full run.
    for (size_t i = 0; i < report.rows.size(); ++i) QVERIFY(numbers_of(report.rows[i]) == numbers_of(full_.rows[i]));
  }

  void students_alone_have_no_fidelity() {
    auto o = options();
    o.models.teacher.reset();
    o.models.student8.reset();
    const auto report = eval::evaluate_models(o);
    QCOMPARE(names_of(report), std::vector<std::string>{"student-4-asa-gt"});
    QVERIFY(!report.rows[0].psnr_db && !report.rows[0].ssim);
    QVERIFY(eval::to_json(report.rows[0])["psnr_db"].is_null());
  }

  void the_median_is_the_middle_value() {
    QVERIFY(!eval::median({}));
    QCOMPARE(eval::median({3.0}), std::optional<double>(3.0));
    QCOMPARE(eval::median({9.0, -1.0, 2.0}), std::optional<double>(2.0));
    QCOMPARE(eval::median({4.0, 100.0, 1.0, 2.0}), std::optional<double>(3.0));  // (2 + 4) / 2
    QCOMPARE(eval::median({0.1, 0.1, -50.0, 0.1, 70.0}), std::optional<double>(0.1));
  }

  // Chosen rows run alone, in the usual order and with the numbers of the full run (fidelity only
  // where teacher-50-dense ran too); a student row for a missing student is reported as skipped.
  void chosen_rows_run_alone() {
    auto o = options();
    o.rows = {"student-8-asa-gt", "teacher-8-dense"};
    auto report = eval::evaluate_models(o);
    QCOMPARE(names_of(report), (std::vector<std::string>{"teacher-8-dense", "student-8-asa-gt"}));
    QVERIFY(report.skipped.empty());
    for (const auto& row : report.rows) {
      QVERIFY(!row.psnr_db && !row.ssim);
      const auto in_full = std::find_if(full_.rows.begin(), full_.rows.end(), [&](auto& r) { return r.name == row.name; });
      QVERIFY(in_full != full_.rows.end());
      QVERIFY(std::abs(row.accuracy.overall - in_full->accuracy.overall) < 1e-12);
      QVERIFY(std::abs(row.sparsity - in_full->sparsity) < 1e-12);
    }

    o.rows = {"student-4-asa-gt", "teacher-50-dense"};
    o.models.student4.reset();
    report = eval::evaluate_models(o);
    QCOMPARE(names_of(report), std::vector<std::string>{"teacher-50-dense"});
    QCOMPARE(report.skipped.size(), size_t{1});
    QCOMPARE(report.skipped[0].row, std::string("student-4-asa-gt"));

    o = options();
    o.rows = {"student-8-asa-gt", "student-16"};
    test::expect_error(ErrorKind::InvalidArgument, {"unknown row 'student-16'", "teacher-50-asa"},
                       [&] { eval::evaluate_models(o); });
    o.rows = {"student-4-asa-gt"};
    o.models.student4.reset();
    test::expect_error(ErrorKind::InvalidArgument, {"nothing to evaluate"}, [&] { eval::evaluate_models(o); });
  }

  void bad_folders_and_options_are_errors() {
    const fs::path root = dir_.path().toStdString();
    const fs::path empty = root / "empty-model";
    fs::create_directories(empty);
    auto o = options();
    o.models.student8 = empty;
    test::expect_error(ErrorKind::BadWeights, {"8-step student", empty.string()}, [&] { eval::evaluate_models(o); });

    o = options();
    o.models.student8 = student4_;  // a 4-step student where the 8-step one belongs
    test::expect_error(ErrorKind::InvalidArgument, {student4_.string(), "4 steps", "8-step"},
                       [&] { eval::evaluate_models(o); });

    o = options();
    o.models = {};
    test::expect_error(ErrorKind::InvalidArgument, {"nothing to evaluate"}, [&] { eval::evaluate_models(o); });
    o = options();
    o.prompts = 0;
    test::expect_error(ErrorKind::InvalidArgument, {"prompt"}, [&] { eval::evaluate_models(o); });
    o = options();
    o.clip = world::ClipFormat{10, 32, 32};
    test::expect_error(ErrorKind::InvalidArgument, {"frames"}, [&] { eval::evaluate_models(o); });
  }

  void cancel_stops_the_evaluation() {
    CancelToken cancel;
    cancel.request();
    test::expect_error(ErrorKind::Cancelled, {}, [&] { eval::evaluate_models(options(), {}, &cancel); });
  }

  void clip_format_comes_from_the_teacher_folder() {
    auto o = options();
    o.clip.reset();
    const auto clip = eval::eval_clip_format(o);
    QCOMPARE(clip.frames, test::kEvalClip.frames);
    QCOMPARE(clip.width, test::kEvalClip.width);
    o.models = {};
    QCOMPARE(eval::eval_clip_format(o).height, int64_t{64});  // BLADE-mini's
  }
};

QTEST_GUILESS_MAIN(TestModelEvaluation)
#include "test_model_evaluation.moc"
