#pragma once
// UTF-8 <-> UTF-32 conversion for the prompt cleaning, which works on code points like Python's str.

#include <string>

namespace blade::models {

// Ill-formed input becomes U+FFFD as in Python's bytes.decode("utf-8", "replace"): one per maximal
// prefix of a well-formed sequence, so overlong forms and encoded surrogates give one per byte.
std::u32string utf8_decode(const std::string& text);
std::string utf8_encode(const std::u32string& text);

// The Windows-1252 character of a C1 code point (0x80-0x9F), as browsers and ftfy read them; the
// five bytes Windows-1252 leaves undefined keep their value. Other code points are returned as is.
char32_t windows1252_c1(char32_t c);

}  // namespace blade::models
