#include "pipeline/generation_request.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace blade;

class TestGenerationRequest : public QObject {
  Q_OBJECT
 private slots:
  void each_bad_field_is_named() {
    struct Case {
      const char* field;
      std::function<void(pipeline::GenerationRequest&)> spoil;
    };
    const std::vector<Case> cases = {
        {"steps", [](auto& r) { r.steps = 0; }},
        {"frames", [](auto& r) { r.frames = 80; }},
        {"size", [](auto& r) { r.width = 100; }},
        {"size", [](auto& r) { r.height = 8; }},
        {"guidance", [](auto& r) { r.guidance = -1; }},
        {"shift", [](auto& r) { r.shift = 0; }},
        {"eta", [](auto& r) { r.eta = 1.5; }},
        {"attention", [](auto& r) { r.attention.backend = "magic"; }},
        {"dtype", [](auto& r) { r.dtype = "f8"; }},
        {"LoRA scale", [](auto& r) { r.lora.scale = std::nan(""); }},
    };
    for (const auto& c : cases) {
      pipeline::GenerationRequest request;
      request.validate();
      c.spoil(request);
      try {
        request.validate();
        QFAIL(qPrintable(QString("a bad %1 was accepted").arg(c.field)));
      } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::InvalidArgument);
        QVERIFY2(std::string(e.what()).find(c.field) != std::string::npos, e.what());
      }
    }
  }

  void json_round_trip_keeps_every_field() {
    pipeline::GenerationRequest r;
    r.prompt = "a \"quoted\" prompt\nwith ünïcode";
    r.negative_prompt = "blurry";
    r.seed = 18446744073709551615ull;
    r.steps = 8;
    r.guidance = 1.0;
    r.shift = 3.5;
    r.sampler = sampling::SamplerKind::Tdm;
    r.eta = 0.25;
    r.schedule = sampling::ScheduleKind::Wan;
    r.frames = 17;
    r.width = 64;
    r.height = 48;
    r.device = "cuda";
    r.dtype = "bf16";
    r.lora = {"/models/blade/pytorch_lora_weights.safetensors", 0.8};
    auto back = pipeline::request_from_json(nlohmann::json::parse(pipeline::to_json(r).dump()));
    QCOMPARE(pipeline::to_json(back).dump(), pipeline::to_json(r).dump());
    QCOMPARE(back.seed, r.seed);
    QCOMPARE(back.prompt, r.prompt);
    QCOMPARE(back.lora.file, r.lora.file);
    QCOMPARE(back.lora.scale, 0.8);
    QCOMPARE(back.sampler, sampling::SamplerKind::Tdm);
    QCOMPARE(back.eta, 0.25);
  }

  void malformed_json_is_an_invalid_argument() {
    QVERIFY_THROWS_EXCEPTION(Error, pipeline::request_from_json(nlohmann::json{{"steps", "many"}}));
  }
};

QTEST_APPLESS_MAIN(TestGenerationRequest)
#include "test_generation_request.moc"
