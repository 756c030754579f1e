#include "models/text/html_unescape.h"

#include "models/text/utf8.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace blade::models {

namespace {

struct Entity {
  std::string_view name;
  char32_t code_point;
};

// The HTML 4 named references and &apos;, with HTML5's values (&lang;/&rang; are U+27E8/U+27E9).
constexpr Entity kEntities[] = {
  {"quot", 0x22}, {"amp", 0x26}, {"apos", 0x27}, {"lt", 0x3C}, {"gt", 0x3E}, {"nbsp", 0xA0},
  {"iexcl", 0xA1}, {"cent", 0xA2}, {"pound", 0xA3}, {"curren", 0xA4}, {"yen", 0xA5},
  {"brvbar", 0xA6}, {"sect", 0xA7}, {"uml", 0xA8}, {"copy", 0xA9}, {"ordf", 0xAA}, {"laquo", 0xAB},
  {"not", 0xAC}, {"shy", 0xAD}, {"reg", 0xAE}, {"macr", 0xAF}, {"deg", 0xB0}, {"plusmn", 0xB1},
  {"sup2", 0xB2}, {"sup3", 0xB3}, {"acute", 0xB4}, {"micro", 0xB5}, {"para", 0xB6},
  {"middot", 0xB7}, {"cedil", 0xB8}, {"sup1", 0xB9}, {"ordm", 0xBA}, {"raquo", 0xBB},
  {"frac14", 0xBC}, {"frac12", 0xBD}, {"frac34", 0xBE}, {"iquest", 0xBF}, {"Agrave", 0xC0},
  {"Aacute", 0xC1}, {"Acirc", 0xC2}, {"Atilde", 0xC3}, {"Auml", 0xC4}, {"Aring", 0xC5},
  {"AElig", 0xC6}, {"Ccedil", 0xC7}, {"Egrave", 0xC8}, {"Eacute", 0xC9}, {"Ecirc", 0xCA},
  {"Euml", 0xCB}, {"Igrave", 0xCC}, {"Iacute", 0xCD}, {"Icirc", 0xCE}, {"Iuml", 0xCF},
  {"ETH", 0xD0}, {"Ntilde", 0xD1}, {"Ograve", 0xD2}, {"Oacute", 0xD3}, {"Ocirc", 0xD4},
  {"Otilde", 0xD5}, {"Ouml", 0xD6}, {"times", 0xD7}, {"Oslash", 0xD8}, {"Ugrave", 0xD9},
  {"Uacute", 0xDA}, {"Ucirc", 0xDB}, {"Uuml", 0xDC}, {"Yacute", 0xDD}, {"THORN", 0xDE},
  {"szlig", 0xDF}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2}, {"atilde", 0xE3},
  {"auml", 0xE4}, {"aring", 0xE5}, {"aelig", 0xE6}, {"ccedil", 0xE7}, {"egrave", 0xE8},
  {"eacute", 0xE9}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"igrave", 0xEC}, {"iacute", 0xED},
  {"icirc", 0xEE}, {"iuml", 0xEF}, {"eth", 0xF0}, {"ntilde", 0xF1}, {"ograve", 0xF2},
  {"oacute", 0xF3}, {"ocirc", 0xF4}, {"otilde", 0xF5}, {"ouml", 0xF6}, {"divide", 0xF7},
  {"oslash", 0xF8}, {"ugrave", 0xF9}, {"uacute", 0xFA}, {"ucirc", 0xFB}, {"uuml", 0xFC},
  {"yacute", 0xFD}, {"thorn", 0xFE}, {"yuml", 0xFF}, {"OElig", 0x152}, {"oelig", 0x153},
  {"Scaron", 0x160}, {"scaron", 0x161}, {"Yuml", 0x178}, {"fnof", 0x192}, {"circ", 0x2C6},
  {"tilde", 0x2DC}, {"Alpha", 0x391}, {"Beta", 0x392}, {"Gamma", 0x393}, {"Delta", 0x394},
  {"Epsilon", 0x395}, {"Zeta", 0x396}, {"Eta", 0x397}, {"Theta", 0x398}, {"Iota", 0x399},
  {"Kappa", 0x39A}, {"Lambda", 0x39B}, {"Mu", 0x39C}, {"Nu", 0x39D}, {"Xi", 0x39E},
  {"Omicron", 0x39F}, {"Pi", 0x3A0}, {"Rho", 0x3A1}, {"Sigma", 0x3A3}, {"Tau", 0x3A4},
  {"Upsilon", 0x3A5}, {"Phi", 0x3A6}, {"Chi", 0x3A7}, {"Psi", 0x3A8}, {"Omega", 0x3A9},
  {"alpha", 0x3B1}, {"beta", 0x3B2}, {"gamma", 0x3B3}, {"delta", 0x3B4}, {"epsilon", 0x3B5},
  {"zeta", 0x3B6}, {"eta", 0x3B7}, {"theta", 0x3B8}, {"iota", 0x3B9}, {"kappa", 0x3BA},
  {"lambda", 0x3BB}, {"mu", 0x3BC}, {"nu", 0x3BD}, {"xi", 0x3BE}, {"omicron", 0x3BF},
  {"pi", 0x3C0}, {"rho", 0x3C1}, {"sigmaf", 0x3C2}, {"sigma", 0x3C3}, {"tau", 0x3C4},
  {"upsilon", 0x3C5}, {"phi", 0x3C6}, {"chi", 0x3C7}, {"psi", 0x3C8}, {"omega", 0x3C9},
  {"thetasym", 0x3D1}, {"upsih", 0x3D2}, {"piv", 0x3D6}, {"ensp", 0x2002}, {"emsp", 0x2003},
  {"thinsp", 0x2009}, {"zwnj", 0x200C}, {"zwj", 0x200D}, {"lrm", 0x200E}, {"rlm", 0x200F},
  {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
  {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"dagger", 0x2020}, {"Dagger", 0x2021},
  {"bull", 0x2022}, {"hellip", 0x2026}, {"permil", 0x2030}, {"prime", 0x2032}, {"Prime", 0x2033},
  {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"oline", 0x203E}, {"frasl", 0x2044}, {"euro", 0x20AC},
  {"image", 0x2111}, {"weierp", 0x2118}, {"real", 0x211C}, {"trade", 0x2122}, {"alefsym", 0x2135},
  {"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192}, {"darr", 0x2193}, {"harr", 0x2194},
  {"crarr", 0x21B5}, {"lArr", 0x21D0}, {"uArr", 0x21D1}, {"rArr", 0x21D2}, {"dArr", 0x21D3},
  {"hArr", 0x21D4}, {"forall", 0x2200}, {"part", 0x2202}, {"exist", 0x2203}, {"empty", 0x2205},
  {"nabla", 0x2207}, {"isin", 0x2208}, {"notin", 0x2209}, {"ni", 0x220B}, {"prod", 0x220F},
  {"sum", 0x2211}, {"minus", 0x2212}, {"lowast", 0x2217}, {"radic", 0x221A}, {"prop", 0x221D},
  {"infin", 0x221E}, {"ang", 0x2220}, {"and", 0x2227}, {"or", 0x2228}, {"cap", 0x2229},
  {"cup", 0x222A}, {"int", 0x222B}, {"there4", 0x2234}, {"sim", 0x223C}, {"cong", 0x2245},
  {"asymp", 0x2248}, {"ne", 0x2260}, {"equiv", 0x2261}, {"le", 0x2264}, {"ge", 0x2265},
  {"sub", 0x2282}, {"sup", 0x2283}, {"nsub", 0x2284}, {"sube", 0x2286}, {"supe", 0x2287},
  {"oplus", 0x2295}, {"otimes", 0x2297}, {"perp", 0x22A5}, {"sdot", 0x22C5}, {"lceil", 0x2308},
  {"rceil", 0x2309}, {"lfloor", 0x230A}, {"rfloor", 0x230B}, {"lang", 0x27E8}, {"rang", 0x27E9},
  {"loz", 0x25CA}, {"spades", 0x2660}, {"clubs", 0x2663}, {"hearts", 0x2665}, {"diams", 0x2666},
};

std::optional<char32_t> lookup_entity(std::u32string_view name) {
  for (const auto& entity : kEntities) {
    if (entity.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), entity.name.begin(),
                   [](char32_t a, char b) { return a == static_cast<unsigned char>(b); })) {
      return entity.code_point;
    }
  }
  return std::nullopt;
}

// HTML5 also accepts these names without the closing ';' (the Latin-1 set and a few capitals).
bool is_legacy_name(std::u32string_view name) {
  static const std::u32string_view kCapitals[] = {U"AMP", U"LT", U"GT", U"QUOT", U"COPY", U"REG"};
  if (std::find(std::begin(kCapitals), std::end(kCapitals), name) != std::end(kCapitals)) return true;
  const auto cp = lookup_entity(name);
  return cp && ((*cp >= 0xA0 && *cp <= 0xFF) || *cp == U'&' || *cp == U'<' || *cp == U'>' || *cp == U'"') &&
         name != U"apos";
}

std::optional<char32_t> lookup_with_capitals(std::u32string_view name) {
  static const std::pair<std::u32string_view, char32_t> kCapitals[] = {
      {U"AMP", U'&'}, {U"LT", U'<'}, {U"GT", U'>'}, {U"QUOT", U'"'}, {U"COPY", 0xA9}, {U"REG", 0xAE}};
  for (const auto& [capital, cp] : kCapitals) {
    if (capital == name) return cp;
  }
  return lookup_entity(name);
}

// The decoded form of a numeric reference whose value is `value` (saturated at 0x110000).
std::u32string numeric_reference(char32_t value) {
  if (value == 0) return U"\uFFFD";
  if (value == 0x0D) return U"\r";
  if (value >= 0x80 && value <= 0x9F) return std::u32string(1, windows1252_c1(value));
  if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return U"\uFFFD";
  const bool invalid = (value >= 0x01 && value <= 0x08) || value == 0x0B || (value >= 0x0E && value <= 0x1F) ||
                       value == 0x7F || (value >= 0xFDD0 && value <= 0xFDEF) || (value & 0xFFFE) == 0xFFFE;
  if (invalid) return U"";
  return std::u32string(1, value);
}

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_hex_digit(char32_t c) { return is_digit(c) || (c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F'); }
bool is_ascii_alnum(char32_t c) { return is_digit(c) || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
int hex_value(char32_t c) { return is_digit(c) ? c - U'0' : (c | 0x20) - U'a' + 10; }

// Parses the digits of a numeric reference at text[pos...]; returns the value (saturated) and
// the end position, or nullopt when there is no digit.
std::optional<std::pair<char32_t, size_t>> parse_number(const std::u32string& text, size_t pos) {
  const bool hex = pos < text.size() && (text[pos] == U'x' || text[pos] == U'X');
  size_t i = hex ? pos + 1 : pos;
  const size_t first_digit = i;
  uint32_t value = 0;
  while (i < text.size() && (hex ? is_hex_digit(text[i]) : is_digit(text[i]))) {
    value = std::min<uint32_t>(0x110000, value * (hex ? 16 : 10) + (hex ? hex_value(text[i]) : text[i] - U'0'));
    ++i;
  }
  if (i == first_digit) return std::nullopt;
  return std::make_pair(static_cast<char32_t>(value), i);
}

// Python's str.upper() for the characters the HTML 4 names stand for.
std::u32string to_upper(char32_t c) {
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)) return {c - 0x20};
  switch (c) {
    case 0xDF: return U"SS";
    case 0xFF: return {0x178};
    case 0xB5: return {0x39C};
    case 0x192: return {0x191};
    case 0x153: return {0x152};
    case 0x161: return {0x160};
    case 0x3C2: return {0x3A3};
    case 0x3D1: return {0x398};
    case 0x3D6: return {0x3A0};
    default: return {c};
  }
}

}  // namespace

std::u32string html_unescape(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != U'&' || i + 1 >= text.size()) {
      out.push_back(text[i++]);
      continue;
    }
    if (text[i + 1] == U'#') {
      const auto number = parse_number(text, i + 2);
      if (!number) {
        out.push_back(text[i++]);
        continue;
      }
      auto [value, end] = *number;
      if (end < text.size() && text[end] == U';') ++end;
      out += numeric_reference(value);
      i = end;
      continue;
    }
    // A name: up to 32 characters other than tab, newline, form feed, space, '<', '&', '#', ';'.
    size_t end = i + 1;
    while (end < text.size() && end - (i + 1) < 32 &&
           std::u32string_view(U"\t\n\f <&#;").find(text[end]) == std::u32string_view::npos) {
      ++end;
    }
    if (end == i + 1) {
      out.push_back(text[i++]);
      continue;
    }
    const std::u32string_view name(text.data() + i + 1, end - (i + 1));
    if (end < text.size() && text[end] == U';') {
      if (const auto cp = lookup_with_capitals(name)) {
        out.push_back(*cp);
        i = end + 1;
        continue;
      }
    } else if (is_legacy_name(name)) {
      out.push_back(*lookup_with_capitals(name));
      i = end;
      continue;
    }
    // The longest legacy name that is a proper prefix (at least 2 characters): "&ampfoo" -> "&foo".
    bool replaced = false;
    for (size_t length = name.size() - 1; length >= 2; --length) {
      if (is_legacy_name(name.substr(0, length))) {
        out.push_back(*lookup_with_capitals(name.substr(0, length)));
        i += 1 + length;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(text[i++]);
  }
  return out;
}

std::u32string ftfy_unescape_html(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != U'&') {
      out.push_back(text[i++]);
      continue;
    }
    // "&#?[0-9A-Za-z]{1,24};"
    const bool numeric = i + 1 < text.size() && text[i + 1] == U'#';
    const size_t start = i + (numeric ? 2 : 1);
    size_t end = start;
    while (end < text.size() && is_ascii_alnum(text[end])) ++end;
    if (end == start || end - start > 24 || end >= text.size() || text[end] != U';') {
      out.push_back(text[i++]);
      continue;
    }
    const std::u32string_view body(text.data() + start, end - start);
    std::optional<std::u32string> decoded;
    if (numeric) {
      // Only a complete "&#NN;" or "&#xHH;" counts.
      const auto number = parse_number(text, start);
      // ftfy keeps the reference when it decodes to ';' (its test for "only partly decoded").
      if (number && number->second == end && number->first != U';') decoded = numeric_reference(number->first);
    } else if (const auto cp = lookup_with_capitals(body)) {
      decoded = std::u32string(1, *cp);
    } else {
      std::u32string lower(body);
      for (auto& c : lower) c = (c >= U'A' && c <= U'Z') ? c + 32 : c;
      const bool all_caps = std::none_of(body.begin(), body.end(), [](char32_t c) { return c >= U'a' && c <= U'z'; });
      if (all_caps) {  // the table's names are exact, so this finds lowercase names only
        if (const auto lower_cp = lookup_entity(lower)) decoded = to_upper(*lower_cp);
      }
    }
    if (decoded) {
      out += *decoded;
      i = end + 1;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace blade::models
