// Models that denoise pixels (model_index.json "codec": "pixel"): loading, geometry, previews.

#include "core/error.h"
#include "io/safetensors.h"
#include "models/dit/wan_dit.h"
#include "pipeline/pipeline.h"
#include "pipeline/pixel_codec.h"
#include "test_tensors.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace blade;
namespace fs = std::filesystem;

namespace {

// A random-weight DiT on RGB pixels (3 channels, patch 1x2x2) beside the tiny fixture's text side.
void write_pixel_model(const fs::path& root, int64_t in_channels) {
  const fs::path tiny = test::fixture("wan-tiny");
  fs::create_directories(root / "transformer");
  fs::copy(tiny / "text_encoder", root / "text_encoder", fs::copy_options::recursive);
  fs::copy(tiny / "tokenizer", root / "tokenizer", fs::copy_options::recursive);
  std::ofstream(root / "model_index.json")
      << R"({"_class_name": "WanPipeline", "codec": "pixel", "blade": {"text_len": 24}})";
  std::ofstream(root / "transformer" / "config.json") << R"({"num_attention_heads": 2})";

  models::WanDiTConfig config;
  config.in_channels = in_channels;
  config.out_channels = in_channels;
  config.dim = 24;
  config.ffn_dim = 32;
  config.freq_dim = 256;
  config.text_dim = 32;
  config.num_heads = 2;
  config.head_dim = 12;
  config.num_layers = 1;
  config.patch = {1, 2, 2};
  models::WanDiT dit(config);
  torch::manual_seed(3);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  torch::NoGradGuard no_grad;
  for (const auto& item : dit->named_parameters()) {
    item.value().normal_(0.0, 0.2);
    tensors.emplace_back(item.key(), item.value());
  }
  io::write_safetensors(root / "transformer" / "diffusion_pytorch_model.safetensors", tensors);
}

}  // namespace

class TestPixelCodec : public QObject {
  Q_OBJECT

 private slots:
  void codec_is_the_identity_within_the_video_range() {
    pipeline::PixelCodec codec(torch::kCPU);
    auto video = torch::rand({1, 3, 5, 8, 8}) * 2 - 1;
    QCOMPARE(test::relative_error(codec.decode(codec.encode(video)), video), 0.0);
    QCOMPARE(codec.latent_frames(17), int64_t(17));
    QVERIFY_THROWS_EXCEPTION(Error, codec.decode(torch::zeros({1, 4, 1, 8, 8})));
  }

  void pixel_model_generates_every_frame_at_full_size() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    write_pixel_model(root, 3);
    auto model = pipeline::WanModel::load(root, torch::kCPU, torch::kFloat32);
    QCOMPARE(model->codec().name(), std::string("pixel"));
    QCOMPARE(model->text_encoder().text_len(), int64_t(24));  // model_index.json's "blade" text_len
    // The fitted preview of the identity codec is the identity (plus a zero bias).
    auto expected = torch::cat({torch::eye(3), torch::zeros({1, 3})});
    QVERIFY(test::relative_error(model->preview().weight(), expected) < 1e-3);

    pipeline::GenerationRequest request;
    request.prompt = "a red circle";
    request.steps = 2;
    request.guidance = 1.0;
    request.frames = 5;
    request.width = 16;
    request.height = 32;
    pipeline::Pipeline pipe(model);
    auto result = pipe.run(request);
    QCOMPARE(result.clip.frames.sizes(), (torch::IntArrayRef{5, 32, 16, 3}));
    QCOMPARE(result.final_latents.sizes(), (torch::IntArrayRef{1, 3, 5, 32, 16}));
    // Decoding is the identity: the frames are the final latents mapped to 8 bits.
    auto from_latents = video_to_uint8_frames(result.final_latents);
    QVERIFY(torch::equal(from_latents, result.clip.frames));
  }

  void codec_and_transformer_channels_must_agree() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    write_pixel_model(root, 16);
    try {
      pipeline::WanModel::load(root, torch::kCPU, torch::kFloat32);
      QFAIL("a 16-channel transformer was accepted with the pixel codec");
    } catch (const Error& e) {
      const std::string message = e.what();
      QVERIFY2(message.find("3 latent channels") != std::string::npos && message.find("16") != std::string::npos,
               e.what());
    }
  }

  void unknown_codec_is_named() {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    write_pixel_model(root, 3);
    std::ofstream(root / "model_index.json") << R"({"codec": "jpeg"})";
    try {
      pipeline::WanModel::load(root, torch::kCPU, torch::kFloat32);
      QFAIL("codec jpeg was accepted");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("jpeg") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestPixelCodec)
#include "test_pixel_codec.moc"
