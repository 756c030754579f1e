// Name map, layout detection and config inference against the released Wan2.1 T2V 1.3B tensor list.

#include "core/error.h"
#include "models/dit/wan_dit.h"

#include "expect_error.h"
#include "io/weight_store.h"

#include <QtTest>

#include <fstream>
#include <numeric>
#include <regex>

using namespace blade::models;

namespace {

struct KeyLine {
  std::string original;
  std::vector<int64_t> shape;
  std::string diffusers;
};

std::vector<KeyLine> read_key_list(int64_t& declared_count) {
  std::ifstream file(BLADE_DIT_KEY_LIST);
  if (!file) throw std::runtime_error("cannot open " BLADE_DIT_KEY_LIST);
  const std::regex line_pattern(R"(^(\S+) \(([0-9, ]*)\) -> (\S+)$)");
  std::vector<KeyLine> lines;
  std::string line;
  declared_count = -1;
  while (std::getline(file, line)) {
    if (line.starts_with("# n ")) {
      declared_count = std::stoll(line.substr(4));
      continue;
    }
    std::smatch match;
    if (!std::regex_match(line, match, line_pattern)) throw std::runtime_error("unparsed key line: " + line);
    KeyLine key{match[1], {}, match[3]};
    std::stringstream dims(match[2].str());
    std::string dim;
    while (std::getline(dims, dim, ',')) {
      if (dim.find_first_not_of(' ') != std::string::npos) key.shape.push_back(std::stoll(dim));
    }
    lines.push_back(key);
  }
  return lines;
}

TensorShapes shapes_of(const std::vector<KeyLine>& keys, bool original) {
  TensorShapes shapes;
  for (const auto& key : keys) shapes[original ? key.original : key.diffusers] = key.shape;
  return shapes;
}

}  // namespace

class TestWanDiTNames : public QObject {
  Q_OBJECT
 private:
  std::vector<KeyLine> keys_;

 private slots:
  void initTestCase() {
    int64_t declared = 0;
    keys_ = read_key_list(declared);
    QCOMPARE(int64_t(keys_.size()), declared);
    QCOMPARE(keys_.size(), size_t(825));
  }

  void every_released_name_maps_both_ways() {
    std::set<std::string> diffusers_names;
    for (const auto& key : keys_) {
      QCOMPARE(original_to_diffusers_dit_name(key.original), key.diffusers);
      QCOMPARE(diffusers_to_original_dit_name(key.diffusers), key.original);
      diffusers_names.insert(key.diffusers);
    }
    QCOMPARE(diffusers_names.size(), keys_.size());  // the map is one-to-one
  }

  void module_parameters_are_the_diffusers_tensors() {
    // The 1.3B module built on the meta device (no memory): its parameter names and shapes must be
    // exactly the released file's, so both layouts load without leftovers.
    const auto config = WanDiTConfig::infer_from_shapes(shapes_of(keys_, true), "1.3B key list");
    WanDiT dit(config, WanDiTPlacement{.device = torch::kMeta, .compute_dtype = torch::kBFloat16, .zero_fill = false});
    const auto expected = shapes_of(keys_, false);
    TensorShapes found;
    int64_t count = 0;
    for (const auto& item : dit->named_parameters()) {
      found[item.key()] = item.value().sizes().vec();
      count += item.value().numel();
    }
    QCOMPARE(found.size(), expected.size());
    for (const auto& [name, shape] : expected) {
      QVERIFY2(found.count(name), qPrintable(QString::fromStdString("module lacks " + name)));
      QVERIFY2(found[name] == shape, qPrintable(QString::fromStdString("shape differs for " + name)));
    }
    int64_t expected_count = 0;
    for (const auto& key : keys_) {
      expected_count += std::accumulate(key.shape.begin(), key.shape.end(), int64_t(1), std::multiplies<>());
    }
    QCOMPARE(count, expected_count);
    QVERIFY(std::abs(double(count) / 1.419e9 - 1.0) < 1e-3);  // "1.419 B parameters" (wan21.md)
    // Dtype policy: attention weights in the compute dtype, modulation and head in fp32.
    const auto params = dit->named_parameters();
    QCOMPARE(params["blocks.0.attn1.to_q.weight"].scalar_type(), torch::kBFloat16);
    QCOMPARE(params["blocks.0.attn1.norm_q.weight"].scalar_type(), torch::kFloat32);
    QCOMPARE(params["blocks.0.scale_shift_table"].scalar_type(), torch::kFloat32);
    QCOMPARE(params["proj_out.weight"].scalar_type(), torch::kFloat32);
    QCOMPARE(params["condition_embedder.time_proj.weight"].scalar_type(), torch::kFloat32);
    QCOMPARE(params["patch_embedding.weight"].scalar_type(), torch::kBFloat16);
  }

  void config_is_inferred_from_either_layout() {
    for (bool original : {true, false}) {
      const auto shapes = shapes_of(keys_, original);
      std::vector<std::string> names;
      for (const auto& entry : shapes) names.push_back(entry.first);
      QCOMPARE(detect_dit_layout(names, "list"), original ? WanNameLayout::Original : WanNameLayout::Diffusers);
      const auto c = WanDiTConfig::infer_from_shapes(shapes, "1.3B key list");
      QCOMPARE(c.dim, int64_t(1536));
      QCOMPARE(c.ffn_dim, int64_t(8960));
      QCOMPARE(c.num_layers, int64_t(30));
      QCOMPARE(c.num_heads, int64_t(12));
      QCOMPARE(c.head_dim, int64_t(128));
      QCOMPARE(c.text_dim, int64_t(4096));
      QCOMPARE(c.freq_dim, int64_t(256));
      QCOMPARE(c.in_channels, int64_t(16));
      QCOMPARE(c.out_channels, int64_t(16));
      QVERIFY((c.patch == std::array<int64_t, 3>{1, 2, 2}));
      QVERIFY(c.describe().find("30 layers") != std::string::npos);
    }
  }

  void inference_errors_name_the_tensor() {
    auto shapes = shapes_of(keys_, true);
    shapes.erase("blocks.29.modulation");
    blade::test::expect_error(blade::ErrorKind::BadWeights, {"cut.safetensors", "blocks.29.modulation"},
                              [&] { WanDiTConfig::infer_from_shapes(shapes, "cut.safetensors"); });

    shapes = shapes_of(keys_, false);
    shapes["condition_embedder.time_proj.weight"] = {9216, 1535};
    blade::test::expect_error(blade::ErrorKind::BadWeights,
                              {"condition_embedder.time_proj.weight", "[9216, 1535]", "[9216, 1536]"},
                              [&] { WanDiTConfig::infer_from_shapes(shapes, "odd.safetensors"); });

    // A tiny model (dim 24) whose head count is in no shape and not 128-wide: config.json is needed.
    shapes.clear();
    const auto tiny = blade::io::WeightStore::open(BLADE_FIXTURES_DIR "/wan-tiny/transformer");
    for (const auto& name : tiny.names()) shapes.emplace(name, tiny.record(name).shape);
    blade::test::expect_error(blade::ErrorKind::BadWeights, {"config.json"},
                              [&] { WanDiTConfig::infer_from_shapes(shapes, "tiny.safetensors"); });
    QCOMPARE(WanDiTConfig::infer_from_shapes(shapes, "tiny", 2).head_dim, int64_t(12));

    blade::test::expect_error(blade::ErrorKind::BadWeights, {"vae.safetensors", "encoder.conv1.weight"}, [&] {
      detect_dit_layout(std::vector<std::string>{"encoder.conv1.weight"}, "vae.safetensors");
    });
  }

  void unknown_names_pass_through() {
    QCOMPARE(original_to_diffusers_dit_name("img_emb.proj.0.weight"), std::string("img_emb.proj.0.weight"));
    QCOMPARE(diffusers_to_original_dit_name("blocks.x.attn1.to_q.weight"), std::string("blocks.x.attn1.to_q.weight"));
  }
};

QTEST_APPLESS_MAIN(TestWanDiTNames)
#include "test_wan_dit_names.moc"
