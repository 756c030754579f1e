// MP4 files as BLADE Studio writes them, decoded back with its own reader: frames, fps, size,
// colours and the stored generation settings.

#include "core/log.h"
#include "media/clip_metadata.h"
#include "media/video_file.h"
#include "media_test_support.h"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <QtTest>

#include <sstream>

using blade::ErrorKind;
using namespace blade::test;
namespace fs = std::filesystem;
namespace keys = blade::media::metadata_keys;

namespace {

// A prompt with text that breaks naive storage: several scripts, emoji, quotes, backslashes,
// separators and line breaks.
std::string tricky_prompt() {
  return "A caf\u00e9 in K\u00f8benhavn at dusk, \u6771\u4eac\u306e\u591c, \u041c\u043e\u0441\u043a\u0432\u0430, "
         "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \U0001F3AC\U0001F30A\U0001F468\u200D\U0001F469"
         "\u200D\U0001F467 \"quoted\" 'single' `back` \\slash\\ a=b; c:d, e|f {json: [1]} <tag> &amp; %s %n "
         "tab\there\nsecond line\r\nthird line";
}

// A long prompt of random printable and multi-byte characters.
std::string long_prompt(size_t characters) {
  static const std::vector<std::string> pieces = {"a", "Z", " ", "\"", "'", "\\", "\u00e9", "\u4e2d", "\U0001F600",
                                                  ",", "\n", "=", ":", "\u0416"};
  const auto picks = torch::randint(static_cast<int64_t>(pieces.size()), {static_cast<int64_t>(characters)},
                                    torch::kInt64);
  std::string text;
  for (int64_t i = 0; i < picks.size(0); ++i) text += pieces[picks[i].item<int64_t>()];
  return text;
}

std::map<std::string, std::string> request_metadata(const std::string& prompt) {
  const nlohmann::json request = {{"prompt", prompt}, {"negative_prompt", ""}, {"seed", 18446744073709551615ull},
                                  {"steps", 4},       {"guidance", 5.0},       {"size", {832, 480}}};
  return {{keys::kPrompt, prompt},
          {keys::kNegativePrompt, ""},
          {keys::kSeed, "18446744073709551615"},
          {keys::kSteps, "4"},
          {keys::kGuidance, "5"},
          {keys::kShift, "3.0"},
          {keys::kSampler, "unipc"},
          {keys::kAttention, "asa"},
          {keys::kModel, "Wan2.1-T2V-1.3B"},
          {keys::kWeightsHash, "3f2a9c1e"},
          {keys::kFrames, "81"},
          {keys::kSize, "832x480"},
          {keys::kVersion, "0.1.0"},
          {keys::kRequest, request.dump()}};
}

void compare_maps(const std::map<std::string, std::string>& actual, const std::map<std::string, std::string>& expected) {
  for (const auto& [key, value] : expected) {
    const auto found = actual.find(key);
    QVERIFY2(found != actual.end(), qPrintable(QString::fromStdString("missing key " + key)));
    QVERIFY2(found->second == value, qPrintable(QString::fromStdString(key + " came back as '" + found->second +
                                                                       "', expected '" + value + "'")));
  }
  for (const auto& [key, value] : actual) {
    QVERIFY2(expected.count(key), qPrintable(QString::fromStdString("unexpected key " + key + " = " + value)));
  }
}

}  // namespace

class TestMediaMp4 : public QObject {
  Q_OBJECT
 private slots:
  void frames_fps_and_size_survive_the_round_trip() {
    QTemporaryDir dir;
    // Bounds about 3 dB below the worst of repeated runs; the tiny 34x18 clip is mostly the edges
    // of its moving square, which 4:2:0 chroma blurs.
    struct Case {
      int frames, height, width;
      double fps, max_mean_abs_error, min_psnr;
    };
    const Case cases[] = {{17, 160, 256, 16.0, 2.0, 33.0},
                          {9, 96, 160, 24000.0 / 1001.0, 2.5, 33.0},
                          {5, 18, 34, 30.0, 9.0, 23.0}};
    for (const auto& c : cases) {
      const fs::path path = fs::path(dir.path().toStdString()) / fmt::format("clip_{}x{}.mp4", c.width, c.height);
      const auto original = moving_frames(c.frames, c.height, c.width);
      blade::media::write_mp4(path, make_clip(original, c.fps));
      const blade::Clip decoded = blade::media::read_mp4(path);

      QCOMPARE(decoded.frame_count(), int64_t(c.frames));
      QCOMPARE(decoded.height(), int64_t(c.height));
      QCOMPARE(decoded.width(), int64_t(c.width));
      QVERIFY2(std::abs(decoded.fps - c.fps) < 1e-9, qPrintable(QString::number(decoded.fps, 'g', 17)));
      QCOMPARE(decoded.frames.scalar_type(), torch::kUInt8);

      const double error = mean_abs_error(decoded.frames, original), quality = psnr(decoded.frames, original);
      qInfo("%dx%d, %d frames at %.6f fps: mean abs error %.3f, PSNR %.2f dB, %lld bytes", c.width, c.height, c.frames,
            c.fps, error, quality, static_cast<long long>(fs::file_size(path)));
      QVERIFY2(error < c.max_mean_abs_error, qPrintable(QString::number(error)));
      QVERIFY2(quality > c.min_psnr, qPrintable(QString::number(quality)));
      // Each decoded frame is closest to the original frame of the same index.
      for (int f = 0; f < c.frames; ++f) {
        const double own = mean_abs_error(decoded.frames[f], original[f]);
        for (int other : {f - 1, f + 1}) {
          if (other < 0 || other >= c.frames) continue;
          QVERIFY2(own < mean_abs_error(decoded.frames[f], original[other]), qPrintable(QString::number(f)));
        }
      }
    }
  }

  // Flat colours come back as the same colours: the RGB <-> YUV matrix and range of the writer
  // and the reader agree (a BT.601 / BT.709 or range mix-up moves saturated colours by 10 or more).
  void flat_colours_keep_their_values() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "colours.mp4";
    auto colours = torch::tensor({255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 128, 128, 128},
                                 torch::kUInt8).view({6, 3});
    colours = torch::cat({colours, torch::randint(0, 256, {4, 3}, torch::kUInt8)});
    const auto frames = colours.view({10, 1, 1, 3}).expand({10, 32, 48, 3}).contiguous();
    blade::media::write_mp4(path, make_clip(frames, 16.0));
    const auto decoded = blade::media::read_mp4(path).frames;
    QCOMPARE(decoded.size(0), int64_t(10));
    const auto means = decoded.to(torch::kFloat64).mean({1, 2});
    const double worst = (means - colours.to(torch::kFloat64)).abs().max().item<double>();
    qInfo("flat colours: largest error of a mean channel value %.3f", worst);
    QVERIFY2(worst < 2.5, qPrintable(QString::number(worst)));
  }

  void generation_settings_come_back_exactly() {
    QTemporaryDir dir;
    for (const std::string& prompt : {tricky_prompt(), long_prompt(20000)}) {
      const fs::path path = fs::path(dir.path().toStdString()) / "settings.mp4";
      const auto metadata = request_metadata(prompt);
      blade::media::write_mp4(path, make_clip(moving_frames(3, 32, 32), 16.0, metadata));
      compare_maps(blade::media::read_mp4_metadata(path), metadata);
      compare_maps(blade::media::read_mp4(path).metadata, metadata);
      const auto request = nlohmann::json::parse(blade::media::read_mp4_metadata(path).at(keys::kRequest));
      QVERIFY(request.at("prompt").get<std::string>() == prompt);
      QCOMPARE(request.at("seed").get<uint64_t>(), 18446744073709551615ull);
    }
  }

  void the_encoder_is_named_in_the_log() {
    static std::ostringstream captured;
    static const bool added = [] {
      blade::log::add_sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
      return true;
    }();
    QVERIFY(added);
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "logged.mp4";
    blade::media::write_mp4(path, make_clip(moving_frames(2, 16, 16), 16.0));
    const std::string expected = avcodec_find_encoder_by_name("libx264") ? "H.264 by libx264" : "H.264 by ";
    QVERIFY2(contains(captured.str(), path.string()) && contains(captured.str(), expected),
             qPrintable(QString::fromStdString(captured.str())));
  }

  void clip_writer_picks_the_format_by_extension() {
    QTemporaryDir dir;
    const fs::path upper = fs::path(dir.path().toStdString()) / "UPPER.MP4";
    const auto frames = moving_frames(3, 32, 32);
    blade::media::write_clip(upper, make_clip(frames, 16.0));
    QVERIFY(read_bytes(upper).substr(4, 4) == "ftyp");
    QCOMPARE(blade::media::read_mp4(upper).frame_count(), int64_t(3));

    const fs::path avi = fs::path(dir.path().toStdString()) / "clip.avi";
    const Caught bad = caught([&] { blade::media::write_clip(avi, make_clip(frames, 16.0)); });
    QVERIFY(bad.thrown);
    QCOMPARE(bad.kind, ErrorKind::InvalidArgument);
    QVERIFY2(contains(bad.message, avi.string()) && contains(bad.message, ".avi"), bad.message.c_str());
    QVERIFY(!fs::exists(avi));
  }

  void bad_clips_and_options_are_refused_naming_the_path() {
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "refused.mp4";
    struct Case {
      blade::Clip clip;
      blade::media::Mp4Options options;
      std::string words;
    };
    const Case cases[] = {
        {make_clip(moving_frames(2, 32, 33), 16.0), {}, "even width and height, got 33x32"},
        {make_clip(moving_frames(2, 31, 32), 16.0), {}, "even width and height, got 32x31"},
        {make_clip(torch::zeros({2, 16, 16, 3}, torch::kFloat32), 16.0), {}, "uint8"},
        {make_clip(torch::zeros({2, 16, 16}, torch::kUInt8), 16.0), {}, "[frames >= 1, height, width, 3]"},
        {make_clip(moving_frames(2, 16, 16), 0.0), {}, "fps"},
        {make_clip(moving_frames(2, 16, 16), 16.0), {52, "medium"}, "crf"},
        {make_clip(moving_frames(2, 16, 16), 16.0), {18, "warp"}, "warp"},
    };
    for (const auto& c : cases) {
      const Caught refused = caught([&] { blade::media::write_mp4(path, c.clip, c.options); });
      QVERIFY2(refused.thrown, c.words.c_str());
      QCOMPARE(refused.kind, ErrorKind::InvalidArgument);
      QVERIFY2(contains(refused.message, c.words), refused.message.c_str());
      QVERIFY2(contains(refused.message, path.string()), refused.message.c_str());
      QVERIFY(names_in(dir.path().toStdString()).empty());
    }
  }

  void read_errors_name_the_path() {
    QTemporaryDir dir;
    const fs::path missing = fs::path(dir.path().toStdString()) / "missing.mp4";
    const Caught absent = caught([&] { blade::media::read_mp4(missing); });
    QVERIFY(absent.thrown);
    QCOMPARE(absent.kind, ErrorKind::Io);
    QVERIFY2(contains(absent.message, missing.string()) && contains(absent.message, "No such file"),
             absent.message.c_str());

    const fs::path text = fs::path(dir.path().toStdString()) / "text.mp4";
    write_bytes(text, "this is not a video\n");
    const Caught garbage = caught([&] { blade::media::read_mp4(text); });
    QVERIFY(garbage.thrown);
    QCOMPARE(garbage.kind, ErrorKind::Io);
    QVERIFY2(contains(garbage.message, text.string()), garbage.message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestMediaMp4)
#include "test_media_mp4.moc"
