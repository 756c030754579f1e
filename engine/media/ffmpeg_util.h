#pragma once
// Owning wrappers for FFmpeg objects (so that every path, including exceptions, frees them) and
// FFmpeg error text. Only the MP4 sources include this; it needs the FFmpeg headers.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace blade::media::ffmpeg {

struct CodecContextDeleter {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct ScalerDeleter {
  void operator()(SwsContext* scaler) const { sws_freeContext(scaler); }
};
struct InputContextDeleter {
  void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
// Closes the output file (if the muxer opened one) before freeing the context.
struct OutputContextDeleter {
  void operator()(AVFormatContext* context) const {
    if (context->pb && !(context->oformat->flags & AVFMT_NOFILE)) avio_closep(&context->pb);
    avformat_free_context(context);
  }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using ScalerPtr = std::unique_ptr<SwsContext, ScalerDeleter>;
using InputContextPtr = std::unique_ptr<AVFormatContext, InputContextDeleter>;
using OutputContextPtr = std::unique_ptr<AVFormatContext, OutputContextDeleter>;

// An AVDictionary that frees itself.
class Dictionary {
 public:
  Dictionary() = default;
  ~Dictionary() { av_dict_free(&dictionary_); }
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  void set(const std::string& key, const std::string& value) { av_dict_set(&dictionary_, key.c_str(), value.c_str(), 0); }
  AVDictionary** address() { return &dictionary_; }
  AVDictionary* get() const { return dictionary_; }
  // The keys FFmpeg did not use, comma separated ("" when all were used).
  std::string unused_keys() const;

 private:
  AVDictionary* dictionary_ = nullptr;
};

// FFmpeg's text for an AVERROR code ("No space left on device").
std::string error_text(int error);

// The last error line FFmpeg logged on this thread (often the real reason behind EINVAL), or "".
std::string last_logged_error();
void clear_last_logged_error();

// Routes FFmpeg's log to the "media" logger (once per process): errors and warnings as such,
// FFmpeg's informational chatter (x264 statistics) at debug level.
void route_log_to_blade();

// Container tags that FFmpeg writes or reads by itself; they are not clip metadata.
bool is_container_tag(const std::string& key);

}  // namespace blade::media::ffmpeg
