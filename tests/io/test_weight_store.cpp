#include "io/weight_store.h"

#include "io_test_util.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

using blade::ErrorKind;
using blade::io::WeightStore;
using blade::io::write_safetensors;
namespace fs = std::filesystem;

namespace {

using Named = std::vector<std::pair<std::string, torch::Tensor>>;

// A small model with nested parameters, float buffers and an integer buffer (BatchNorm's counter).
struct TinyNet : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
  TinyNet() {
    fc1 = register_module("fc1", torch::nn::Linear(4, 3));
    norm = register_module("norm", torch::nn::BatchNorm1d(3));
    fc2 = register_module("fc2", torch::nn::Linear(3, 2));
  }
};

// Every parameter and buffer of `module` under its own name, filled with fresh random values.
Named random_state_of(torch::nn::Module& module) {
  Named state;
  for (const auto& item : module.named_parameters()) state.emplace_back(item.key(), torch::randn_like(item.value()));
  for (const auto& item : module.named_buffers()) {
    const auto& value = item.value();
    state.emplace_back(item.key(), value.is_floating_point() ? torch::rand_like(value) + 0.5
                                                             : torch::randint_like(value, 1, 1000));
  }
  return state;
}

void write_index(const fs::path& path, const std::map<std::string, std::string>& weight_map) {
  nlohmann::json index{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}};
  blade::test::write_bytes(path, index.dump(2));
}

}  // namespace

class TestWeightStore : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path root() const { return fs::path(dir_.path().toStdString()); }
  fs::path fresh_folder(const std::string& name) const {
    const fs::path folder = root() / name;
    fs::create_directories(folder);
    return folder;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    torch::manual_seed(99);
  }

  void single_file() {
    const fs::path path = fresh_folder("single") / "model.safetensors";
    const torch::Tensor a = torch::randn({2, 3}), b = torch::randint(0, 9, {4}, torch::kInt64);
    write_safetensors(path, {{"b", b}, {"a", a}});
    const WeightStore store = WeightStore::open(path);
    QCOMPARE(store.names(), (std::vector<std::string>{"a", "b"}));
    QVERIFY(store.contains("a") && !store.contains("c"));
    QCOMPARE(store.parameter_count(), int64_t{10});
    QCOMPARE(store.file_of("b"), path);
    QCOMPARE(store.record("a").shape, (std::vector<int64_t>{2, 3}));
    QVERIFY(torch::equal(store.load("a"), a));
    QVERIFY(torch::equal(store.load("b"), b));
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, store.load("c"), {"'c'", path.string()});
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, store.record("c"), {"'c'"});
    EXPECT_BLADE_ERROR(ErrorKind::Io, WeightStore::open(root() / "nothing_here.safetensors"), {"nothing_here"});
  }

  void sharded_index() {
    const fs::path folder = fresh_folder("sharded");
    const torch::Tensor a = torch::randn({3}), b = torch::randn({2, 2}, torch::kBFloat16), c = torch::randn({5});
    write_safetensors(folder / "model-00001-of-00002.safetensors", {{"a", a}, {"b", b}});
    write_safetensors(folder / "model-00002-of-00002.safetensors", {{"c", c}});
    write_index(folder / "model.safetensors.index.json",
                {{"a", "model-00001-of-00002.safetensors"}, {"b", "model-00001-of-00002.safetensors"},
                 {"c", "model-00002-of-00002.safetensors"}});
    for (const fs::path& path : {folder / "model.safetensors.index.json", folder}) {
      const WeightStore store = WeightStore::open(path);
      QCOMPARE(store.names(), (std::vector<std::string>{"a", "b", "c"}));
      QCOMPARE(store.file_of("c"), folder / "model-00002-of-00002.safetensors");
      QVERIFY(torch::equal(store.load("a"), a));
      QVERIFY(torch::equal(store.load("b"), b));
      QVERIFY(torch::equal(store.load("c"), c));
      QCOMPARE(store.parameter_count(), int64_t{12});
    }
  }

  void sharded_index_errors() {
    const fs::path folder = fresh_folder("sharded_bad");
    write_safetensors(folder / "shard-1.safetensors", {{"a", torch::zeros({1})}});
    const fs::path index = folder / "model.safetensors.index.json";
    write_index(index, {{"a", "shard-1.safetensors"}, {"z", "shard-2.safetensors"}});
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(index),
                       {index.string(), "shard-2.safetensors", "'z'", "does not exist"});
    write_index(index, {{"a", "shard-1.safetensors"}, {"q", "shard-1.safetensors"}});
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(folder),
                       {index.string(), "shard-1.safetensors", "'q'", "does not hold"});
    blade::test::write_bytes(index, "{\"weight_map\": [1, 2]}");
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(index), {index.string(), "weight_map"});
    blade::test::write_bytes(index, "{\"weight_map\": ");
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(index), {index.string(), "JSON"});
  }

  void folder_of_single_files() {
    const fs::path folder = fresh_folder("several");
    write_safetensors(folder / "one.safetensors", {{"x", torch::ones({2})}});
    write_safetensors(folder / "two.safetensors", {{"y", torch::zeros({3})}});
    blade::test::write_bytes(folder / "readme.txt", "not weights");
    const WeightStore store = WeightStore::open(folder);
    QCOMPARE(store.names(), (std::vector<std::string>{"x", "y"}));
    QCOMPARE(store.file_of("y"), folder / "two.safetensors");

    write_safetensors(folder / "three.safetensors", {{"x", torch::ones({2})}});
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(folder),
                       {"'x'", "one.safetensors", "three.safetensors"});

    const fs::path empty = fresh_folder("empty");
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, WeightStore::open(empty),
                       {empty.string(), "*.safetensors.index.json", "*.safetensors files"});
  }

  void load_module_fills_every_tensor() {
    TinyNet source_shape;
    const Named state = random_state_of(source_shape);
    const fs::path path = fresh_folder("module_ok") / "model.safetensors";
    Named stored;
    for (const auto& [name, tensor] : state) {
      // Floating tensors stored as float64 check the conversion to the module's float32.
      stored.emplace_back("model." + name, tensor.is_floating_point() ? tensor.to(torch::kFloat64) : tensor);
    }
    stored.emplace_back("model.unused_extra", torch::zeros({7}));
    write_safetensors(path, stored);

    TinyNet net;
    blade::io::LoadOptions options;
    options.stored_name = [](const std::string& name) { return "model." + name; };
    blade::io::load_module(net, WeightStore::open(path), options);
    std::map<std::string, torch::Tensor> loaded;
    for (const auto& item : net.named_parameters()) loaded[item.key()] = item.value();
    for (const auto& item : net.named_buffers()) loaded[item.key()] = item.value();
    QCOMPARE(loaded.size(), state.size());
    for (const auto& [name, expected] : state) {
      QVERIFY2(loaded.at(name).scalar_type() == expected.scalar_type(), name.c_str());
      QVERIFY2(torch::equal(loaded.at(name), expected), name.c_str());
    }
    QVERIFY(net.fc1->weight.requires_grad());
  }

  void load_module_lists_every_missing_tensor() {
    torch::nn::ModuleList list;
    for (int i = 0; i < 12; ++i) list->push_back(torch::nn::Linear(2, 2));
    const fs::path path = fresh_folder("module_missing") / "model.safetensors";
    write_safetensors(path, {{"0.weight", torch::zeros({2, 2})}, {"0.bias", torch::zeros({2})}});
    // 11 layers x 2 tensors are missing: 10 are named, then "and 12 more".
    std::string message;
    const std::string problem = blade::test::error_problem(
        ErrorKind::BadWeights, [&] { blade::io::load_module(*list, WeightStore::open(path)); },
        {path.string(), "22 tensor(s)", "'1.weight'", "and 12 more"}, &message);
    QVERIFY2(problem.empty(), problem.c_str());
    QVERIFY(message.find("'0.weight'") == std::string::npos);

    // Names declared optional may be absent.
    blade::io::LoadOptions options;
    for (int i = 1; i < 12; ++i) {
      options.optional.insert(std::to_string(i) + ".weight");
      options.optional.insert(std::to_string(i) + ".bias");
    }
    const torch::Tensor before = list[5]->as<torch::nn::Linear>()->weight.clone();
    blade::io::load_module(*list, WeightStore::open(path), options);
    QVERIFY(torch::equal(list[0]->as<torch::nn::Linear>()->weight, torch::zeros({2, 2})));
    QVERIFY(torch::equal(list[5]->as<torch::nn::Linear>()->weight, before));
  }

  void load_module_rejects_a_wrong_shape() {
    TinyNet net;
    Named state = random_state_of(net);
    for (auto& [name, tensor] : state) {
      if (name == "fc1.weight") tensor = torch::randn({4, 3});  // transposed: the module has [3, 4]
    }
    const fs::path path = fresh_folder("module_shape") / "model.safetensors";
    write_safetensors(path, state);
    const torch::Tensor before = net.fc2->weight.clone();
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, blade::io::load_module(net, WeightStore::open(path)),
                       {path.string(), "'fc1.weight'", "[4, 3]", "expects [3, 4]"});
    QVERIFY(torch::equal(net.fc2->weight, before));  // nothing was copied
  }

  void load_module_rejects_an_integer_tensor_for_a_float_parameter() {
    TinyNet net;
    Named state = random_state_of(net);
    for (auto& [name, tensor] : state) {
      if (name == "fc2.bias") tensor = torch::randint(0, 5, {2}, torch::kInt32);
    }
    const fs::path path = fresh_folder("module_dtype") / "model.safetensors";
    write_safetensors(path, state);
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, blade::io::load_module(net, WeightStore::open(path)),
                       {path.string(), "'fc2.bias'", "Float", "found I32"});
  }
};

QTEST_APPLESS_MAIN(TestWeightStore)
#include "test_weight_store.moc"
