#include "io/safetensors.h"

#include "io_test_util.h"
#include "test_tensors.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using blade::ErrorKind;
using blade::io::SafetensorsFile;
using blade::io::StoredDType;
using blade::io::write_safetensors;
using blade::test::safetensors_image;
using blade::test::write_bytes;
namespace fs = std::filesystem;

namespace {

// Written by Python's safetensors 0.8.0 (safetensors.torch.save):
//   c.i64 = [-1, 2**40] (I64), a.f32 = arange(6).reshape(2, 3) * 0.5 (F32),
//   b.bf16 = [1.0, -2.5, 3.140625] (BF16), f.empty = zeros(0, 4) (F16), e.u8 = [0, 255] (U8),
//   d.bool = [True, False, True] (BOOL), metadata {"format": "pt"}.
const char* const kPythonFileHex =
    "90010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c22632e693634223a"
    "7b226474797065223a22493634222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c31365d"
    "7d2c22612e663332223a7b226474797065223a22463332222c227368617065223a5b322c335d2c22646174615f6f6666"
    "73657473223a5b31362c34305d7d2c22622e62663136223a7b226474797065223a2242463136222c227368617065223a"
    "5b335d2c22646174615f6f666673657473223a5b34302c34365d7d2c22662e656d707479223a7b226474797065223a22"
    "463136222c227368617065223a5b302c345d2c22646174615f6f666673657473223a5b34362c34365d7d2c22652e7538"
    "223a7b226474797065223a225538222c227368617065223a5b325d2c22646174615f6f666673657473223a5b34362c34"
    "385d7d2c22642e626f6f6c223a7b226474797065223a22424f4f4c222c227368617065223a5b335d2c22646174615f6f"
    "666673657473223a5b34382c35315d7d7d20202020202020ffffffffffffffff0000000000010000000000000000003f"
    "0000803f0000c03f0000004000002040803f20c0494000ff010001";

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::vector<std::string> entries_of(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  return names;
}

torch::Tensor random_tensor(StoredDType dtype, std::vector<int64_t> shape) {
  switch (dtype) {
    case StoredDType::F64:
    case StoredDType::F32:
    case StoredDType::F16:
    case StoredDType::BF16: return torch::randn(shape, torch::dtype(blade::io::to_torch(dtype)));
    case StoredDType::I64: return torch::randint(-(int64_t{1} << 50), int64_t{1} << 50, shape, torch::kInt64);
    case StoredDType::I32: return torch::randint(-(int64_t{1} << 31), int64_t{1} << 31, shape, torch::kInt32);
    case StoredDType::I16: return torch::randint(-32768, 32768, shape, torch::kInt16);
    case StoredDType::I8: return torch::randint(-128, 128, shape, torch::kInt8);
    case StoredDType::U8: return torch::randint(0, 256, shape, torch::kUInt8);
    case StoredDType::BOOL: return torch::randint(0, 2, shape, torch::kInt8).to(torch::kBool);
  }
  return {};
}

const std::vector<StoredDType> kAllDTypes{StoredDType::F64, StoredDType::F32, StoredDType::F16,
                                          StoredDType::BF16, StoredDType::I64, StoredDType::I32,
                                          StoredDType::I16, StoredDType::I8, StoredDType::U8,
                                          StoredDType::BOOL};

// Sets the file size limit for this process while alive: writes beyond it fail with EFBIG.
struct FileSizeLimit {
  rlimit saved{};
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &saved);
    rlimit limited = saved;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved); }
};

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  fs::path file(const std::string& name) const { return fs::path(dir_.path().toStdString()) / name; }

  // Writes `bytes` as <name>.safetensors and expects opening it to fail with BadWeights naming
  // the file and each of `needles`.
  std::string open_problem(const std::string& name, const std::string& bytes,
                           std::initializer_list<std::string> needles) {
    const fs::path path = file(name + ".safetensors");
    write_bytes(path, bytes);
    std::string problem = blade::test::error_problem(ErrorKind::BadWeights,
                                                     [&] { SafetensorsFile::open(path); }, {path.string()});
    if (problem.empty()) {
      problem = blade::test::error_problem(ErrorKind::BadWeights,
                                           [&] { SafetensorsFile::open(path); }, needles);
    }
    return problem.empty() ? problem : name + ": " + problem;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    // BLADE_KEEP_TEST_FILES=1 keeps the written files, e.g. to read them with Python's library.
    dir_.setAutoRemove(qEnvironmentVariableIsEmpty("BLADE_KEEP_TEST_FILES"));
  }

  void round_trip_every_dtype() {
    torch::manual_seed(1234);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const StoredDType dtype : kAllDTypes) {
      const std::string tag = blade::io::to_string(dtype);
      tensors.emplace_back("plain." + tag, random_tensor(dtype, {3, 5}));
      tensors.emplace_back("transposed." + tag, random_tensor(dtype, {4, 6}).t());
      tensors.emplace_back("strided." + tag, random_tensor(dtype, {7, 10}).slice(1, 1, 10, 3));
      tensors.emplace_back("expanded." + tag, random_tensor(dtype, {3, 1}).expand({3, 4}));
      tensors.emplace_back("scalar." + tag, random_tensor(dtype, {}));
      tensors.emplace_back("empty." + tag, random_tensor(dtype, {0, 3}));
    }
    QVERIFY(!tensors[1].second.is_contiguous());
    QVERIFY(!tensors[2].second.is_contiguous());
    const fs::path path = file("all_dtypes.safetensors");
    write_safetensors(path, tensors);

    auto loaded = SafetensorsFile::open(path);
    QCOMPARE(loaded->tensors().size(), tensors.size());
    for (const auto& [name, original] : tensors) {
      const torch::Tensor back = loaded->load(name);
      QVERIFY2(back.scalar_type() == original.scalar_type(), name.c_str());
      QVERIFY2(back.sizes() == original.sizes(), name.c_str());
      QVERIFY2(back.is_contiguous(), name.c_str());
      QVERIFY2(torch::equal(back, original), name.c_str());
    }
    // A loaded tensor owns its memory: it outlives the file object and its mapping.
    const torch::Tensor kept = loaded->load("strided.BF16");
    std::weak_ptr<const SafetensorsFile> weak = loaded;
    loaded.reset();
    QVERIFY(weak.expired());
    QVERIFY(torch::equal(kept, tensors[2 + 6 * 3].second));
  }

  void layout_matches_the_python_library() {
    torch::manual_seed(7);
    const fs::path path = file("layout.safetensors");
    write_safetensors(path, {{"zeta", torch::ones({3}, torch::kBool)},
                             {"alpha", torch::randn({5}, torch::kFloat16)},
                             {"mid", torch::randn({2, 2}, torch::kFloat64)},
                             {"beta", torch::randn({3}, torch::kFloat32)}});
    const std::string bytes = blade::test::read_bytes(path);
    uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<uint8_t>(bytes[i]);
    QCOMPARE(header_size % 8, uint64_t{0});
    const std::string header = bytes.substr(8, header_size);
    // Names appear sorted in the header text; padding is spaces.
    const size_t alpha = header.find("\"alpha\""), beta = header.find("\"beta\"");
    const size_t mid = header.find("\"mid\""), zeta = header.find("\"zeta\"");
    QVERIFY(alpha < beta && beta < mid && mid < zeta && zeta != std::string::npos);
    QVERIFY(header.find_last_not_of(' ') == header.find_last_of('}'));
    // Every tensor starts aligned to its element size, and the data is contiguous.
    const auto opened = SafetensorsFile::open(path);
    uint64_t total = 0;
    for (const auto& record : opened->tensors()) {
      QCOMPARE(record.begin % blade::io::element_size(record.dtype), uint64_t{0});
      total += record.end - record.begin;
    }
    QCOMPARE(bytes.size(), 8 + header_size + total);
  }

  void metadata_round_trip() {
    const fs::path path = file("metadata.safetensors");
    const std::map<std::string, std::string> metadata{{"format", "pt"}, {"note", "ünïcödé \"quoted\""}, {"empty", ""}};
    write_safetensors(path, {{"w", torch::arange(4, torch::kFloat32)}}, metadata);
    const auto loaded = SafetensorsFile::open(path);
    QVERIFY(loaded->metadata() == metadata);
    QVERIFY(torch::equal(loaded->load("w"), torch::arange(4, torch::kFloat32)));

    write_safetensors(file("no_metadata.safetensors"), {{"w", torch::zeros({1})}});
    QVERIFY(SafetensorsFile::open(file("no_metadata.safetensors"))->metadata().empty());
  }

  void reads_a_file_written_by_python() {
    const fs::path path = file("python.safetensors");
    write_bytes(path, from_hex(kPythonFileHex));
    const auto loaded = SafetensorsFile::open(path);
    QCOMPARE(loaded->tensors().size(), size_t{6});
    QCOMPARE(loaded->metadata().at("format"), std::string("pt"));
    QVERIFY(torch::equal(loaded->load("a.f32"), torch::arange(6, torch::kFloat32).reshape({2, 3}) * 0.5));
    QVERIFY(torch::equal(loaded->load("b.bf16"), torch::tensor({1.0, -2.5, 3.140625}).to(torch::kBFloat16)));
    QVERIFY(torch::equal(loaded->load("c.i64"), torch::tensor({int64_t{-1}, int64_t{1} << 40})));
    QVERIFY(torch::equal(loaded->load("d.bool"), torch::tensor({true, false, true})));
    QVERIFY(torch::equal(loaded->load("e.u8"), torch::tensor({0, 255}).to(torch::kUInt8)));
    QVERIFY(loaded->load("f.empty").sizes() == torch::IntArrayRef({0, 4}));
    QVERIFY(loaded->load("f.empty").scalar_type() == torch::kFloat16);
    QCOMPARE(loaded->find("d.bool")->dtype, StoredDType::BOOL);
    QVERIFY(loaded->find("missing") == nullptr);
    EXPECT_BLADE_ERROR(ErrorKind::BadWeights, loaded->load("missing"), {"python.safetensors", "missing"});
  }

  void reads_the_reference_fixtures() {
    const fs::path folder = blade::test::fixture("reference");
    std::vector<fs::path> files;
    if (fs::is_directory(folder)) {
      for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
      }
    }
    if (files.empty()) QSKIP("tests/fixtures/reference/*.safetensors not generated yet");
    for (const fs::path& path : files) {
      const auto original = SafetensorsFile::open(path);
      QVERIFY(!original->tensors().empty());
      std::vector<std::pair<std::string, torch::Tensor>> tensors;
      for (const auto& record : original->tensors()) tensors.emplace_back(record.name, original->load(record.name));
      const fs::path copy = file("copy_" + path.filename().string());
      write_safetensors(copy, tensors, original->metadata());
      const auto reread = SafetensorsFile::open(copy);
      QVERIFY(reread->metadata() == original->metadata());
      for (const auto& [name, tensor] : tensors) {
        QVERIFY2(torch::equal(reread->load(name), tensor), (path.filename().string() + ": " + name).c_str());
        QCOMPARE(reread->find(name)->dtype, original->find(name)->dtype);
      }
    }
  }

  void unaligned_offsets_and_odd_bool_bytes_load() {
    // A 1-byte tensor first puts the F32 tensor at data offset 1.
    const float values[2] = {1.5f, -3.25f};
    std::string data("\x07", 1);
    data.append(reinterpret_cast<const char*>(values), sizeof values);
    data.append("\x00\x02", 2);
    const fs::path path = file("unaligned.safetensors");
    write_bytes(path, safetensors_image(R"({"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                                        R"("f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},)"
                                        R"("flags":{"dtype":"BOOL","shape":[2],"data_offsets":[9,11]}})",
                                        data));
    const auto loaded = SafetensorsFile::open(path);
    QVERIFY(torch::equal(loaded->load("f"), torch::tensor({1.5f, -3.25f})));
    QCOMPARE(loaded->load("b").item<uint8_t>(), uint8_t{7});
    QVERIFY(torch::equal(loaded->load("flags"), torch::tensor({false, true})));
  }

  void malformed_files_are_rejected() {
    const std::string good_header = R"({"blocks.0.x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
    const std::string data(16, '\x01');
    auto check = [&](const std::string& name, const std::string& bytes, std::initializer_list<std::string> needles) {
      return open_problem(name, bytes, needles);
    };
#define EXPECT_REJECTED(name, bytes, ...)                             \
    do {                                                              \
      const std::string problem_ = check(name, bytes, __VA_ARGS__);   \
      if (!problem_.empty()) QFAIL(problem_.c_str());                 \
    } while (0)

    const std::string good = safetensors_image(good_header, data);
    write_bytes(file("good.safetensors"), good);
    QCOMPARE(SafetensorsFile::open(file("good.safetensors"))->tensors().size(), size_t{1});

    // Truncated at several points: in the length, right after it, inside the header, in the data.
    EXPECT_REJECTED("truncated_0", good.substr(0, 0), {"8-byte"});
    EXPECT_REJECTED("truncated_5", good.substr(0, 5), {"5 bytes"});
    EXPECT_REJECTED("truncated_8", good.substr(0, 8), {"truncated"});
    EXPECT_REJECTED("truncated_header", good.substr(0, 8 + good_header.size() / 2), {"truncated"});
    EXPECT_REJECTED("truncated_data", good.substr(0, good.size() - 3), {"blocks.0.x", "[0, 16)", "13 bytes"});
    EXPECT_REJECTED("truncated_last_byte", good.substr(0, good.size() - 1), {"blocks.0.x", "15 bytes"});

    EXPECT_REJECTED("length_zero", safetensors_image("", data), {"header length is 0"});
    std::string huge = good;
    huge[7] = '\x7f';
    EXPECT_REJECTED("length_huge", huge, {"header length"});
    std::string over_100mb = good;
    over_100mb[3] = '\x10';  // 268 MB: within a 64-bit file but over the header limit
    EXPECT_REJECTED("length_over_limit", over_100mb, {"limit"});

    EXPECT_REJECTED("broken_json", safetensors_image(R"({"blocks.0.x":{"dtype":"F32",)", data), {"not valid JSON"});
    EXPECT_REJECTED("not_object", safetensors_image("[1, 2]", data), {"must be a JSON object"});
    EXPECT_REJECTED("entry_not_object", safetensors_image(R"({"blocks.0.x":[1]})", data), {"blocks.0.x"});
    EXPECT_REJECTED("bad_dtype",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F8","shape":[2,2],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "\"F8\"", "expected one of"});
    EXPECT_REJECTED("no_dtype",
                    safetensors_image(R"({"blocks.0.x":{"shape":[2,2],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "dtype"});
    EXPECT_REJECTED("negative_shape",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "non-negative"});
    EXPECT_REJECTED("fractional_shape",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2.5,2],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "non-negative integers"});
    EXPECT_REJECTED("overflowing_shape",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "overflows"});
    EXPECT_REJECTED("size_mismatch",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", data),
                    {"blocks.0.x", "needs 24 bytes", "hold 16"});
    EXPECT_REJECTED("range_outside",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2,2],"data_offsets":[100,116]}})", data),
                    {"blocks.0.x", "[100, 116)", "only 16 bytes"});
    EXPECT_REJECTED("begin_after_end",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", data),
                    {"blocks.0.x", "[8, 4]"});
    EXPECT_REJECTED("offsets_missing",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2,2]}})", data),
                    {"blocks.0.x", "data_offsets"});
    EXPECT_REJECTED("overlap",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                      R"("blocks.0.y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", data),
                    {"blocks.0.x", "blocks.0.y", "overlap"});
    EXPECT_REJECTED("duplicate",
                    safetensors_image(R"({"blocks.0.x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                      R"("blocks.0.x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data),
                    {"blocks.0.x", "twice"});
    EXPECT_REJECTED("metadata_not_strings",
                    safetensors_image(R"({"__metadata__":{"format":1},"blocks.0.x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", data),
                    {"__metadata__", "format"});
    EXPECT_REJECTED("deep_json", safetensors_image(std::string(5000, '[') + std::string(5000, ']'), data), {"nests deeper"});
#undef EXPECT_REJECTED

    // Zero-size tensors may share an offset with others.
    write_bytes(file("zero_size.safetensors"),
                safetensors_image(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                                  R"("b":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", data));
    QCOMPARE(SafetensorsFile::open(file("zero_size.safetensors"))->tensors().size(), size_t{2});

    EXPECT_BLADE_ERROR(ErrorKind::BadWeights,
                       blade::io::parse_safetensors_header("{\"x\":{}}", 8, 0, "direct.safetensors"),
                       {"direct.safetensors", "'x'"});
    EXPECT_BLADE_ERROR(ErrorKind::Io, SafetensorsFile::open(file("does_not_exist.safetensors")),
                       {"does_not_exist.safetensors"});
  }

  void writing_into_a_missing_folder_fails_cleanly() {
    const fs::path path = file("no/such/folder/out.safetensors");
    EXPECT_BLADE_ERROR(ErrorKind::Io, write_safetensors(path, {{"w", torch::zeros({2})}}),
                       {path.string(), "No such file or directory"});
    QVERIFY(!fs::exists(file("no")));
  }

  void writing_into_a_read_only_folder_fails_cleanly() {
    if (geteuid() == 0) QSKIP("running as root: permissions do not stop writes");
    const fs::path folder = file("read_only");
    fs::create_directory(folder);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    const fs::path path = folder / "out.safetensors";
    const std::string problem = blade::test::error_problem(
        ErrorKind::Io, [&] { write_safetensors(path, {{"w", torch::zeros({2})}}); }, {path.string(), "Permission denied"});
    fs::permissions(folder, fs::perms::owner_all);
    QVERIFY2(problem.empty(), problem.c_str());
    QVERIFY(entries_of(folder).empty());
  }

  void a_failed_write_leaves_the_old_file_and_no_temporary() {
    const fs::path folder = file("full_disk");
    fs::create_directory(folder);
    const fs::path path = folder / "model.safetensors";
    write_safetensors(path, {{"old", torch::arange(3, torch::kFloat32)}});
    const std::string before = blade::test::read_bytes(path);
    {
      FileSizeLimit limit(64 * 1024);  // like a disk that fills up after 64 KiB
      EXPECT_BLADE_ERROR(ErrorKind::Io, write_safetensors(path, {{"big", torch::zeros({1 << 20})}}),
                         {path.string(), "File too large"});
    }
    QCOMPARE(blade::test::read_bytes(path), before);
    QCOMPARE(entries_of(folder), std::vector<std::string>{"model.safetensors"});
  }

  void writer_rejects_bad_requests() {
    const fs::path path = file("bad_request.safetensors");
    EXPECT_BLADE_ERROR(ErrorKind::InvalidArgument,
                       write_safetensors(path, {{"w", torch::zeros({2})}, {"w", torch::zeros({2})}}), {"'w'", "twice"});
    EXPECT_BLADE_ERROR(ErrorKind::InvalidArgument,
                       write_safetensors(path, {{"c", torch::zeros({2}, torch::kComplexFloat)}}), {"'c'"});
    QVERIFY(!fs::exists(path));
  }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
