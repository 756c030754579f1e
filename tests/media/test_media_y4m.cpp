// YUV4MPEG2 files: every byte against a float64 BT.601 reference, the settings sidecar, and FFmpeg
// (through BLADE Studio's reader) reading the file as the colours that were written.

#include "media/clip_metadata.h"
#include "media/video_file.h"
#include "media_test_support.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

using blade::ErrorKind;
using namespace blade::test;
namespace fs = std::filesystem;

namespace {

// The expected file: header, then per frame "FRAME\n" and the Y, Cb and Cr planes of BT.601
// limited range, computed in float64 from the textbook definition (Kr = 0.299, Kb = 0.114).
// `tie` marks bytes whose exact value lies halfway between two codes: there either rounding is right.
struct ReferenceY4m {
  std::string bytes;
  std::vector<bool> tie;

  void add(const std::string& text) {
    bytes += text;
    tie.resize(bytes.size(), false);
  }
  void add_code(double value) {
    bytes.push_back(static_cast<char>(std::clamp(std::lround(value), 0L, 255L)));
    tie.push_back(std::abs(value - std::floor(value) - 0.5) < 1e-9);
  }
};

ReferenceY4m reference_y4m(const torch::Tensor& frames, const std::string& rate) {
  constexpr double kr = 0.299, kb = 0.114, kg = 1.0 - kr - kb;
  const int64_t count = frames.size(0), height = frames.size(1), width = frames.size(2), pixels = height * width;
  ReferenceY4m y4m;
  y4m.add(fmt::format("YUV4MPEG2 W{} H{} F{} Ip A1:1 C444 XCOLORRANGE=LIMITED\n", width, height, rate));
  const auto rgb = (frames.to(torch::kFloat64) / 255.0).contiguous();
  const double* p = rgb.data_ptr<double>();
  for (int64_t f = 0; f < count; ++f) {
    y4m.add("FRAME\n");
    const double* frame = p + 3 * f * pixels;
    auto luma = [&](int64_t i) { return kr * frame[3 * i] + kg * frame[3 * i + 1] + kb * frame[3 * i + 2]; };
    for (int64_t i = 0; i < pixels; ++i) y4m.add_code(16.0 + 219.0 * luma(i));
    for (int64_t i = 0; i < pixels; ++i) y4m.add_code(128.0 + 224.0 * (frame[3 * i + 2] - luma(i)) / (2 * (1 - kb)));
    for (int64_t i = 0; i < pixels; ++i) y4m.add_code(128.0 + 224.0 * (frame[3 * i] - luma(i)) / (2 * (1 - kr)));
  }
  return y4m;
}

// Where the written bytes first differ from the reference, for a readable failure ("" if nowhere).
std::string first_difference(const std::string& actual, const ReferenceY4m& expected) {
  if (actual.size() != expected.bytes.size()) {
    return fmt::format("size {} != {}", actual.size(), expected.bytes.size());
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    const int got = static_cast<uint8_t>(actual[i]), want = static_cast<uint8_t>(expected.bytes[i]);
    if (got != want && !(expected.tie[i] && std::abs(got - want) == 1)) {
      return fmt::format("byte {}: {} != {}", i, got, want);
    }
  }
  return "";
}

}  // namespace

class TestMediaY4m : public QObject {
  Q_OBJECT
 private slots:
  void bytes_match_the_bt601_reference() {
    QTemporaryDir dir;
    struct Case {
      int frames, height, width;
      double fps;
      std::string rate;
    };
    const Case cases[] = {{3, 17, 33, 24000.0 / 1001.0, "24000:1001"}, {2, 16, 16, 16.0, "16:1"},
                          {1, 1, 1, 29.97, "2997:100"}};
    for (const auto& c : cases) {
      const fs::path path = fs::path(dir.path().toStdString()) / "noise.y4m";
      const auto frames = torch::randint(0, 256, {c.frames, c.height, c.width, 3}, torch::kUInt8);
      blade::media::write_y4m(path, make_clip(frames, c.fps));
      const std::string difference = first_difference(read_bytes(path), reference_y4m(frames, c.rate));
      QVERIFY2(difference.empty(), difference.c_str());
    }
    // The corners of the colour cube land on the textbook code values.
    const auto corners = torch::tensor({0, 0, 0, 255, 255, 255, 255, 0, 0}, torch::kUInt8).view({1, 1, 3, 3});
    const fs::path path = fs::path(dir.path().toStdString()) / "corners.y4m";
    blade::media::write_y4m(path, make_clip(corners, 16.0));
    const std::string bytes = read_bytes(path);
    const std::string planes = bytes.substr(bytes.size() - 9);
    const std::vector<int> expected = {16, 235, 81, 128, 128, 90, 128, 128, 240};
    for (size_t i = 0; i < expected.size(); ++i) QCOMPARE(int(static_cast<uint8_t>(planes[i])), expected[i]);
  }

  void ffmpeg_reads_back_the_written_colours() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "moving.y4m";
    const auto original = moving_frames(7, 40, 56);
    blade::media::write_y4m(path, make_clip(original, 24000.0 / 1001.0));
    const blade::Clip decoded = blade::media::read_mp4(path);
    QCOMPARE(decoded.frame_count(), int64_t(7));
    QCOMPARE(decoded.height(), int64_t(40));
    QCOMPARE(decoded.width(), int64_t(56));
    QVERIFY2(std::abs(decoded.fps - 24000.0 / 1001.0) < 1e-9, qPrintable(QString::number(decoded.fps, 'g', 17)));
    const double error = mean_abs_error(decoded.frames, original);
    const double largest = (decoded.frames.to(torch::kInt32) - original.to(torch::kInt32)).abs().max().item<int>();
    qInfo("Y4M read by FFmpeg: mean abs error %.3f, largest %.0f, PSNR %.2f dB", error, largest,
          psnr(decoded.frames, original));
    QVERIFY2(error < 0.75, qPrintable(QString::number(error)));
    QVERIFY2(largest <= 3, qPrintable(QString::number(largest)));
  }

  // The FFmpeg-free reader: the written colours within quantisation, like FFmpeg's reading of the
  // same file; the sidecar's settings; 4:2:0 files from other tools; broken files named.
  void the_own_reader_reads_back_the_written_colours() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "moving.y4m";
    const auto original = moving_frames(7, 40, 56);
    const std::map<std::string, std::string> metadata = {{blade::media::metadata_keys::kPrompt, "a red circle"}};
    blade::media::write_y4m(path, make_clip(original, 24000.0 / 1001.0, metadata));
    const blade::Clip own = blade::media::read_y4m(path);
    QCOMPARE(own.frames.sizes().vec(), original.sizes().vec());
    QVERIFY(std::abs(own.fps - 24000.0 / 1001.0) < 1e-9);
    QVERIFY((own.metadata == metadata));
    const auto as_int = [](const torch::Tensor& t) { return t.to(torch::kInt32); };
    const int largest = (as_int(own.frames) - as_int(original)).abs().max().item<int>();
    const int from_ffmpeg = (as_int(own.frames) - as_int(blade::media::read_mp4(path).frames)).abs().max().item<int>();
    qInfo("own Y4M reader: mean abs error %.3f, largest %d; largest difference from FFmpeg's reading %d",
          mean_abs_error(own.frames, original), largest, from_ffmpeg);
    QVERIFY(largest <= 3);
    QVERIFY(from_ffmpeg <= 3);

    // 4:2:0 at an odd size (5x3: chroma 3x2): the top-left chroma sample is red (Y 81, Cb 90,
    // Cr 240 in BT.601 limited range), the others neutral, so the red pixels show the chroma index.
    // The second frame header carries parameters, as the format allows.
    const fs::path other = fs::path(dir.path().toStdString()) / "other.y4m";
    {
      std::ofstream out(other, std::ios::binary);
      out << "YUV4MPEG2 W5 H3 F25:1 Ip C420jpeg\n";
      for (int f = 0; f < 2; ++f) {
        out << (f == 0 ? "FRAME\n" : "FRAME Ip XNOTE=a-frame-header-with-parameters\n")
            << std::string(15, static_cast<char>(81)) << static_cast<char>(90)
            << std::string(5, static_cast<char>(128)) << static_cast<char>(240) << std::string(5, static_cast<char>(128));
      }
    }
    const blade::Clip red = blade::media::read_y4m(other);
    QCOMPARE(red.frames.sizes().vec(), (std::vector<int64_t>{2, 3, 5, 3}));
    QVERIFY(red.metadata.empty());
    auto expected = torch::full({2, 3, 5, 3}, 76, torch::kInt32);  // Y 81 without chroma: grey 75.7
    expected.slice(1, 0, 2).slice(2, 0, 2).copy_(torch::tensor({255, 0, 0}, torch::kInt32).expand({2, 2, 2, 3}));
    QVERIFY((as_int(red.frames) - expected).abs().max().item<int>() <= 1);

    for (const auto& [name, header] : std::vector<std::pair<std::string, std::string>>{
             {"deep.y4m", "YUV4MPEG2 W4 H4 F25:1 C420p10\n"}, {"full.y4m", "YUV4MPEG2 W4 H4 F25:1 C444 XCOLORRANGE=FULL\n"}}) {
      const fs::path unsupported = fs::path(dir.path().toStdString()) / name;
      std::ofstream(unsupported, std::ios::binary) << header << "FRAME\n" << std::string(96, '\x80');
      const Caught error = caught([&] { blade::media::read_y4m(unsupported); });
      QVERIFY(error.thrown);
      QCOMPARE(error.kind, ErrorKind::Unsupported);
    }

    const std::string whole = read_bytes(path);
    for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"cut.y4m", whole.substr(0, whole.size() - 10)}, {"text.y4m", "hello\n"}, {"empty.y4m", ""},
             {"huge.y4m", "YUV4MPEG2 W30000 H30000 F25:1 C444\nFRAME\n"}}) {
      const fs::path broken = fs::path(dir.path().toStdString()) / name;
      std::ofstream(broken, std::ios::binary) << bytes;
      const Caught error = caught([&] { blade::media::read_y4m(broken); });
      QVERIFY(error.thrown);
      QCOMPARE(error.kind, ErrorKind::Io);
      QVERIFY2(error.message.find(broken.string()) != std::string::npos, error.message.c_str());
    }
  }

  void settings_go_to_the_json_sidecar_exactly() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "settings.y4m";
    const std::map<std::string, std::string> metadata = {
        {blade::media::metadata_keys::kPrompt, "\u6771\u4eac \U0001F3AC \"quoted\" \\ line\nbreak"},
        {blade::media::metadata_keys::kNegativePrompt, ""},
        {blade::media::metadata_keys::kSeed, "42"},
        {blade::media::metadata_keys::kRequest, "{\"prompt\":\"x \\\"y\\\"\",\"seed\":42}"}};
    blade::media::write_y4m(path, make_clip(moving_frames(2, 16, 16), 16.0, metadata));
    const auto sidecar = nlohmann::json::parse(read_bytes(path.string() + ".json"));
    QVERIFY((sidecar.get<std::map<std::string, std::string>>() == metadata));
    QCOMPARE(names_in(dir.path().toStdString()), (std::vector<std::string>{"settings.y4m", "settings.y4m.json"}));
  }

  void odd_sizes_are_fine_but_bad_clips_are_refused() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "clip.y4m";
    blade::media::write_clip(path, make_clip(moving_frames(2, 15, 21), 16.0));
    QVERIFY(read_bytes(path).rfind("YUV4MPEG2 W21 H15 F16:1 ", 0) == 0);

    const Caught not_utf8 = caught([&] {
      blade::media::write_y4m(path, make_clip(moving_frames(1, 16, 16), 16.0, {{"blade.prompt", "\xff\xfe"}}));
    });
    QVERIFY(not_utf8.thrown);
    QCOMPARE(not_utf8.kind, ErrorKind::InvalidArgument);
    QVERIFY2(contains(not_utf8.message, path.string()) && contains(not_utf8.message, "UTF-8"),
             not_utf8.message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestMediaY4m)
#include "test_media_y4m.moc"
