#include "models/text/ftfy_fixes.h"

#include "models/text/html_unescape.h"
#include "models/text/utf8.h"

#include <algorithm>

namespace blade::models {

namespace {

std::u32string_view ligature(char32_t c) {
  switch (c) {
    case 0x132: return U"IJ";
    case 0x133: return U"ij";
    case 0x149: return U"\u02BCn";
    case 0x1C4: return U"D\u017D";
    case 0x1C5: return U"D\u017E";
    case 0x1C6: return U"d\u017E";
    case 0x1C7: return U"LJ";
    case 0x1C8: return U"Lj";
    case 0x1C9: return U"lj";
    case 0x1CA: return U"NJ";
    case 0x1CB: return U"Nj";
    case 0x1CC: return U"nj";
    case 0x1F1: return U"DZ";
    case 0x1F2: return U"Dz";
    case 0x1F3: return U"dz";
    case 0xFB00: return U"ff";
    case 0xFB01: return U"fi";
    case 0xFB02: return U"fl";
    case 0xFB03: return U"ffi";
    case 0xFB04: return U"ffl";
    case 0xFB05: return U"\u017Ft";
    case 0xFB06: return U"st";
    default: return {};
  }
}

char32_t narrow(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
  if (c == 0x3000) return U' ';
  static constexpr char32_t kSigns[] = {0xA2, 0xA3, 0xAC, 0xAF, 0xA6, 0xA5, 0x20A9};  // U+FFE0-FFE6
  if (c >= 0xFFE0 && c <= 0xFFE6) return kSigns[c - 0xFFE0];
  return c;
}

char32_t uncurl(char32_t c) {
  if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) return U'\'';
  if (c >= 0x201C && c <= 0x201F) return U'"';
  return c;
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One pass of ftfy's fixers over a line, in ftfy's order.
std::u32string fix_once(const std::u32string& line, bool unescape_html) {
  std::u32string text = unescape_html ? ftfy_unescape_html(line) : line;

  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    c = windows1252_c1(c);
    if (const auto parts = ligature(c); !parts.empty()) {
      out += parts;
      continue;
    }
    out.push_back(uncurl(narrow(c)));
  }
  text.swap(out);

  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\r') {
      out.push_back(U'\n');
      if (i + 1 < text.size() && text[i + 1] == U'\n') ++i;
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      out.push_back(U'\n');
    } else {
      out.push_back(c);
    }
  }
  text.swap(out);

  // ANSI escapes: ESC '[' [0-9;]* letter.
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == U'[') {
      size_t j = i + 2;
      while (j < text.size() && ((text[j] >= U'0' && text[j] <= U'9') || text[j] == U';')) ++j;
      if (j < text.size() && ((text[j] >= U'a' && text[j] <= U'z') || (text[j] >= U'A' && text[j] <= U'Z'))) {
        i = j;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  std::erase_if(out, is_removed_control);
  return out;
}

}  // namespace

std::u32string ftfy_fix_text(const std::u32string& text) {
  std::u32string result;
  result.reserve(text.size());
  bool unescape_html = true;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t newline = text.find(U'\n', pos);
    const size_t end = newline == std::u32string::npos ? text.size() : newline + 1;
    std::u32string line = text.substr(pos, end - pos);
    // ftfy stops decoding HTML for good at the first line that looks like markup.
    if (line.find(U'<') != std::u32string::npos) unescape_html = false;
    for (int pass = 0; pass < 100; ++pass) {  // ftfy loops until nothing changes
      std::u32string fixed = fix_once(line, unescape_html);
      if (fixed == line) break;
      line.swap(fixed);
    }
    result += line;
    pos = end;
  }
  return result;
}

}  // namespace blade::models
