// The text encoder's attribute pretraining: targets state what the prompt says, the loss and
// accuracy equal a float64 reference, pretraining reads the attributes of held-out prompts back
// and every attribute change moves the context, and a teacher run pretrains once, resumes exactly
// and records it.

#include "throws.h"
#include "moving_squares_source.h"
#include "tiny_config.h"
#include "train/checkpoint.h"
#include "train/context_separation.h"
#include "train/model_init.h"
#include "train/teacher_trainer.h"
#include "train/text_attribute_heads.h"
#include "train/text_attribute_targets.h"
#include "train/text_pretrainer.h"
#include "train/tokenizer_training.h"
#include "train/world_clip_source.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <numeric>
#include <random>

using namespace blade;

namespace {

constexpr int64_t kTextLen = 128;  // the world's prompts with a 64-piece vocabulary

int64_t column_of(const std::string& name) {
  const auto& attributes = train::text_attributes();
  for (size_t a = 0; a < attributes.size(); ++a) {
    if (attributes[a].name == name) return static_cast<int64_t>(a);
  }
  qFatal("no attribute %s", name.c_str());
}

// A small encoder (2 layers, d_model 64) with a tokenizer trained on the world's prompts.
train::TrainableTextEncoder small_world_encoder(const std::filesystem::path& dir, uint64_t init_seed) {
  train::WorldClipSource world({5, 16, 16}, 11);
  const auto model = dir / "spiece.model";
  models::UMT5Config config = test::tiny_model_config().text;
  config.d_model = 64;
  config.num_heads = 4;
  config.d_kv = 16;
  config.d_ff = 128;
  config.num_layers = 2;
  config.vocab_size = train::train_prompt_tokenizer(world.prompts(0, 600), {.vocab_size = 64}, model);
  models::UMT5Encoder encoder(config);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(init_seed);
  train::initialize_umt5(*encoder, generator);
  return train::TrainableTextEncoder(models::PromptTokenizer::load(model), encoder, kTextLen);
}

nlohmann::json model_index(const std::filesystem::path& folder) {
  std::ifstream in(folder / "model_index.json");
  return nlohmann::json::parse(in);
}

}  // namespace

class TestTrainTextPretrain : public QObject {
  Q_OBJECT
 private slots:
  void targets_state_what_the_prompt_says() {
    world::SceneAttributes two;
    two.background = {world::BackgroundKind::Stripes, world::Tone::Night};
    using namespace world;
    two.objects = {{Shape::Star, Colour::Cyan, Size::Large, Motion::Orbit, Speed::Fast},
                   {Shape::Ring, Colour::Pink, Size::Small, Motion::Up, Speed::Slow}};
    world::SceneAttributes one = two;
    one.objects.pop_back();
    const auto targets = train::text_attribute_targets({two, one});
    QCOMPARE(targets.sizes(), (c10::IntArrayRef{2, 13}));
    const std::vector<std::pair<std::string, int64_t>> expected_two{
        {"background", 2}, {"tone", 2},     {"objects", 1}, {"shape.1", 4},  {"colour.1", 4},
        {"size.1", 1},     {"motion.1", 7}, {"speed.1", 1}, {"shape.2", 5},  {"colour.2", 7},
        {"size.2", 0},     {"motion.2", 2}, {"speed.2", 0}};
    for (const auto& [name, value] : expected_two) {
      QCOMPARE(targets[0][column_of(name)].item<int64_t>(), value);
      const bool second_object = name.back() == '2';
      const int64_t for_one = name == "objects" ? 0 : second_object ? train::kNotStated : value;
      QCOMPARE(targets[1][column_of(name)].item<int64_t>(), for_one);
    }
    world::SceneAttributes none = one;
    none.objects.clear();
    QVERIFY(test::throws_error([&] { train::text_attribute_targets({none}); }, ErrorKind::InvalidArgument));
  }

  void loss_and_accuracy_equal_a_float64_reference() {
    const auto seed = static_cast<uint64_t>(std::random_device{}());
    qInfo("seed %llu", static_cast<unsigned long long>(seed));
    torch::manual_seed(seed);
    const auto& attributes = train::text_attributes();
    const int64_t batch = 7;
    int64_t total = 0;
    for (const auto& a : attributes) total += a.classes;
    const auto logits = torch::randn({batch, total}) * 3.0;
    auto targets = torch::empty({batch, static_cast<int64_t>(attributes.size())}, torch::kLong);
    for (size_t a = 0; a < attributes.size(); ++a) {
      targets.select(1, static_cast<int64_t>(a)).random_(0, attributes[a].classes);
    }
    targets.narrow(0, 0, 3).narrow(1, 8, 5).fill_(train::kNotStated);  // object 2 absent from 3 prompts
    targets.select(1, column_of("motion.2")).fill_(train::kNotStated);   // and one attribute nowhere

    const auto log_probabilities = logits.to(torch::kFloat64);
    double loss_sum = 0.0;
    int64_t stated_attributes = 0;
    int64_t first = 0;
    for (size_t a = 0; a < attributes.size(); ++a) {
      const auto slice = torch::log_softmax(log_probabilities.narrow(1, first, attributes[a].classes), 1);
      double sum = 0.0;
      int64_t stated = 0, correct = 0;
      for (int64_t b = 0; b < batch; ++b) {
        const int64_t target = targets[b][static_cast<int64_t>(a)].item<int64_t>();
        if (target == train::kNotStated) continue;
        sum -= slice[b][target].item<double>();
        correct += slice[b].argmax().item<int64_t>() == target ? 1 : 0;
        ++stated;
      }
      const double accuracy = train::text_attribute_accuracy(logits, targets)[a];
      if (stated == 0) {
        QCOMPARE(accuracy, -1.0);
      } else {
        loss_sum += sum / static_cast<double>(stated);
        ++stated_attributes;
        QCOMPARE(accuracy, static_cast<double>(correct) / static_cast<double>(stated));
      }
      first += attributes[a].classes;
    }
    const double expected = loss_sum / static_cast<double>(stated_attributes);
    const double got = train::text_attribute_loss(logits, targets).item<double>();
    QVERIFY2(std::abs(got - expected) <= 1e-6 * expected, QByteArray::number(got - expected).constData());
    QVERIFY(test::throws_error([&] { train::text_attribute_loss(logits.narrow(1, 0, 10), targets); },
                               ErrorKind::InvalidArgument));
  }

  // After pretraining, held-out prompts (attribute combinations never trained on) are read back
  // above chance (the read-outs start at chance: zero weights).
  void pretraining_reads_held_out_attributes() {
    QTemporaryDir dir;
    auto text = small_world_encoder(dir.path().toStdString(), 3);
    std::vector<double> losses;
    train::TextPretrainOptions options;
    options.iterations = 120;
    options.batch = 32;
    options.lr = 3e-3;
    options.warmup = 10;
    options.held_out_prompts = 200;
    const auto result = train::pretrain_text_encoder(
        text, options, [&](const train::TextPretrainStep& step) {
          QCOMPARE(step.total, options.iterations);
          QCOMPARE(step.iteration, static_cast<int64_t>(losses.size()) + 1);
          QVERIFY(step.learning_rate > 0.0 && step.learning_rate <= options.lr);
          losses.push_back(step.loss);
        });
    QCOMPARE(result.iterations, options.iterations);
    QCOMPARE(static_cast<int64_t>(losses.size()), options.iterations);
    auto mean = [](auto begin, auto end) { return std::accumulate(begin, end, 0.0) / std::distance(begin, end); };
    const double early = mean(losses.begin(), losses.begin() + 10);
    const double late = mean(losses.end() - 10, losses.end());
    QVERIFY2(late < 0.75 * early, qPrintable(QString("loss %1 -> %2").arg(early).arg(late)));

    const auto& attributes = train::text_attributes();
    for (size_t a = 0; a < attributes.size(); ++a) {
      qInfo("held-out %s %.2f", attributes[a].name.c_str(), result.held_out_accuracy[a]);
    }
    for (const std::string name : {"background", "objects", "size.1"}) {
      const double accuracy = result.held_out_accuracy[static_cast<size_t>(column_of(name))];
      QVERIFY2(accuracy > 0.8, qPrintable(QString("%1 %2").arg(name.c_str()).arg(accuracy)));
    }
    // Every attribute of the scene and its first object clearly above chance (200 prompts: the
    // standard error of a chance-level read-out is at most 0.035).
    for (const std::string name : {"tone", "shape.1", "colour.1", "motion.1", "speed.1"}) {
      const auto a = static_cast<size_t>(column_of(name));
      const double chance = 1.0 / static_cast<double>(attributes[a].classes);
      QVERIFY2(result.held_out_accuracy[a] > chance + 0.15,
               qPrintable(QString("%1 %2").arg(name.c_str()).arg(result.held_out_accuracy[a])));
    }
    // Every changed attribute changes the prompt, and so the context.
    const auto separations = train::context_separation(
        [&](const std::vector<std::string>& prompts) { return text.encode(prompts); }, 32, 5);
    QCOMPARE(separations.size(), size_t{7});
    for (const auto& s : separations) {
      QVERIFY2(s.row_change > 0.05 && s.mean_change > 0.01, s.attribute.c_str());
      QVERIFY(s.length_changed >= 0.0 && s.length_changed <= 1.0);
    }
  }

  void context_separation_is_zero_for_a_prompt_blind_encoder() {
    const auto separations = train::context_separation(
        [](const std::vector<std::string>& prompts) {
          return torch::ones({static_cast<int64_t>(prompts.size()), 4, 3});
        },
        8, 1);
    QCOMPARE(separations.size(), size_t{7});
    for (const auto& s : separations) {
      QCOMPARE(s.row_change, 0.0);
      QCOMPARE(s.mean_change, 0.0);
    }
    QVERIFY(test::throws_error([] { train::context_separation({}, 0, 1); }, ErrorKind::InvalidArgument));
  }

  // Pretraining happens once, before iteration 0: reported as its own stage, recorded in the
  // checkpoint and the export, not repeated on resume, and the split run equals the straight one.
  void teacher_run_pretrains_once_and_resumes_exactly() {
    QTemporaryDir straight_dir, split_dir;
    auto options = test::tiny_teacher_options(straight_dir.path().toStdString());
    options.model.text_len = kTextLen;
    options.text_pretrain_iterations = 6;
    options.iterations = 4;
    options.export_at_end = true;
    const auto& clip = options.model.clip;
    train::WorldClipSource world({clip.frames, clip.height, clip.width}, 3);

    train::TeacherTrainer straight(options, world, false);
    std::vector<std::string> stages;
    const auto record_stages = [&stages](const train::TrainProgress& p) {
      if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    };
    straight.run(record_stages);
    QCOMPARE(stages, (std::vector<std::string>{"text pretraining", "training"}));
    QCOMPARE(straight.text_pretrain_record()["iterations"].get<int64_t>(), int64_t{6});
    QCOMPARE(model_index(options.out_dir / "model")["blade"]["text_pretraining"]["iterations"].get<int64_t>(),
             int64_t{6});

    auto part = options;
    part.out_dir = split_dir.path().toStdString();
    part.iterations = 2;
    part.export_at_end = false;
    {
      train::TeacherTrainer first(part, world, false);
      first.run();
    }
    QCOMPARE(train::read_checkpoint_info(part.out_dir, "teacher")["text_pretraining"]["iterations"].get<int64_t>(),
             int64_t{6});
    part.iterations = 4;
    train::TeacherTrainer resumed(part, world, true);
    stages.clear();
    resumed.run(record_stages);
    QCOMPARE(stages, (std::vector<std::string>{"training"}));
    const auto a = straight.parameters();
    const auto b = resumed.parameters();
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
    for (size_t i = 0; i < a.size(); ++i) {
      QVERIFY2(torch::equal(straight.ema().averages()[i].second, resumed.ema().averages()[i].second),
               a[i].first.c_str());
    }
  }

  // The EMA starts from the pretrained encoder, not from the random weights it replaced.
  void averages_start_from_the_pretrained_encoder() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.path().toStdString());
    options.model.text_len = kTextLen;
    options.text_pretrain_iterations = 5;
    options.iterations = 0;
    const auto& clip = options.model.clip;
    train::WorldClipSource world({clip.frames, clip.height, clip.width}, 3);
    train::TeacherTrainer trainer(options, world, false);
    const auto before = trainer.ema().averages();
    std::vector<torch::Tensor> random_text;
    for (const auto& [name, average] : before) {
      if (name.rfind("text.", 0) == 0) random_text.push_back(average.clone());
    }
    trainer.run();
    const auto live = trainer.parameters();
    const auto& averages = trainer.ema().averages();
    size_t text_index = 0;
    bool any_changed = false;
    for (size_t i = 0; i < live.size(); ++i) {
      QVERIFY2(torch::equal(averages[i].second, live[i].second.detach()), live[i].first.c_str());
      if (live[i].first.rfind("text.", 0) == 0) {
        any_changed = any_changed || !torch::equal(random_text[text_index++], averages[i].second);
      }
    }
    QVERIFY(any_changed);
  }

  void text_pretraining_is_refused_where_it_does_not_apply() {
    QTemporaryDir dir;
    auto options = test::tiny_teacher_options(dir.filePath(QStringLiteral("run")).toStdString());
    options.text_pretrain_iterations = 5;
    test::MovingSquaresSource squares(options.model.clip, 1);
    QVERIFY(test::error_message([&] { train::TeacherTrainer(options, squares, false); }, ErrorKind::InvalidArgument)
                .find("are not the world's") != std::string::npos);

    options.model.text_len = kTextLen;
    options.init_from = dir.filePath(QStringLiteral("teacher")).toStdString();
    const auto& clip = options.model.clip;
    train::WorldClipSource world({clip.frames, clip.height, clip.width}, 3);
    const auto message =
        test::error_message([&] { train::TeacherTrainer(options, world, false); }, ErrorKind::InvalidArgument);
    QVERIFY2(message.find("for runs from random weights") != std::string::npos, message.c_str());
    QVERIFY(!std::filesystem::exists(options.out_dir));

    options.text_pretrain_iterations = -1;
    QVERIFY(test::throws_error([&] { options.validate(); }, ErrorKind::InvalidArgument));
  }
};

QTEST_GUILESS_MAIN(TestTrainTextPretrain)
#include "test_train_text_pretrain.moc"
