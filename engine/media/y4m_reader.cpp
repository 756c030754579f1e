#include "core/error.h"
#include "core/log.h"
#include "media/bt601.h"
#include "media/video_file.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace blade::media {
namespace {

struct Y4mHeader {
  int64_t width = 0, height = 0;
  double fps = 0.0;
  bool chroma_420 = false;  // else 4:4:4
};

Y4mHeader parse_header(const std::filesystem::path& path, const std::string& line) {
  std::istringstream tokens(line);
  std::string token;
  tokens >> token;
  if (token != "YUV4MPEG2") fail(ErrorKind::Io, "{} is not a YUV4MPEG2 file (it starts with '{}')", path.string(), token);
  Y4mHeader header;
  std::string colourspace = "420jpeg";  // the format's default
  while (tokens >> token) {
    const char tag = token[0];
    const std::string value = token.substr(1);
    try {
      if (tag == 'W') header.width = std::stoll(value);
      if (tag == 'H') header.height = std::stoll(value);
      if (tag == 'C') colourspace = value;
      if (tag == 'F') {
        const auto colon = value.find(':');
        const double numerator = std::stod(value.substr(0, colon));
        const double denominator = colon == std::string::npos ? 1.0 : std::stod(value.substr(colon + 1));
        header.fps = denominator > 0 ? numerator / denominator : 0.0;
      }
    } catch (const std::exception&) {
      fail(ErrorKind::Io, "{}: bad header field '{}'", path.string(), token);
    }
  }
  if (header.width < 1 || header.height < 1 || !(header.fps > 0.0)) {
    fail(ErrorKind::Io, "{}: the header '{}' lacks a size or frame rate", path.string(), line);
  }
  constexpr int64_t kLargestSide = 1 << 15;
  if (header.width > kLargestSide || header.height > kLargestSide) {
    fail(ErrorKind::Io, "{}: frames of {}x{} are larger than {} on a side", path.string(), header.width,
         header.height, kLargestSide);
  }
  if (colourspace == "420" || colourspace == "420jpeg" || colourspace == "420mpeg2" || colourspace == "420paldv") {
    header.chroma_420 = true;
  } else if (colourspace != "444") {
    fail(ErrorKind::Unsupported, "{}: colour space C{} is not read (8-bit 4:4:4 and 4:2:0 are)", path.string(),
         colourspace);
  }
  if (line.find("XCOLORRANGE=FULL") != std::string::npos) {
    fail(ErrorKind::Unsupported, "{}: full-range YUV is not read (limited range is)", path.string());
  }
  return header;
}

// The inverse of write_y4m's BT.601 limited-range matrix.
void yuv_to_rgb(uint8_t y, uint8_t u, uint8_t v, uint8_t* rgb) {
  using bt601::to_byte;
  constexpr double kr = bt601::kRed, kb = bt601::kBlue, kg = bt601::kGreen;
  const double luma = (y - 16.0) * 255.0 / 219.0;
  const double b = luma + (u - 128.0) * 255.0 / 224.0 * 2.0 * (1.0 - kb);
  const double r = luma + (v - 128.0) * 255.0 / 224.0 * 2.0 * (1.0 - kr);
  const double g = (luma - kr * r - kb * b) / kg;
  rgb[0] = to_byte(r), rgb[1] = to_byte(g), rgb[2] = to_byte(b);
}

}  // namespace

Clip read_y4m(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::Io, "cannot open {}", path.string());
  const std::string magic = "YUV4MPEG2 ";
  std::string start(magic.size(), '\0');
  if (!in.read(start.data(), static_cast<std::streamsize>(start.size())) || start != magic) {
    fail(ErrorKind::Io, "{} is not a YUV4MPEG2 file", path.string());
  }
  std::string line;
  std::getline(in, line);
  if (line.size() > 1024) fail(ErrorKind::Io, "{}: the header line is longer than 1 KiB", path.string());
  const Y4mHeader header = parse_header(path, magic + line);
  const int64_t W = header.width, H = header.height, pixels = W * H;
  const int64_t chroma_w = header.chroma_420 ? (W + 1) / 2 : W, chroma_h = header.chroma_420 ? (H + 1) / 2 : H;
  const int64_t frame_bytes = pixels + 2 * chroma_w * chroma_h;
  std::error_code error;
  const auto file_size = std::filesystem::file_size(path, error);
  if (!error && static_cast<uintmax_t>(frame_bytes) > file_size) {
    fail(ErrorKind::Io, "{}: a {}x{} frame needs {} bytes, the file has {}", path.string(), W, H, frame_bytes,
         file_size);
  }
  std::vector<uint8_t> planes(static_cast<size_t>(frame_bytes));
  // Every frame takes at least "FRAME\n" plus its planes, which bounds the count: the RGB frames are
  // converted straight into one tensor instead of being stacked from copies.
  const int64_t header_end = static_cast<int64_t>(in.tellg());
  const int64_t most_frames =
      error ? 0 : std::max<int64_t>(0, (static_cast<int64_t>(file_size) - header_end) / (frame_bytes + 6));
  auto all_frames = torch::empty({most_frames, H, W, 3}, torch::kUInt8);
  int64_t frame_count = 0;
  while (std::getline(in, line)) {
    if (line.rfind("FRAME", 0) != 0) {
      fail(ErrorKind::Io, "{}: frame {} does not start with FRAME", path.string(), frame_count + 1);
    }
    if (!in.read(reinterpret_cast<char*>(planes.data()), static_cast<std::streamsize>(planes.size()))) {
      fail(ErrorKind::Io, "{} ends inside frame {}", path.string(), frame_count + 1);
    }
    if (frame_count == all_frames.size(0)) {  // only where the file size was unknown
      all_frames = torch::cat({all_frames, torch::empty({std::max<int64_t>(1, frame_count), H, W, 3}, torch::kUInt8)});
    }
    uint8_t* out = all_frames[frame_count].data_ptr<uint8_t>();
    const uint8_t* u = planes.data() + pixels;
    const uint8_t* v = u + chroma_w * chroma_h;
    for (int64_t row = 0; row < H; ++row) {
      for (int64_t col = 0; col < W; ++col) {
        const int64_t c = header.chroma_420 ? (row / 2) * chroma_w + col / 2 : row * W + col;
        yuv_to_rgb(planes[static_cast<size_t>(row * W + col)], u[c], v[c], out + 3 * (row * W + col));
      }
    }
    ++frame_count;
  }
  if (frame_count == 0) fail(ErrorKind::Io, "{} holds no frames", path.string());
  Clip clip;
  // Frame headers with parameters make the bound too high; then the frames read are copied out.
  clip.frames = frame_count == all_frames.size(0) ? all_frames : all_frames.narrow(0, 0, frame_count).clone();
  clip.fps = header.fps;
  // A broken sidecar does not make the frames unreadable: callers that need the settings read the
  // sidecar themselves (read_y4m_sidecar) and get its error.
  if (std::filesystem::exists(y4m_sidecar_path(path), error)) {
    try {
      clip.metadata = read_y4m_sidecar(path);
    } catch (const Error& e) {
      blade::log::get("media")->warn("{}; the clip is read without its settings", e.what());
    }
  }
  return clip;
}

}  // namespace blade::media
