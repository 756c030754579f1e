// Writing is all or nothing: a cancel, a full disk or a bad folder never leaves a partial file
// behind and never touches a good file already at the target; errors name the path and the cause.

#include "core/cancel.h"
#include "media/video_file.h"
#include "media_test_support.h"

#include <sys/resource.h>

#include <QtTest>

#include <csignal>

using blade::ErrorKind;
using namespace blade::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kExtensions = {".mp4", ".y4m"};

// The files a finished write leaves: the video, and for .y4m its settings sidecar.
std::vector<std::string> finished_names(const std::string& name) {
  if (fs::path(name).extension() == ".y4m") return {name, name + ".json"};
  return {name};
}

std::vector<std::string> partial_files_in(const fs::path& folder) {
  std::vector<std::string> partial;
  for (const auto& name : names_in(folder)) {
    if (contains(name, ".partial-")) partial.push_back(name);
  }
  return partial;
}

// Lowers the largest file this process may write, so that a write fails the way it does on a full
// disk (EFBIG instead of ENOSPC), without privileges. SIGXFSZ is ignored so that write() fails
// instead of the process being killed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lowered);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, saved_handler_);
  }

 private:
  rlimit saved_{};
  void (*saved_handler_)(int) = nullptr;
};

}  // namespace

class TestMediaAtomicWrite : public QObject {
  Q_OBJECT
 private slots:
  void a_cancel_mid_write_keeps_the_good_file() {
    for (const auto& extension : kExtensions) {
      QTemporaryDir dir;
      const fs::path folder = dir.path().toStdString(), path = folder / ("clip" + extension);
      blade::media::write_clip(path, make_clip(moving_frames(5, 32, 48), 16.0, {{"blade.prompt", "good"}}));
      const std::string good = read_bytes(path);
      QVERIFY(!good.empty());

      blade::CancelToken cancel;
      int64_t calls = 0;
      bool partial_seen = false, target_untouched_meanwhile = true;
      auto cancel_after_three = [&](int64_t written, int64_t total) {
        ++calls;
        QCOMPARE(total, int64_t(9));
        partial_seen = partial_seen || !partial_files_in(folder).empty();
        target_untouched_meanwhile = target_untouched_meanwhile && read_bytes(path) == good;
        if (written == 3) cancel.request();
      };
      const Caught cancelled = caught([&] {
        blade::media::write_clip(path, make_clip(moving_frames(9, 64, 64), 16.0), &cancel, cancel_after_three);
      });
      QVERIFY(cancelled.thrown);
      qInfo("%s", cancelled.message.c_str());
      QCOMPARE(cancelled.kind, ErrorKind::Cancelled);
      QVERIFY2(contains(cancelled.message, path.string()) && contains(cancelled.message, "frame 4 of 9"),
               cancelled.message.c_str());
      QVERIFY(cancel.heard());
      QCOMPARE(calls, int64_t(3));
      QVERIFY2(partial_seen, "the clip was not written beside the target");
      QVERIFY(target_untouched_meanwhile);
      QVERIFY(read_bytes(path) == good);
      QCOMPARE(names_in(folder), finished_names("clip" + extension));
      if (extension == ".mp4") QCOMPARE(blade::media::read_mp4(path).metadata.at("blade.prompt"), std::string("good"));
    }
  }

  void a_cancel_before_the_first_frame_leaves_nothing() {
    for (const auto& extension : kExtensions) {
      QTemporaryDir dir;
      const fs::path folder = dir.path().toStdString(), path = folder / ("new" + extension);
      blade::CancelToken cancel;
      cancel.request();
      const Caught cancelled = caught([&] { blade::media::write_clip(path, make_clip(moving_frames(2, 16, 16), 16.0), &cancel); });
      QVERIFY(cancelled.thrown);
      QCOMPARE(cancelled.kind, ErrorKind::Cancelled);
      QVERIFY(names_in(folder).empty());
    }
  }

  void a_finished_write_replaces_the_old_file() {
    for (const auto& extension : kExtensions) {
      QTemporaryDir dir;
      const fs::path folder = dir.path().toStdString(), path = folder / ("clip" + extension);
      blade::media::write_clip(path, make_clip(moving_frames(2, 16, 16), 16.0));
      const std::string first = read_bytes(path);
      int64_t last_written = 0;
      blade::media::write_clip(path, make_clip(moving_frames(4, 32, 32), 16.0), nullptr,
                               [&](int64_t written, int64_t) { last_written = written; });
      QCOMPARE(last_written, int64_t(4));
      QVERIFY(read_bytes(path) != first);
      QCOMPARE(names_in(folder), finished_names("clip" + extension));
    }
  }

  void a_full_disk_is_reported_and_the_good_file_kept() {
    for (const auto& extension : kExtensions) {
      QTemporaryDir dir;
      const fs::path folder = dir.path().toStdString(), path = folder / ("clip" + extension);
      blade::media::write_clip(path, make_clip(moving_frames(2, 16, 16), 16.0));
      const std::string good = read_bytes(path);
      // Noise does not compress: 12 frames of 128x128 are far above the limit in either format.
      const auto noise = torch::randint(0, 256, {12, 128, 128, 3}, torch::kUInt8);
      Caught full;
      {
        FileSizeLimit limit(64 * 1024);
        full = caught([&] { blade::media::write_clip(path, make_clip(noise, 16.0)); });
      }
      QVERIFY2(full.thrown, extension.c_str());
      qInfo("%s", full.message.c_str());
      QCOMPARE(full.kind, ErrorKind::Io);
      // EFBIG under the limit; ENOSPC when the temporary folder is on a small file system.
      QVERIFY2(contains(full.message, path.string()) &&
                   (contains(full.message, "File too large") || contains(full.message, "No space left on device")),
               full.message.c_str());
      QVERIFY(read_bytes(path) == good);
      QCOMPARE(names_in(folder), finished_names("clip" + extension));
    }
  }

  void bad_folders_are_reported_with_path_and_cause() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    write_bytes(folder / "a_file", "not a folder");
    fs::create_directory(folder / "taken.mp4");
    fs::create_directory(folder / "taken.y4m");
    const auto before = names_in(folder);
    for (const auto& extension : kExtensions) {
      struct Case {
        fs::path path;
        std::string cause;
      };
      const Case cases[] = {
          {folder / "no" / "such" / ("clip" + extension), "the folder " + (folder / "no" / "such").string() + " does not exist"},
          {folder / "a_file" / ("clip" + extension), (folder / "a_file").string() + " is not a folder"},
          {folder / ("taken" + extension), "a folder of that name exists"},
      };
      for (const auto& c : cases) {
        const Caught refused = caught([&] { blade::media::write_clip(c.path, make_clip(moving_frames(2, 16, 16), 16.0)); });
        QVERIFY2(refused.thrown, c.path.c_str());
        qInfo("%s", refused.message.c_str());
        QCOMPARE(refused.kind, ErrorKind::Io);
        QVERIFY2(contains(refused.message, "cannot write " + c.path.string() + ": ") && contains(refused.message, c.cause),
                 refused.message.c_str());
      }
    }
    QCOMPARE(names_in(folder), before);
  }

  // Root may write anywhere, so only other users can see this refusal.
  void an_unwritable_folder_is_reported() {
    if (::geteuid() == 0) QSKIP("root writes into read-only folders");
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "locked", path = folder / "clip.mp4";
    fs::create_directory(folder);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    const Caught refused = caught([&] { blade::media::write_clip(path, make_clip(moving_frames(2, 16, 16), 16.0)); });
    fs::permissions(folder, fs::perms::owner_all);
    QVERIFY(refused.thrown);
    QCOMPARE(refused.kind, ErrorKind::Io);
    QVERIFY2(contains(refused.message, path.string()) && contains(refused.message, "not writable"),
             refused.message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestMediaAtomicWrite)
#include "test_media_atomic_write.moc"
