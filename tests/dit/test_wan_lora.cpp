// LoRA adapters on the Wan DiT against diffusers' load_lora_weights (tests/fixtures/lora, made by
// make_fixtures.py: a random rank-4 adapter with alpha 8 on every attention projection).

#include "attention/attention_backend.h"
#include "io/safetensors.h"
#include "io/weight_store.h"
#include "models/dit/wan_lora.h"
#include "expect_error.h"
#include "test_tensors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <functional>

using namespace blade;
using namespace blade::models;

namespace {

std::filesystem::path peft_file() { return test::fixture("lora/pytorch_lora_weights.safetensors"); }
std::filesystem::path original_names_file() { return test::fixture("lora/original_names.safetensors"); }

WanDiT tiny_dit() {
  return load_wan_dit(io::WeightStore::open(test::fixture("wan-tiny/transformer")), torch::kCPU, torch::kFloat32);
}

// Worst relative error of the DiT against `output_key`_k of the LoRA reference, both cases.
double worst_error(WanDiT& dit, const std::string& output_key, const std::string& reference = "reference/lora.safetensors") {
  const auto inputs = io::WeightStore::open(test::fixture("reference/dit.safetensors"));
  const auto expected = io::WeightStore::open(test::fixture(reference));
  attention::DenseAttention dense;
  double worst = 0.0;
  for (int k = 0; k < 2; ++k) {
    const auto key = [&](const std::string& base) { return fmt::format("{}_{}", base, k); };
    const auto out = dit->forward(inputs.load(key("hidden_states")), inputs.load(key("timestep")),
                                  inputs.load(key("encoder_hidden_states")), dense, k);
    worst = std::max(worst, test::relative_error(out, expected.load(key(output_key))));
  }
  return worst;
}

// A LoRA file holding `tensors`, written into `dir`.
std::filesystem::path write_lora(const QTemporaryDir& dir, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  const auto path = std::filesystem::path(dir.path().toStdString()) / "adapter.safetensors";
  io::write_safetensors(path, tensors);
  return path;
}

}  // namespace

class TestWanLora : public QObject {
  Q_OBJECT
 private slots:
  void reads_rank_alpha_and_every_target() {
    const auto lora = load_lora(peft_file());
    QCOMPARE(lora.adapters.size(), size_t(16));
    const auto& q = lora.adapters.at("blocks.1.attn2.to_out.0");
    QCOMPARE(q.rank(), int64_t(4));
    QCOMPARE(q.alpha, 8.0);
    QCOMPARE(q.down.sizes().vec(), (std::vector<int64_t>{4, 24}));
  }

  void run_time_adapter_matches_diffusers() {
    auto dit = tiny_dit();
    const auto lora = load_lora(peft_file());
    for (double scale : {1.0, 0.5}) {
      apply_lora(*dit, lora, scale, LoraMode::RunTime);
      const double error = worst_error(dit, scale == 1.0 ? "output_scale_1" : "output_scale_0.5");
      qInfo("run-time, scale %g: relative error %.3g", scale, error);
      QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
    }
  }

  void merged_adapter_matches_diffusers() {
    for (double scale : {1.0, 0.5}) {
      auto dit = tiny_dit();
      apply_lora(*dit, load_lora(peft_file()), scale, LoraMode::Merged);
      const double error = worst_error(dit, scale == 1.0 ? "output_scale_1" : "output_scale_0.5");
      qInfo("merged, scale %g: relative error %.3g", scale, error);
      QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
    }
  }

  void original_wan_names_give_the_same_adapter() {
    auto dit = tiny_dit();
    apply_lora(*dit, load_lora(original_names_file()), 1.0, LoraMode::RunTime);
    const double error = worst_error(dit, "output_scale_1");
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
  }

  void adapter_changes_the_output_and_removing_it_restores_the_base() {
    auto dit = tiny_dit();
    apply_lora(*dit, load_lora(peft_file()), 1.0, LoraMode::RunTime);
    QVERIFY(worst_error(dit, "output", "reference/dit.safetensors") > 1e-2);
    remove_lora(*dit);
    QVERIFY(worst_error(dit, "output", "reference/dit.safetensors") <= 1e-5);
  }

  void bf16_run_time_adapter_stays_close() {
    auto dit = load_wan_dit(io::WeightStore::open(test::fixture("wan-tiny/transformer")), torch::kCPU, torch::kBFloat16);
    apply_lora(*dit, load_lora(peft_file()), 1.0, LoraMode::RunTime);
    const double error = worst_error(dit, "output_scale_1");
    QVERIFY2(error <= 3e-2, qPrintable(QString::number(error)));
  }

  void bad_files_name_the_cause() {
    QTemporaryDir dir;
    const auto a = torch::randn({4, 24}), b = torch::randn({24, 4});
    auto dit = tiny_dit();
    test::expect_error(ErrorKind::BadWeights, {"blocks.7.attn1.to_q", "targets no linear layer"}, [&] {
      apply_lora(*dit, load_lora(write_lora(dir, {{"transformer.blocks.7.attn1.to_q.lora_A.weight", a},
                                                   {"transformer.blocks.7.attn1.to_q.lora_B.weight", b}})), 1.0,
                 LoraMode::Merged);
    });
    test::expect_error(ErrorKind::BadWeights, {"blocks.0.attn1.to_k", "[r, 24]", "[5, 20]"}, [&] {
      apply_lora(*dit, load_lora(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", torch::randn({5, 24})},
                                                   {"transformer.blocks.0.attn1.to_q.lora_B.weight", torch::randn({24, 5})},
                                                   {"transformer.blocks.0.attn1.to_k.lora_A.weight", torch::randn({5, 20})},
                                                   {"transformer.blocks.0.attn1.to_k.lora_B.weight", torch::randn({24, 5})}})),
                 1.0, LoraMode::Merged);
    });
    // A failed apply changes nothing: the first, fitting adapter was not merged either.
    QVERIFY(worst_error(dit, "output", "reference/dit.safetensors") <= 1e-5);
    // The structural errors come from the header: inspect_lora (what the studio's picker runs)
    // finds each of them as load_lora does.
    using Reader = std::function<void(const std::filesystem::path&)>;
    for (const Reader& read : {Reader([](const std::filesystem::path& f) { load_lora(f); }),
                               Reader([](const std::filesystem::path& f) { inspect_lora(f); })}) {
      test::expect_error(ErrorKind::BadWeights, {"only its lora_A"}, [&] {
        read(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", a}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"rank 4", "rank 3"}, [&] {
        read(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", a},
                              {"transformer.blocks.0.attn1.to_q.lora_B.weight", torch::randn({24, 3})}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"blocks.0.attn1.to_q.weight", "not a LoRA tensor"}, [&] {
        read(write_lora(dir, {{"blocks.0.attn1.to_q.weight", b}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"2-D floating-point"}, [&] {
        read(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", torch::ones({4, 24}, torch::kInt32)},
                              {"transformer.blocks.0.attn1.to_q.lora_B.weight", b}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"blocks.0.attn1.to_q.alpha", "one floating-point alpha"}, [&] {
        read(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", a},
                              {"transformer.blocks.0.attn1.to_q.lora_B.weight", b},
                              {"transformer.blocks.0.attn1.to_q.alpha", torch::ones({2})}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"blocks.0.attn1.to_k.alpha", "no lora_A / lora_B"}, [&] {
        read(write_lora(dir, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", a},
                              {"transformer.blocks.0.attn1.to_q.lora_B.weight", b},
                              {"transformer.blocks.0.attn1.to_k.alpha", torch::ones({})}}));
      });
      test::expect_error(ErrorKind::BadWeights, {"lora_alpha", "should be a number", "\"sixteen\""}, [&] {
        const auto path = std::filesystem::path(dir.path().toStdString()) / "adapter.safetensors";
        io::write_safetensors(path, {{"transformer.blocks.0.attn1.to_q.lora_A.weight", a},
                                     {"transformer.blocks.0.attn1.to_q.lora_B.weight", b}},
                              {{"lora_adapter_metadata", R"({"lora_alpha": "sixteen"})"}});
        read(path);
      });
      test::expect_error(ErrorKind::Io, {"missing.safetensors"}, [&] { read(dir.path().toStdString() + "/missing.safetensors"); });
    }
    // A per-module alpha under the original Wan names reaches its adapter.
    const auto with_alpha = load_lora(write_lora(dir, {{"diffusion_model.blocks.0.self_attn.q.lora_A.weight", a},
                                                       {"diffusion_model.blocks.0.self_attn.q.lora_B.weight", b},
                                                       {"diffusion_model.blocks.0.self_attn.q.alpha", torch::full({}, 2.0)}}));
    QCOMPARE(with_alpha.adapters.size(), size_t{1});
    QCOMPARE(with_alpha.adapters.begin()->second.alpha, 2.0);
  }

  void inspecting_gives_what_loading_gives() {
    const auto loaded = load_lora(peft_file());
    const auto summary = inspect_lora(peft_file());
    QCOMPARE(summary.adapters, loaded.adapters.size());
    QCOMPARE(summary.rank, loaded.adapters.begin()->second.rank());
    QVERIFY(summary.adapters > 1);
  }
};

QTEST_APPLESS_MAIN(TestWanLora)
#include "test_wan_lora.moc"
