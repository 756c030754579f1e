#include "core/error.h"
#include "core/log.h"
#include "media/atomic_file.h"
#include "media/clip_checks.h"
#include "media/ffmpeg_util.h"
#include "media/frame_rate.h"
#include "media/video_file.h"

#include <algorithm>
#include <array>
#include <vector>

namespace blade::media {

namespace {

using namespace blade::media::ffmpeg;

auto log = blade::log::get("media");

constexpr std::array<const char*, 10> kX264Presets = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                                      "medium",    "slow",      "slower",   "veryslow", "placebo"};

void check_options(const std::filesystem::path& path, const Mp4Options& options) {
  if (options.crf < 0 || options.crf > 51) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: crf must be in 0..51, got {}", path.string(), options.crf);
  }
  if (std::find(kX264Presets.begin(), kX264Presets.end(), options.preset) == kX264Presets.end()) {
    fail(ErrorKind::InvalidArgument, "cannot write {}: unknown preset '{}', expected one of ultrafast, superfast, "
         "veryfast, faster, fast, medium, slow, slower, veryslow, placebo", path.string(), options.preset);
  }
}

// libx264 first, then every other H.264 encoder this FFmpeg has (hardware ones fail to open
// where their device is missing, which just moves on to the next).
std::vector<const AVCodec*> h264_encoders() {
  std::vector<const AVCodec*> encoders;
  if (const AVCodec* x264 = avcodec_find_encoder_by_name("libx264")) encoders.push_back(x264);
  void* iterator = nullptr;
  while (const AVCodec* codec = av_codec_iterate(&iterator)) {
    if (codec->id == AV_CODEC_ID_H264 && av_codec_is_encoder(codec) &&
        std::find(encoders.begin(), encoders.end(), codec) == encoders.end()) {
      encoders.push_back(codec);
    }
  }
  return encoders;
}

CodecContextPtr open_encoder(const std::filesystem::path& path, int width, int height, AVRational rate,
                             const Mp4Options& options, bool global_header) {
  std::string reasons;
  for (const AVCodec* codec : h264_encoders()) {
    CodecContextPtr context(avcodec_alloc_context3(codec));
    if (!context) fail(ErrorKind::OutOfMemory, "could not allocate an H.264 encoder for {}", path.string());
    context->width = width;
    context->height = height;
    context->pix_fmt = AV_PIX_FMT_YUV420P;
    context->time_base = av_inv_q(rate);
    context->framerate = rate;
    context->sample_aspect_ratio = AVRational{1, 1};
    context->color_range = AVCOL_RANGE_MPEG;
    context->colorspace = AVCOL_SPC_BT709;
    context->color_primaries = AVCOL_PRI_BT709;
    context->color_trc = AVCOL_TRC_BT709;
    context->thread_count = 0;  // automatic; x264's output does not depend on timing
    if (global_header) context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    Dictionary settings;
    if (std::string(codec->name) == "libx264") {
      settings.set("crf", std::to_string(options.crf));
      settings.set("preset", options.preset);
    } else {
      log->warn("libx264 is missing from this FFmpeg; trying the H.264 encoder {} (crf and preset do not apply)",
                codec->name);
    }
    clear_last_logged_error();
    const int result = avcodec_open2(context.get(), codec, settings.address());
    if (result >= 0) return context;
    const std::string logged = last_logged_error();
    reasons += fmt::format("{}{}: {}{}", reasons.empty() ? "" : "; ", codec->name, error_text(result),
                           logged.empty() ? "" : " (" + logged + ")");
  }
  fail(ErrorKind::Unsupported, "cannot write {}: no H.264 encoder of this FFmpeg could be opened{}{}", path.string(),
       reasons.empty() ? "" : ": ", reasons);
}

ScalerPtr rgb_to_yuv420_scaler(int width, int height) {
  ScalerPtr scaler(sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                                  SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
  if (!scaler) fail(ErrorKind::Internal, "swscale cannot convert RGB24 to yuv420p at {}x{}", width, height);
  // Full-range RGB in, BT.709 limited range out, matching the tags on the stream.
  const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(scaler.get(), bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
  return scaler;
}

class Mp4Writer {
 public:
  Mp4Writer(const std::filesystem::path& path, const AtomicFileWrite& file) : path_(path), file_(file) {}

  void check(int result, const char* doing) const {
    if (result < 0) {
      fail(ErrorKind::Io, "could not write {} ({}): {}", path_.string(), doing, error_text(result));
    }
  }

  // Returns the name of the encoder used.
  std::string write(const torch::Tensor& frames, const std::map<std::string, std::string>& metadata, FrameRate fps,
                    const Mp4Options& options, const CancelToken* cancel, const WriteProgress& progress) {
    const int count = static_cast<int>(frames.size(0));
    const int height = static_cast<int>(frames.size(1)), width = static_cast<int>(frames.size(2));
    const AVRational rate{static_cast<int>(fps.numerator), static_cast<int>(fps.denominator)};

    AVFormatContext* raw_output = nullptr;
    const std::string partial = file_.partial_path().string();
    // The partial name has no .mp4 ending, so name the container explicitly.
    check(avformat_alloc_output_context2(&raw_output, nullptr, "mp4", partial.c_str()), "creating the MP4 muxer");
    output_.reset(raw_output);
    for (const auto& [key, value] : metadata) {
      check(av_dict_set(&output_->metadata, key.c_str(), value.c_str(), 0), "storing the metadata");
    }

    encoder_ = open_encoder(path_, width, height, rate, options, output_->oformat->flags & AVFMT_GLOBALHEADER);
    stream_ = avformat_new_stream(output_.get(), nullptr);
    if (!stream_) fail(ErrorKind::OutOfMemory, "could not add a video stream to {}", path_.string());
    stream_->time_base = encoder_->time_base;
    stream_->avg_frame_rate = rate;
    check(avcodec_parameters_from_context(stream_->codecpar, encoder_.get()), "copying the encoder settings");

    check(avio_open(&output_->pb, partial.c_str(), AVIO_FLAG_WRITE), "creating the file");
    Dictionary muxer_options;
    // use_metadata_tags keeps custom keys ("blade.prompt") that plain MP4 tags cannot hold.
    muxer_options.set("movflags", "+use_metadata_tags+faststart");
    check(avformat_write_header(output_.get(), muxer_options.address()), "writing the header");

    FramePtr frame(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!frame || !packet_) fail(ErrorKind::OutOfMemory, "could not allocate an FFmpeg frame for {}", path_.string());
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = width;
    frame->height = height;
    frame->color_range = AVCOL_RANGE_MPEG;
    frame->colorspace = AVCOL_SPC_BT709;
    check(av_frame_get_buffer(frame.get(), 0), "allocating a frame");
    const ScalerPtr scaler = rgb_to_yuv420_scaler(width, height);

    const uint8_t* rgb = frames.data_ptr<uint8_t>();
    const int rgb_stride = 3 * width;
    for (int index = 0; index < count; ++index) {
      throw_if_cancelled(cancel, fmt::format("while writing frame {} of {} to {}", index + 1, count, path_.string()));
      check(av_frame_make_writable(frame.get()), "allocating a frame");
      const uint8_t* source[1] = {rgb + static_cast<int64_t>(index) * height * rgb_stride};
      sws_scale(scaler.get(), source, &rgb_stride, 0, height, frame->data, frame->linesize);
      frame->pts = index;
      check(avcodec_send_frame(encoder_.get(), frame.get()), "encoding");
      write_packets();
      if (progress) progress(index + 1, count);
    }
    check(avcodec_send_frame(encoder_.get(), nullptr), "finishing the encoding");
    write_packets();
    throw_if_cancelled(cancel, fmt::format("before finishing {}", path_.string()));
    check(av_write_trailer(output_.get()), "finishing the file");
    check(output_->pb->error, "finishing the file");
    check(avio_closep(&output_->pb), "closing the file");
    return encoder_->codec->name;
  }

 private:
  // Moves every packet the encoder has ready into the file.
  void write_packets() {
    for (;;) {
      const int result = avcodec_receive_packet(encoder_.get(), packet_.get());
      if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
      check(result, "encoding");
      av_packet_rescale_ts(packet_.get(), encoder_->time_base, stream_->time_base);
      packet_->stream_index = stream_->index;
      check(av_interleaved_write_frame(output_.get(), packet_.get()), "writing a frame");
      check(output_->pb->error, "writing a frame");  // a full disk shows here, not in the call above
    }
  }

  const std::filesystem::path& path_;
  const AtomicFileWrite& file_;
  OutputContextPtr output_;
  CodecContextPtr encoder_;
  PacketPtr packet_;
  AVStream* stream_ = nullptr;  // owned by output_
};

}  // namespace

void write_mp4(const std::filesystem::path& path, const Clip& clip, const Mp4Options& options,
               const CancelToken* cancel, const WriteProgress& progress) {
  const auto frames = checked_frames(path, clip, /*even_size=*/true);
  check_options(path, options);
  const FrameRate rate = to_frame_rate(clip.fps, 65535);
  route_log_to_blade();

  AtomicFileWrite file(path);
  std::string encoder;
  {
    Mp4Writer writer(path, file);  // destroyed (file closed) before `file` removes a partial file
    encoder = writer.write(frames, clip.metadata, rate, options, cancel, progress);
  }
  file.commit();
  const std::string settings =
      encoder == "libx264" ? fmt::format(", crf {}, preset {}", options.crf, options.preset) : std::string();
  log->info("wrote {} ({} frames {}x{} at {}/{} fps, H.264 by {}{})", path.string(), frames.size(0), frames.size(2),
            frames.size(1), rate.numerator, rate.denominator, encoder, settings);
}

}  // namespace blade::media
