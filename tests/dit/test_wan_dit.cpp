// The Wan DiT forward against diffusers' WanTransformer3DModel (tests/fixtures/reference/dit.safetensors,
// made by make_fixtures.py from the tiny random model), loaded from both name layouts.

#include "attention/asa_attention.h"
#include "attention/attention_backend.h"
#include "core/error.h"
#include "core/tensor_format.h"
#include "io/safetensors.h"
#include "io/weight_store.h"
#include "models/dit/wan_dit.h"
#include "test_tensors.h"

#include <QtTest>

#include <random>

using namespace blade;
using namespace blade::models;

namespace {

// Passes every call on to dense attention and remembers what it was given.
class RecordingAttention final : public attention::AttentionBackend {
 public:
  struct Call {
    attention::AttentionCallInfo info;
    std::vector<int64_t> q_shape;
  };
  std::string name() const override { return "recording"; }
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const attention::AttentionCallInfo& info) override {
    calls.push_back({info, q.sizes().vec()});
    return dense_.forward(q, k, v, info);
  }
  std::vector<Call> calls;

 private:
  attention::DenseAttention dense_;
};

// ASA-GT that does not say which token order it prefers: the DiT hands tokens over in their
// natural order and the back end reorders q, k, v and its output in every call.
class PerCallOrderAsaGt final : public attention::AttentionBackend {
 public:
  explicit PerCallOrderAsaGt(const attention::AsaSettings& settings) : asa_(settings) {}
  std::string name() const override { return "asa-gt, reordered per call"; }
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const attention::AttentionCallInfo& info) override {
    reordered_by_caller = reordered_by_caller || info.tokens_in_backend_order;
    return asa_.forward(q, k, v, info);
  }
  bool reordered_by_caller = false;

 private:
  attention::AsaGtAttention asa_;
};

// Records whether the DiT said the tokens came in the back end's order.
class ObservedAsaGt final : public attention::AsaAttention {
 public:
  explicit ObservedAsaGt(const attention::AsaSettings& settings) : AsaAttention(settings, /*global_tokens=*/true) {}
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const attention::AttentionCallInfo& info) override {
    calls_in_backend_order += info.tokens_in_backend_order ? 1 : 0;
    return AsaAttention::forward(q, k, v, info);
  }
  int calls_in_backend_order = 0;
};

struct Case {
  torch::Tensor latents, timestep, context, expected;
};

Case reference_case(int k) {
  const auto store = io::WeightStore::open(test::fixture("reference/dit.safetensors"));
  const auto key = [&](const char* base) { return fmt::format("{}_{}", base, k); };
  return {store.load(key("hidden_states")), store.load(key("timestep")), store.load(key("encoder_hidden_states")),
          store.load(key("output"))};
}

std::filesystem::path diffusers_dir() { return test::fixture("wan-tiny/transformer"); }
std::filesystem::path original_file() { return test::fixture("wan-tiny-original/diffusion_pytorch_model.safetensors"); }

void expect_bad_weights(const std::function<void()>& action, const std::vector<std::string>& parts) {
  try {
    action();
    QFAIL("expected BadWeights");
  } catch (const Error& e) {
    QCOMPARE(e.kind(), ErrorKind::BadWeights);
    for (const auto& part : parts) {
      QVERIFY2(std::string(e.what()).find(part) != std::string::npos,
               qPrintable(QString("'%1' not in: %2").arg(part.c_str(), e.what())));
    }
  }
}

double worst_error(WanDiT& dit) {
  attention::DenseAttention dense;
  double worst = 0.0;
  for (int k = 0; k < 2; ++k) {
    const auto c = reference_case(k);
    const auto out = dit->forward(c.latents, c.timestep, c.context, dense, k);
    if (out.scalar_type() != torch::kFloat32 || out.sizes() != c.expected.sizes()) return 1e9;
    const double error = test::relative_error(out, c.expected);
    qInfo("case %d (t = %g): relative error %.3g", k, c.timestep.item<double>(), error);
    worst = std::max(worst, error);
  }
  return worst;
}

}  // namespace

class TestWanDiT : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QVERIFY2(std::filesystem::exists(test::fixture("reference/dit.safetensors")), "run tests/fixtures/make_fixtures.py");
    QVERIFY(std::filesystem::exists(diffusers_dir() / "diffusion_pytorch_model.safetensors"));
    QVERIFY(std::filesystem::exists(original_file()));
  }

  void tiny_config_comes_from_config_json() {
    const auto config = WanDiTConfig::infer(io::WeightStore::open(diffusers_dir()));
    QCOMPARE(config.dim, int64_t(24));
    QCOMPARE(config.num_heads, int64_t(2));
    QCOMPARE(config.head_dim, int64_t(12));
    QCOMPARE(config.num_layers, int64_t(2));
    QCOMPARE(config.ffn_dim, int64_t(32));
    QCOMPARE(config.text_dim, int64_t(32));
    QCOMPARE(config.in_channels, int64_t(16));
    QCOMPARE(config.out_channels, int64_t(16));
  }

  void diffusers_layout_matches_reference() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kFloat32);
    const double error = worst_error(dit);
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
  }

  void original_layout_matches_reference() {
    const auto store = io::WeightStore::open(original_file());
    QCOMPARE(detect_dit_layout(store), WanNameLayout::Original);
    if (!std::filesystem::exists(original_file().parent_path() / "config.json")) {
      // dim 24 gives no head count: the error must say what to provide.
      expect_bad_weights([&] { WanDiTConfig::infer(store); }, {"config.json", original_file().string()});
    }
    const auto config = WanDiTConfig::infer(io::WeightStore::open(diffusers_dir()));
    auto dit = load_wan_dit(store, config, torch::kCPU, torch::kFloat32);
    const double error = worst_error(dit);
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
  }

  void batch_of_two_gives_both_outputs() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kFloat32);
    const auto a = reference_case(0), b = reference_case(1);
    attention::DenseAttention dense;
    const auto out = dit->forward(torch::cat({a.latents, b.latents}), torch::cat({a.timestep, b.timestep}),
                                  torch::cat({a.context, b.context}), dense);
    const double error = test::relative_error(out, torch::cat({a.expected, b.expected}));
    QVERIFY2(error <= 1e-5, qPrintable(QString::number(error)));
  }

  void bf16_compute_stays_close() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kBFloat16);
    QCOMPARE(dit->compute_dtype(), torch::kBFloat16);
    QCOMPARE(dit->named_parameters()["blocks.0.attn1.to_q.weight"].scalar_type(), torch::kBFloat16);
    QCOMPARE(dit->named_parameters()["blocks.0.norm2.weight"].scalar_type(), torch::kFloat32);
    const double error = worst_error(dit);
    QVERIFY2(error <= 3e-2, qPrintable(QString::number(error)));
    dit->set_compute_dtype(torch::kFloat32);  // back to fp32 from bf16-rounded weights: close, not exact
    QCOMPARE(dit->named_parameters()["blocks.0.attn1.to_q.weight"].scalar_type(), torch::kFloat32);
    QVERIFY(worst_error(dit) <= 3e-2);
  }

  void backend_sees_one_call_per_layer() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kFloat32);
    const auto c = reference_case(0);  // latents [1, 16, 3, 8, 8] -> grid 3 x 4 x 4
    RecordingAttention recorder;
    dit->forward(c.latents, c.timestep, c.context, recorder, 7);
    QCOMPARE(int64_t(recorder.calls.size()), dit->config().num_layers);
    for (size_t i = 0; i < recorder.calls.size(); ++i) {
      const auto& call = recorder.calls[i];
      QCOMPARE(call.info.layer, int(i));
      QCOMPARE(call.info.step, 7);
      QVERIFY((call.info.grid == std::array<int64_t, 3>{3, 4, 4}));
      QVERIFY((call.q_shape == std::vector<int64_t>{1, 2, 48, 12}));
    }
  }

  void tokens_reordered_once_per_pass_match_reordering_per_call() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kFloat32);
    const auto seed = static_cast<uint64_t>(std::random_device{}());
    qInfo("seed %llu", static_cast<unsigned long long>(seed));
    torch::manual_seed(seed);
    const auto context = torch::randn({1, 7, dit->config().text_dim});
    attention::AsaSettings settings;
    settings.block_size = 8;
    settings.probe_tokens = 4;
    settings.fixed_sparsity = 0.5;
    settings.pool_tokens = 5;
    settings.seed = 11;
    ObservedAsaGt once(settings);
    PerCallOrderAsaGt per_call(settings);
    QVERIFY(once.preferred_layout({3, 6, 5}, torch::kCPU).order.defined());
    // Grid 3 x 6 x 5 (90 tokens: not a multiple of the block, odd sides) twice - the second pass
    // reuses the DiT's reordered RoPE table - then 2 x 4 x 7, which must not.
    const std::vector<std::vector<int64_t>> shapes{{1, 16, 3, 12, 10}, {1, 16, 3, 12, 10}, {1, 16, 2, 8, 14}};
    const auto timestep = torch::tensor({0.37 * 1000});
    torch::Tensor latents, reordered_once;
    for (const auto& shape : shapes) {
      latents = torch::randn(shape);
      reordered_once = dit->forward(latents, timestep, context, once, 0);
      const auto reordered_per_call = dit->forward(latents, timestep, context, per_call, 0);
      const double error = test::relative_error(reordered_once, reordered_per_call);
      QVERIFY2(error <= 1e-5, qPrintable(QString("latents %1: %2").arg(shape_string(shape).c_str()).arg(error)));
    }
    QCOMPARE(once.calls_in_backend_order, int(shapes.size() * dit->config().num_layers));
    QVERIFY(!per_call.reordered_by_caller);
    // The same sparse attention as dense would not be a test of the order: it must differ.
    attention::DenseAttention dense;
    QVERIFY(test::relative_error(dit->forward(latents, timestep, context, dense, 0), reordered_once) > 1e-3);
  }

  void wrong_shape_is_named() {
    const auto source = io::WeightStore::open(diffusers_dir());
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& name : source.names()) {
      tensors.emplace_back(name, name == "blocks.1.attn1.to_k.weight" ? torch::zeros({24, 23}) : source.load(name));
    }
    const auto folder = std::filesystem::path(BLADE_BINARY_DIR) / "test_wan_dit_wrong_shape";
    std::filesystem::create_directories(folder);
    const auto file = folder / "diffusion_pytorch_model.safetensors";
    io::write_safetensors(file, tensors);
    const auto config = WanDiTConfig::infer(source);
    expect_bad_weights([&] { load_wan_dit(io::WeightStore::open(file), config, torch::kCPU, torch::kFloat32); },
                       {"blocks.1.attn1.to_k.weight", "[24, 23]", "[24, 24]", file.filename().string()});
  }

  void bad_inputs_are_invalid_arguments() {
    auto dit = load_wan_dit(io::WeightStore::open(diffusers_dir()), torch::kCPU, torch::kFloat32);
    const auto c = reference_case(0);
    attention::DenseAttention dense;
    const auto expect_invalid = [&](const torch::Tensor& latents, const torch::Tensor& context, const char* part) {
      try {
        dit->forward(latents, c.timestep, context, dense);
        QFAIL("expected InvalidArgument");
      } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::InvalidArgument);
        QVERIFY2(std::string(e.what()).find(part) != std::string::npos, e.what());
      }
    };
    expect_invalid(torch::zeros({1, 4, 3, 8, 8}), c.context, "[1, 4, 3, 8, 8]");
    expect_invalid(torch::zeros({1, 16, 3, 7, 8}), c.context, "[1, 16, 3, 7, 8]");
    expect_invalid(c.latents, torch::zeros({1, 20, 16}), "[1, 20, 16]");
  }
};

QTEST_APPLESS_MAIN(TestWanDiT)
#include "test_wan_dit.moc"
