#pragma once
// A small command-line parser: `blade <command> [--name value | --flag]... [positional]...`.
// Every option must be declared by the command; anything else is an InvalidArgument naming it.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace blade::cli {

class Arguments {
 public:
  // `values`: options that take a value; `flags`: options without one.
  Arguments(const std::vector<std::string>& argv, const std::set<std::string>& values, const std::set<std::string>& flags);

  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
  std::string value_or(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  int get_int(const std::string& name, int fallback) const;
  uint64_t get_u64(const std::string& name, uint64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positional_;
};

// "832x480" -> {832, 480} (both positive); InvalidArgument naming --<option> otherwise.
std::pair<int, int> parse_size(const std::string& text, const std::string& option = "size");
// "17,33,49" -> {17, 33, 49} (and "0.8,0.9" for the double list); InvalidArgument naming --option
// otherwise.
std::vector<int> parse_int_list(const std::string& option, const std::string& text);
// "a,b" -> {"a", "b"}; InvalidArgument naming --option, the kind of item and an example for an empty item.
std::vector<std::string> parse_name_list(const std::string& option, const std::string& text, const char* kind,
                                         const char* example);
std::vector<double> parse_double_list(const std::string& option, const std::string& text);

}  // namespace blade::cli
