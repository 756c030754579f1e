#pragma once
// The part of ftfy.fix_text (ftfy 6, default settings) that matters for prompts, as the Wan
// pipelines run it before tokenizing. Text is fixed line by line, each line until it is stable:
//   - HTML references ending in ';' (only while no line so far contained '<')
//   - C1 control characters read as Windows-1252 ("\x93" -> U+201C)
//   - Latin ligatures (U+FB00-FB06, IJ, DZ, LJ, NJ families) taken apart
//   - full-width ASCII (U+FF01-FF5E), U+3000 and the full-width signs U+FFE0-FFE6 made narrow
//   - curly quotes made straight (U+02BC, U+2018-201B -> ', U+201C-201F -> ")
//   - line breaks (\r\n, \r, U+2028, U+2029, U+0085) made '\n'
//   - ANSI terminal escapes ("\x1b[31m") and control characters removed
// Not covered: mojibake repair (fix_encoding: "Ã©" stays "Ã©"), half-width katakana and Hangul,
// surrogate pairs (cannot occur in valid UTF-8) and the final NFC normalisation. SentencePiece's
// own NFKC normalisation gives the same token ids for the last three.

#include <string>

namespace blade::models {

std::u32string ftfy_fix_text(const std::u32string& text);

}  // namespace blade::models
