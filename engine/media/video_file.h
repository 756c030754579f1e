#pragma once
// Writing clips to video files and reading them back. MP4 (H.264) needs FFmpeg, which only full
// builds have; YUV4MPEG2 (.y4m) works in every build. Every writer writes "<path>.partial-<pid>-<n>"
// in the same folder and renames it onto `path` only when everything succeeded, so a failure or a
// cancel never leaves a half-written file and never touches an existing file at `path`.

#include "core/cancel.h"
#include "core/clip.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace blade::media {

// Whether this build can write and read MP4 (false in engine-only builds, which have no FFmpeg).
bool have_mp4();

// Called after each frame has gone to the file (or the encoder): frames written so far, and all.
using WriteProgress = std::function<void(int64_t frames_written, int64_t frame_count)>;

struct Mp4Options {
  int crf = 18;                    // x264 constant rate factor, 0 (lossless) .. 51
  std::string preset = "medium";   // x264 preset: ultrafast ... placebo
};

// H.264 (libx264, else another H.264 encoder FFmpeg has), yuv420p BT.709 limited range, the clip's
// fps as an exact rational, every clip.metadata entry as container metadata. Width and height must
// be even (InvalidArgument). Errors: Io naming the path and the reason (missing or unwritable
// folder, full disk, FFmpeg's text), Unsupported without an H.264 encoder or FFmpeg, Cancelled when
// `cancel` is requested between frames. The encoder used is named in the "media" log.
void write_mp4(const std::filesystem::path& path, const Clip& clip, const Mp4Options& options = {},
               const CancelToken* cancel = nullptr, const WriteProgress& progress = {});

// Decodes every frame (of any container FFmpeg reads, .y4m included) back to RGB24 and reads fps and metadata (FFmpeg's own container tags such
// as "major_brand" or "encoder" are left out). Errors (Io) name the path.
Clip read_mp4(const std::filesystem::path& path);

// Only the metadata, without decoding.
std::map<std::string, std::string> read_mp4_metadata(const std::filesystem::path& path);

// Uncompressed YUV4MPEG2, 4:4:4, BT.601 limited range (what FFmpeg assumes for Y4M), interlacing
// progressive. The metadata goes to a sidecar "<path>.json" (a JSON object of strings), written
// under the same atomic rules.
void write_y4m(const std::filesystem::path& path, const Clip& clip, const CancelToken* cancel = nullptr,
               const WriteProgress& progress = {});

// Reads a YUV4MPEG2 file without FFmpeg (every build): 8-bit 4:4:4 as write_y4m writes it, or 4:2:0,
// BT.601 limited range, with the sidecar's metadata when there is a readable one (else a warning).
// Errors (Io; Unsupported for other colour spaces, bit depths and full range) name the path and,
// for a broken file, the frame. Frames are converted into the clip's tensor as they are read.
Clip read_y4m(const std::filesystem::path& path);

// The sidecar "<clip>.json" that write_y4m writes beside a .y4m, and its metadata. Errors: Io when
// it cannot be read or is not a JSON object of strings, naming the file.
std::filesystem::path y4m_sidecar_path(const std::filesystem::path& clip);
std::map<std::string, std::string> read_y4m_sidecar(const std::filesystem::path& clip);

// Whether the path names a .y4m / .mp4 file (extension compared case-insensitively, as write_clip does).
bool is_y4m_path(const std::filesystem::path& path);
bool is_mp4_path(const std::filesystem::path& path);

// Chooses the reader by extension: .y4m -> read_y4m (every build), anything else -> read_mp4
// (Unsupported in a build without FFmpeg).
Clip read_clip(const std::filesystem::path& path);

// The settings a clip records without decoding it: a .y4m's sidecar (empty when there is none),
// else read_mp4_metadata.
std::map<std::string, std::string> read_clip_metadata(const std::filesystem::path& path);

// Chooses the writer by extension, case-insensitively: .mp4 -> write_mp4, .y4m -> write_y4m.
// InvalidArgument for any other extension and for .mp4 in a build without FFmpeg.
void write_clip(const std::filesystem::path& path, const Clip& clip, const CancelToken* cancel = nullptr,
                const WriteProgress& progress = {});

}  // namespace blade::media
