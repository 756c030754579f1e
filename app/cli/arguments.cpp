#include "arguments.h"

#include "core/error.h"

#include <charconv>
#include <cmath>

namespace blade::cli {

Arguments::Arguments(const std::vector<std::string>& argv, const std::set<std::string>& values,
                     const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      if (inline_value) fail(ErrorKind::InvalidArgument, "option --{} takes no value", name);
      flags_.insert(name);
    } else if (values.count(name)) {
      if (!inline_value && i + 1 >= argv.size()) fail(ErrorKind::InvalidArgument, "option --{} needs a value", name);
      values_[name] = inline_value ? *inline_value : argv[++i];
    } else {
      fail(ErrorKind::InvalidArgument, "unknown option --{} (see blade --help)", name);
    }
  }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Arguments::value_or(const std::string& name, const std::string& fallback) const {
  return value(name).value_or(fallback);
}

std::string Arguments::required(const std::string& name) const {
  auto v = value(name);
  if (!v) fail(ErrorKind::InvalidArgument, "missing required option --{}", name);
  return *v;
}

int Arguments::get_int(const std::string& name, int fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  int out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    fail(ErrorKind::InvalidArgument, "--{} expects a whole number, got '{}'", name, *v);
  }
  return out;
}

uint64_t Arguments::get_u64(const std::string& name, uint64_t fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || end != v->data() + v->size()) {
    fail(ErrorKind::InvalidArgument, "--{} expects a non-negative whole number, got '{}'", name, *v);
  }
  return out;
}

double Arguments::get_double(const std::string& name, double fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    double out = std::stod(*v, &used);
    if (used == v->size() && std::isfinite(out)) return out;
  } catch (const std::exception&) {
  }
  fail(ErrorKind::InvalidArgument, "--{} expects a number, got '{}'", name, *v);
}

std::pair<int, int> parse_size(const std::string& text, const std::string& option) {
  const auto x = text.find('x');
  try {
    if (x != std::string::npos) {
      size_t used_w = 0, used_h = 0;
      const int width = std::stoi(text.substr(0, x), &used_w);
      const int height = std::stoi(text.substr(x + 1), &used_h);
      if (used_w == x && used_h == text.size() - x - 1 && width > 0 && height > 0) return {width, height};
    }
  } catch (const std::exception&) {
  }
  fail(ErrorKind::InvalidArgument, "--{} expects WIDTHxHEIGHT such as 832x480 (both positive), got '{}'", option, text);
}

std::vector<std::string> parse_name_list(const std::string& option, const std::string& text, const char* kind,
                                         const char* example) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    items.push_back(text.substr(begin, end - begin));
    if (items.back().empty()) {
      fail(ErrorKind::InvalidArgument, "--{} expects a comma-separated list of {} such as {}, got '{}'", option, kind,
           example, text);
    }
    begin = end + 1;
  }
  return items;
}

namespace {

// "a,b,c" -> values, each parsed whole by from_chars; `example` goes into the error message.
template <typename T>
std::vector<T> parse_number_list(const std::string& option, const std::string& text, const char* kind,
                                 const char* example) {
  std::vector<T> values;
  for (const auto& item : parse_name_list(option, text, kind, example)) {
    T value{};
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || ptr != item.data() + item.size()) {
      fail(ErrorKind::InvalidArgument, "--{} expects a comma-separated list of {} such as {}, got '{}'", option, kind,
           example, text);
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace

std::vector<int> parse_int_list(const std::string& option, const std::string& text) {
  return parse_number_list<int>(option, text, "whole numbers", "17,33");
}

std::vector<double> parse_double_list(const std::string& option, const std::string& text) {
  return parse_number_list<double>(option, text, "numbers", "0.8,0.9");
}

}  // namespace blade::cli
