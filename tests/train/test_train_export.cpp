// The exported model folder loads with the engine's loaders and reproduces the trained (EMA) model;
// BLADE-mini's files stay within 16 MiB; large components are sharded with an index.

#include "io/weight_store.h"
#include "models/dit/wan_dit.h"
#include "models/text/text_encoder.h"
#include "moving_squares_source.h"
#include "test_tensors.h"
#include "tiny_config.h"
#include "train/model_export.h"
#include "train/model_init.h"
#include "train/teacher_trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace blade;
namespace fs = std::filesystem;

namespace {

std::map<std::string, torch::Tensor> as_map(const train::NamedTensors& tensors) {
  return {tensors.begin(), tensors.end()};
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace

class TestTrainExport : public QObject {
  Q_OBJECT
 private slots:
  void exported_folder_reproduces_the_ema_model() {
    QTemporaryDir dir;
    const fs::path run = dir.path().toStdString();
    auto options = test::tiny_teacher_options(run);
    options.iterations = 3;
    options.export_at_end = true;
    options.export_storage = train::WeightStorage::F32;
    test::MovingSquaresSource source(options.model.clip, 2);
    train::TeacherTrainer trainer(options, source, false);
    trainer.run();
    const fs::path model = run / "model";
    const auto& config = trainer.options().model;  // with the trained tokenizer's vocab size

    const auto index = read_json(model / "model_index.json");
    QCOMPARE(index["codec"].get<std::string>(), std::string("pixel"));
    QCOMPARE(index["blade"]["text_len"].get<int64_t>(), options.model.text_len);
    QCOMPARE(read_json(model / "scheduler" / "scheduler_config.json")["flow_shift"].get<double>(),
             options.model.flow_shift);

    // The reference: the EMA weights in freshly built modules.
    const auto ema = as_map(trainer.ema().averages());
    models::WanDiT expected_dit(config.dit);
    train::copy_into_module(*expected_dit, ema, "dit.", "ema");
    models::UMT5Encoder expected_encoder(config.text);
    train::copy_into_module(*expected_encoder, ema, "text.", "ema");

    auto dit = models::load_wan_dit(io::WeightStore::open(model / "transformer"), torch::kCPU, torch::kFloat32);
    QCOMPARE(dit->config().num_heads, options.model.dit.num_heads);
    QCOMPARE(dit->config().patch, options.model.dit.patch);
    auto encoder = models::load_umt5_encoder(io::WeightStore::open(model / "text_encoder"), torch::kCPU, torch::kFloat32);
    models::TextEncoder loaded_text(models::PromptTokenizer::load(model / "tokenizer" / "spiece.model"), encoder,
                                    options.model.text_len);
    models::TextEncoder expected_text(models::PromptTokenizer::load(run / "tokenizer" / "spiece.model"),
                                      expected_encoder, options.model.text_len);

    const std::vector<std::string> prompts{"a red square moving left", ""};
    const auto context = loaded_text.encode(prompts);
    QVERIFY(torch::equal(context, expected_text.encode(prompts)));

    auto generator = at::make_generator<at::CPUGeneratorImpl>(4);
    const auto& c = options.model.clip;
    const auto x = torch::randn({2, 3, c.frames, c.height, c.width}, generator, torch::kFloat32);
    const auto t = torch::tensor({900.0f, 120.0f});
    auto dense = attention::make_dense_attention();
    torch::NoGradGuard no_grad;
    QVERIFY(torch::equal(dit->forward(x, t, context, *dense), expected_dit->forward(x, t, context, *dense)));
  }

  void blade_mini_fits_16_mib_files_in_f16() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    auto config = train::blade_mini_config();
    config.text.vocab_size = 512;
    models::WanDiT dit(config.dit);
    models::UMT5Encoder encoder(config.text);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(5);
    train::initialize_wan_dit(*dit, generator);
    train::initialize_umt5(*encoder, generator);
    // Any SentencePiece model will do for the layout.
    fs::copy_file(test::fixture("wan-tiny/tokenizer/spiece.model"), root / "spiece.model");

    train::ModelExport model;
    model.config = config;
    model.transformer = train::named_parameters_of(*dit, "");
    model.text_encoder = train::named_parameters_of(*encoder, "");
    model.tokenizer_model = root / "spiece.model";
    train::export_model_folder(model, root / "mini");

    int64_t dit_parameters = 0;
    for (const auto& p : dit->parameters()) dit_parameters += p.numel();
    int64_t largest = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root / "mini")) {
      if (entry.is_regular_file()) largest = std::max<int64_t>(largest, static_cast<int64_t>(entry.file_size()));
    }
    qInfo("BLADE-mini DiT: %lld parameters; largest exported file %lld bytes", static_cast<long long>(dit_parameters),
          static_cast<long long>(largest));
    QVERIFY(largest <= (int64_t{16} << 20));
    const auto store = io::WeightStore::open(root / "mini" / "transformer");
    QCOMPARE(store.record("blocks.0.attn1.to_q.weight").dtype, io::StoredDType::F16);
    const auto loaded = models::load_wan_dit(store, torch::kCPU, torch::kFloat32);
    const auto expected = dit->named_parameters()["blocks.3.ffn.net.2.weight"];
    const double error = test::relative_error(loaded->named_parameters()["blocks.3.ffn.net.2.weight"], expected);
    QVERIFY2(error < 1e-3, std::to_string(error).c_str());  // f16 rounding only
  }

  void large_components_are_sharded() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    auto config = test::tiny_model_config();
    config.text.vocab_size = 300;  // keeps every tensor under the shard limit
    models::WanDiT dit(config.dit);
    models::UMT5Encoder encoder(config.text);
    auto generator = at::make_generator<at::CPUGeneratorImpl>(6);
    train::initialize_wan_dit(*dit, generator);
    train::initialize_umt5(*encoder, generator);
    train::ModelExport model;
    model.config = config;
    model.transformer = train::named_parameters_of(*dit, "");
    model.text_encoder = train::named_parameters_of(*encoder, "");
    model.tokenizer_model = test::fixture("wan-tiny/tokenizer/spiece.model");
    model.storage = train::WeightStorage::F32;
    model.max_file_bytes = 48 * 1024;
    train::export_model_folder(model, root / "sharded");

    QVERIFY(fs::exists(root / "sharded" / "transformer" / "diffusion_pytorch_model.safetensors.index.json"));
    int shards = 0;
    for (const auto& entry : fs::directory_iterator(root / "sharded" / "transformer")) {
      if (entry.path().extension() == ".safetensors") {
        ++shards;
        QVERIFY(static_cast<int64_t>(entry.file_size()) <= model.max_file_bytes);
      }
    }
    QVERIFY(shards > 1);
    const auto loaded = models::load_wan_dit(io::WeightStore::open(root / "sharded" / "transformer"), torch::kCPU,
                                             torch::kFloat32);
    const auto expected = dit->named_parameters();
    for (const auto& item : loaded->named_parameters()) {
      QVERIFY2(torch::equal(item.value(), expected[item.key()]), item.key().c_str());
    }
    // Exporting again replaces the folder.
    train::export_model_folder(model, root / "sharded");
    QVERIFY(fs::exists(root / "sharded" / "model_index.json"));
  }
};

QTEST_GUILESS_MAIN(TestTrainExport)
#include "test_train_export.moc"
