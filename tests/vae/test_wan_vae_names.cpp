// The VAE name map and config inference, on the released Wan2.1 VAE's names and shapes (a copy of
// shared/reference/wan21_vae_keys.txt) and on the tiny fixture's original/diffusers name pairs.

#include "io/weight_store.h"
#include "models/vae/wan_vae.h"
#include "test_tensors.h"

#include <QtTest>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace blade::models;

namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

// "encoder.conv1.weight (96, 3, 3, 3, 3)" lines; '#' lines are comments.
Shapes read_released_keys() {
  std::ifstream in(std::string(BLADE_VAE_TEST_DIR) + "/wan21_vae_keys.txt");
  Shapes shapes;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    std::vector<int64_t> shape;
    std::string dims = line.substr(space + 1);
    for (char& c : dims) {
      if (c == '(' || c == ')' || c == ',') c = ' ';
    }
    std::istringstream dims_in(dims);
    for (int64_t d = 0; dims_in >> d;) shape.push_back(d);
    shapes[line.substr(0, space)] = shape;
  }
  return shapes;
}

}  // namespace

class TestWanVaeNames : public QObject {
  Q_OBJECT
 private slots:
  void released_names_map_both_ways_and_match_the_module() {
    const Shapes original = read_released_keys();
    QCOMPARE(original.size(), size_t{194});
    Shapes diffusers;
    for (const auto& [name, shape] : original) {
      const std::string mapped = original_to_diffusers_vae_name(name);
      QVERIFY2(mapped != name, name.c_str());
      QCOMPARE(diffusers_to_original_vae_name(mapped), name);
      QVERIFY2(diffusers.emplace(mapped, shape).second, mapped.c_str());
    }
    QCOMPARE(original_to_diffusers_vae_name("decoder.upsamples.4.shortcut.weight"),
             std::string("decoder.up_blocks.1.resnets.0.conv_shortcut.weight"));
    QCOMPARE(original_to_diffusers_vae_name("decoder.upsamples.7.time_conv.bias"),
             std::string("decoder.up_blocks.1.upsamplers.0.time_conv.bias"));
    QCOMPARE(original_to_diffusers_vae_name("encoder.middle.1.to_qkv.weight"),
             std::string("encoder.mid_block.attentions.0.to_qkv.weight"));

    const auto config = WanVAEConfig::infer_from_shapes(diffusers, "wan21_vae_keys.txt");
    QCOMPARE(config.base_dim, int64_t{96});
    QCOMPARE(config.z_dim, int64_t{16});
    QCOMPARE(config.num_res_blocks, int64_t{2});
    QCOMPARE(config.dim_mult, (std::vector<int64_t>{1, 2, 4, 4}));
    QCOMPARE(config.temporal_downsample, (std::vector<bool>{false, true, true}));
    QCOMPARE(config.time_factor(), int64_t{4});
    QCOMPARE(config.spatial_factor(), int64_t{8});
    QCOMPARE(config.latents_std.size(), size_t{16});

    // The module built from that config has exactly these parameters, with these shapes.
    WanVAE vae(config);
    int64_t count = 0;
    std::set<std::string> seen;
    for (const auto& item : vae->named_parameters()) {
      const auto it = diffusers.find(item.key());
      QVERIFY2(it != diffusers.end(), item.key().c_str());
      QVERIFY2(item.value().sizes() == c10::IntArrayRef(it->second), item.key().c_str());
      seen.insert(item.key());
      count += item.value().numel();
    }
    QCOMPARE(seen.size(), diffusers.size());
    QCOMPARE(count, int64_t{126892531});
  }

  void tiny_fixture_name_pairs_map_with_one_res_block() {
    std::ifstream in(blade::test::fixture("wan-tiny-original/names.txt"));
    QVERIFY(in.good());
    std::string line;
    bool in_vae = false;
    int pairs = 0;
    while (std::getline(in, line)) {
      if (line.starts_with("#")) {
        in_vae = line.find("VAE") != std::string::npos;
        continue;
      }
      if (!in_vae || line.empty()) continue;
      std::istringstream words(line);
      std::string original, diffusers;
      words >> original >> diffusers;
      QCOMPARE(original_to_diffusers_vae_name(original, 1), diffusers);
      QCOMPARE(diffusers_to_original_vae_name(diffusers, 1), original);
      ++pairs;
    }
    QCOMPARE(pairs, 146);
  }

  void tiny_config_is_inferred_from_both_namings() {
    for (const char* path : {"wan-tiny/vae", "wan-tiny-original/Wan2.1_VAE.safetensors"}) {
      const auto store = blade::io::WeightStore::open(blade::test::fixture(path));
      const auto config = WanVAEConfig::infer(store);
      QCOMPARE(config.base_dim, int64_t{3});
      QCOMPARE(config.z_dim, int64_t{16});
      QCOMPARE(config.num_res_blocks, int64_t{1});
      QCOMPARE(config.dim_mult, (std::vector<int64_t>{1, 1, 1, 1}));
      QCOMPARE(config.temporal_downsample, (std::vector<bool>{false, true, true}));
      QCOMPARE(config.latents_mean.size(), size_t{16});
      QCOMPARE(config.latents_mean[7], 1.5508);
      QCOMPARE(config.latents_std[15], 1.916);
      QVERIFY(config.describe().find("base_dim 3") != std::string::npos);
    }
  }

  void unknown_weights_are_rejected_with_their_path() {
    const auto store = blade::io::WeightStore::open(blade::test::fixture("wan-tiny/transformer"));
    try {
      WanVAEConfig::infer(store);
      QFAIL("the DiT weights were accepted as a VAE");
    } catch (const blade::Error& e) {
      QCOMPARE(e.kind(), blade::ErrorKind::BadWeights);
      QVERIFY(std::string(e.what()).find("transformer") != std::string::npos);
    }
  }
};

QTEST_APPLESS_MAIN(TestWanVaeNames)
#include "test_wan_vae_names.moc"
