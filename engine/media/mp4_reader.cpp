#include "core/error.h"
#include "core/log.h"
#include "media/ffmpeg_util.h"
#include "media/video_file.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <vector>

namespace blade::media {

namespace {

using namespace blade::media::ffmpeg;

auto log = blade::log::get("media");

void check(int result, const std::filesystem::path& path, const char* doing) {
  if (result < 0) fail(ErrorKind::Io, "could not read {} ({}): {}", path.string(), doing, error_text(result));
}

InputContextPtr open_input(const std::filesystem::path& path) {
  route_log_to_blade();
  AVFormatContext* raw = nullptr;
  // avformat_open_input frees the context itself when it fails.
  check(avformat_open_input(&raw, path.c_str(), nullptr, nullptr), path, "opening");
  return InputContextPtr(raw);
}

std::map<std::string, std::string> clip_metadata(const AVFormatContext& input) {
  std::map<std::string, std::string> metadata;
  const AVDictionaryEntry* entry = nullptr;
  while ((entry = av_dict_get(input.metadata, "", entry, AV_DICT_IGNORE_SUFFIX))) {
    if (!is_container_tag(entry->key)) metadata[entry->key] = entry->value;
  }
  return metadata;
}

// Converts decoded frames to RGB24 [H, W, 3] tensors, honouring the stream's colour tags.
class RgbConverter {
 public:
  explicit RgbConverter(const std::filesystem::path& path) : path_(path) {}

  torch::Tensor convert(const AVFrame& frame) {
    if (!scaler_) {
      width_ = frame.width, height_ = frame.height, format_ = frame.format;
      scaler_.reset(sws_getContext(width_, height_, static_cast<AVPixelFormat>(format_), width_, height_,
                                   AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                                   nullptr, nullptr));
      if (!scaler_) {
        fail(ErrorKind::Io, "could not read {}: cannot convert its pixel format {} to RGB", path_.string(),
             av_get_pix_fmt_name(static_cast<AVPixelFormat>(format_)) ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(format_)) : "?");
      }
      // Unspecified matrices are BT.601, as FFmpeg's own tools assume.
      const int* matrix = sws_getCoefficients(frame.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT);
      const int full_range = frame.color_range == AVCOL_RANGE_JPEG ? 1 : 0;
      sws_setColorspaceDetails(scaler_.get(), matrix, full_range, matrix, 1, 0, 1 << 16, 1 << 16);
    } else if (frame.width != width_ || frame.height != height_ || frame.format != format_) {
      fail(ErrorKind::Io, "could not read {}: the frame size changes from {}x{} to {}x{} within the video",
           path_.string(), width_, height_, frame.width, frame.height);
    }
    auto rgb = torch::empty({height_, width_, 3}, torch::kUInt8);
    uint8_t* destination[1] = {rgb.data_ptr<uint8_t>()};
    const int stride[1] = {3 * width_};
    sws_scale(scaler_.get(), frame.data, frame.linesize, 0, height_, destination, stride);
    return rgb;
  }

 private:
  const std::filesystem::path& path_;
  ScalerPtr scaler_;
  int width_ = 0;
  int height_ = 0;
  int format_ = -1;
};

}  // namespace

std::map<std::string, std::string> read_mp4_metadata(const std::filesystem::path& path) {
  const InputContextPtr input = open_input(path);
  return clip_metadata(*input);
}

Clip read_mp4(const std::filesystem::path& path) {
  const InputContextPtr input = open_input(path);
  check(avformat_find_stream_info(input.get(), nullptr), path, "reading the stream information");
  const AVCodec* codec = nullptr;
  const int stream_index = av_find_best_stream(input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream_index < 0 || !codec) {
    fail(ErrorKind::Io, "could not read {}: {}", path.string(),
         stream_index == AVERROR_DECODER_NOT_FOUND ? "FFmpeg has no decoder for its video" : "it has no video stream");
  }
  AVStream* stream = input->streams[stream_index];

  CodecContextPtr decoder(avcodec_alloc_context3(codec));
  if (!decoder) fail(ErrorKind::OutOfMemory, "could not allocate a decoder for {}", path.string());
  check(avcodec_parameters_to_context(decoder.get(), stream->codecpar), path, "setting up the decoder");
  decoder->thread_count = 0;
  check(avcodec_open2(decoder.get(), codec, nullptr), path, "opening the decoder");

  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame) fail(ErrorKind::OutOfMemory, "could not allocate FFmpeg buffers to read {}", path.string());
  RgbConverter converter(path);
  std::vector<torch::Tensor> frames;
  if (stream->nb_frames > 0) frames.reserve(static_cast<size_t>(stream->nb_frames));

  auto receive_frames = [&] {
    for (;;) {
      const int result = avcodec_receive_frame(decoder.get(), frame.get());
      if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
      check(result, path, "decoding");
      frames.push_back(converter.convert(*frame));
      av_frame_unref(frame.get());
    }
  };
  for (;;) {
    const int result = av_read_frame(input.get(), packet.get());
    if (result == AVERROR_EOF) break;
    check(result, path, "reading a packet");
    if (packet->stream_index == stream_index) {
      const int sent = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      check(sent, path, "decoding");
      receive_frames();
    } else {
      av_packet_unref(packet.get());
    }
  }
  check(avcodec_send_packet(decoder.get(), nullptr), path, "finishing the decoding");
  receive_frames();
  if (frames.empty()) fail(ErrorKind::Io, "could not read {}: the video has no frames", path.string());

  Clip clip;
  clip.frames = torch::stack(frames);
  const AVRational rate = av_guess_frame_rate(input.get(), stream, nullptr);
  if (rate.num > 0 && rate.den > 0) clip.fps = av_q2d(rate);
  clip.metadata = clip_metadata(*input);
  log->debug("read {} ({} frames {}x{} at {} fps)", path.string(), clip.frame_count(), clip.width(), clip.height(),
             clip.fps);
  return clip;
}

}  // namespace blade::media
