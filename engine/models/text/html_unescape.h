#pragma once
// HTML character references, as the Wan prompt cleaning decodes them (Python's html.unescape and
// ftfy's stricter unescape_html). Covered: every numeric reference and the 253 named references of
// HTML 4 (plus &apos;), with HTML5's values; the other ~2,000 HTML5 names stay as written.

#include <string>

namespace blade::models {

// Python html.unescape: named references with or without ';' (without only for the legacy names
// such as "&amp" or "&eacute", longest prefix wins), &#NN; and &#xHH; with the HTML5 rules for
// invalid numbers (C1 range as Windows-1252, 0 and surrogates -> U+FFFD, noncharacters removed).
std::u32string html_unescape(const std::u32string& text);

// ftfy's unescape_html: only references that end in ';' (names up to 24 letters/digits), plus
// all-caps versions of lowercase names ("&EACUTE;" -> "É").
std::u32string ftfy_unescape_html(const std::u32string& text);

}  // namespace blade::models
