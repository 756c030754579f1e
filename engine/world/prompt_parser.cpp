#include "world/prompt_parser.h"

#include "core/error.h"
#include "world/prompt_vocabulary.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

namespace blade::world {
namespace {

using Tokens = std::vector<std::string>;

Tokens tokenize(const std::string& text) {
  std::string spaced;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ',') spaced += " , ";
    else if (std::isalpha(u)) spaced += static_cast<char>(std::tolower(u));
    else spaced += ' ';
  }
  Tokens tokens;
  std::istringstream stream(spaced);
  for (std::string word; stream >> word;) tokens.push_back(word);
  return tokens;
}

std::string join(const Tokens& tokens) {
  std::string text;
  for (const auto& t : tokens) text += (text.empty() ? "" : " ") + t;
  return text;
}

// Position of `phrase` (already tokenized) in `tokens`, or npos.
size_t find_phrase(const Tokens& tokens, const Tokens& phrase) {
  if (phrase.empty() || phrase.size() > tokens.size()) return std::string::npos;
  for (size_t i = 0; i + phrase.size() <= tokens.size(); ++i) {
    bool same = true;
    for (size_t k = 0; k < phrase.size() && same; ++k) same = tokens[i + k] == phrase[k];
    if (same) return i;
  }
  return std::string::npos;
}

struct Match {
  size_t position = std::string::npos;
  size_t length = 0;
};

// The longest phrase of any value in `values` that occurs in `tokens`; ties go to the earliest.
template <typename Values, typename WordsOf, typename Value>
Match find_value(const Tokens& tokens, const Values& values, WordsOf words_of, Value& found) {
  Match best;
  for (const auto& value : values) {
    for (const auto& phrase : words_of(value)) {
      const Tokens phrase_tokens = tokenize(phrase);
      const size_t at = find_phrase(tokens, phrase_tokens);
      if (at == std::string::npos) continue;
      if (phrase_tokens.size() > best.length || (phrase_tokens.size() == best.length && at < best.position)) {
        best = {at, phrase_tokens.size()};
        found = value;
      }
    }
  }
  return best;
}

template <typename Value, typename Values>
Value require(const Tokens& tokens, const Values& values, const char* what, const std::string& clause) {
  Value value{};
  const Match match = find_value(tokens, values, [](Value v) { return vocabulary::words(v); }, value);
  if (match.position == std::string::npos) {
    fail(ErrorKind::InvalidArgument, "expected a {} word in '{}', found none", what, clause);
  }
  return value;
}

struct MotionSpeed {
  Motion motion = Motion::Left;
  Speed speed = Speed::Slow;
};

ObjectAttributes parse_object(Tokens tokens) {
  const std::string clause = join(tokens);
  std::vector<MotionSpeed> motions;
  for (Motion m : kMotions)
    for (Speed s : kSpeeds) motions.push_back({m, s});
  MotionSpeed motion;
  const Match match = find_value(
      tokens, motions, [](const MotionSpeed& ms) { return vocabulary::phrases(ms.motion, ms.speed); }, motion);
  if (match.position == std::string::npos) {
    fail(ErrorKind::InvalidArgument, "expected a motion phrase (e.g. 'drifts to the left') in '{}', found none", clause);
  }
  // Remove the motion phrase first: its words must not be read as a size or colour.
  tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(match.position),
               tokens.begin() + static_cast<std::ptrdiff_t>(match.position + match.length));
  ObjectAttributes object;
  object.motion = motion.motion;
  object.speed = motion.speed;
  object.colour = require<Colour>(tokens, kColours, "colour", clause);
  object.shape = require<Shape>(tokens, kShapes, "shape", clause);
  object.size = require<Size>(tokens, kSizes, "size", clause);
  return object;
}

}  // namespace

SceneAttributes parse_prompt(const std::string& prompt) {
  const Tokens tokens = tokenize(prompt);
  Match marker;
  for (const auto& phrase : vocabulary::background_markers()) {
    const Tokens marker_tokens = tokenize(phrase);
    const size_t at = find_phrase(tokens, marker_tokens);
    if (at != std::string::npos && at < marker.position) marker = {at, marker_tokens.size()};
  }
  if (marker.position == std::string::npos) {
    fail(ErrorKind::InvalidArgument, "expected a background phrase starting with 'over', 'against' or 'in front of' in '{}'",
         prompt);
  }
  size_t end = marker.position + marker.length;
  while (end < tokens.size() && tokens[end] != ",") ++end;
  const Tokens background_tokens(tokens.begin() + static_cast<std::ptrdiff_t>(marker.position + marker.length),
                                 tokens.begin() + static_cast<std::ptrdiff_t>(end));
  SceneAttributes scene;
  const std::string background_clause = join(background_tokens);
  scene.background.tone = require<Tone>(background_tokens, kTones, "background tone", background_clause);
  scene.background.kind = require<BackgroundKind>(background_tokens, kBackgroundKinds, "background kind", background_clause);

  Tokens rest(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(marker.position));
  rest.insert(rest.end(), tokens.begin() + static_cast<std::ptrdiff_t>(end), tokens.end());
  Tokens clause;
  const auto& joiners = vocabulary::object_joiners();
  auto flush = [&] {
    bool has_words = false;
    for (const auto& t : clause) has_words = has_words || t != ",";
    if (has_words) scene.objects.push_back(parse_object(clause));
    clause.clear();
  };
  for (const auto& token : rest) {
    if (std::find(joiners.begin(), joiners.end(), token) != joiners.end()) flush();
    else clause.push_back(token);
  }
  flush();
  if (scene.objects.empty() || scene.objects.size() > 2) {
    fail(ErrorKind::InvalidArgument, "expected 1 or 2 objects in '{}', found {}", prompt, scene.objects.size());
  }
  return scene;
}

std::optional<SceneAttributes> try_parse_prompt(const std::string& prompt) {
  try {
    return parse_prompt(prompt);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace blade::world
