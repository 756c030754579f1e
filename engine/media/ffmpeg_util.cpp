#include "media/ffmpeg_util.h"

#include "core/log.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <array>
#include <cstdarg>
#include <mutex>

namespace blade::media::ffmpeg {

namespace {

thread_local std::string t_partial_line;
thread_local std::string t_last_error;
thread_local int t_print_prefix = 1;

void log_callback(void* object, int level, const char* format, va_list arguments) {
  if (level > AV_LOG_INFO) return;
  std::array<char, 1024> buffer{};
  av_log_format_line2(object, level, format, arguments, buffer.data(), static_cast<int>(buffer.size()), &t_print_prefix);
  t_partial_line += buffer.data();
  if (t_partial_line.empty() || t_partial_line.back() != '\n') return;  // FFmpeg sends lines in pieces
  t_partial_line.pop_back();
  static auto log = blade::log::get("media");
  if (level <= AV_LOG_ERROR) {
    log->error("FFmpeg: {}", t_partial_line);
    t_last_error = t_partial_line;
  } else if (level <= AV_LOG_WARNING) {
    log->warn("FFmpeg: {}", t_partial_line);
  } else {
    log->debug("FFmpeg: {}", t_partial_line);
  }
  t_partial_line.clear();
}

}  // namespace

std::string Dictionary::unused_keys() const {
  std::string keys;
  const AVDictionaryEntry* entry = nullptr;
  while ((entry = av_dict_get(dictionary_, "", entry, AV_DICT_IGNORE_SUFFIX))) {
    if (!keys.empty()) keys += ", ";
    keys += entry->key;
  }
  return keys;
}

std::string error_text(int error) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> buffer{};
  if (av_strerror(error, buffer.data(), buffer.size()) < 0) return "FFmpeg error " + std::to_string(error);
  return buffer.data();
}

std::string last_logged_error() { return t_last_error; }
void clear_last_logged_error() { t_last_error.clear(); }

void route_log_to_blade() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(log_callback); });
}

bool is_container_tag(const std::string& key) {
  return key == "major_brand" || key == "minor_version" || key == "compatible_brands" || key == "encoder";
}

}  // namespace blade::media::ffmpeg
