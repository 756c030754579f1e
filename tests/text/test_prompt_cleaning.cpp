// Prompt cleaning, piece by piece: Python's html.unescape, the ftfy fixers the Wan pipelines run, and
// diffusers' prompt_clean. Expected values were produced with Python 3 html and ftfy 6.3.

#include "models/text/ftfy_fixes.h"
#include "models/text/html_unescape.h"
#include "models/text/prompt_tokenizer.h"
#include "models/text/utf8.h"

#include <QtTest>

using namespace blade::models;

namespace {

std::string unescape(const std::string& text) { return utf8_encode(html_unescape(utf8_decode(text))); }
std::string fix_text(const std::string& text) { return utf8_encode(ftfy_fix_text(utf8_decode(text))); }

void compare_all(const char* what, std::string (*function)(const std::string&),
                 const std::vector<std::pair<std::string, std::string>>& cases) {
  int mismatches = 0;
  for (const auto& [input, expected] : cases) {
    const auto got = function(input);
    if (got != expected) {
      ++mismatches;
      qWarning("%s(\"%s\") = \"%s\", expected \"%s\"", what, input.c_str(), got.c_str(), expected.c_str());
    }
  }
  QCOMPARE(mismatches, 0);
}

}  // namespace

class TestPromptCleaning : public QObject {
  Q_OBJECT
 private slots:
  void html_unescape_is_pythons() {
    compare_all("html.unescape", unescape,
                {{"&amp;", "&"}, {"&amp", "&"}, {"&ampx", "&x"}, {"&notit;", "\u00ACit;"}, {"&notin;", "\u2209"},
                 {"&#39;", "'"}, {"&#x27;", "'"}, {"&#65", "A"}, {"&#128;", "\u20AC"}, {"&#0;", "\uFFFD"},
                 {"&#xD800;", "\uFFFD"}, {"&#x110000;", "\uFFFD"}, {"&#1;", ""}, {"&#x7f;", ""}, {"&AMP;", "&"},
                 {"&EACUTE;", "&EACUTE;"}, {"&eacute", "\u00E9"}, {"&Eacute;", "\u00C9"}, {"&foo;", "&foo;"},
                 {"& amp;", "& amp;"}, {"&#;", "&#;"}, {"&#x;", "&#x;"}, {"&lang;", "\u27E8"},
                 {"&hellip;", "\u2026"}, {"&amp;amp;", "&amp;"}, {"a & b", "a & b"}, {"&", "&"}});
  }

  void ftfy_fixes_are_ftfys() {
    compare_all("ftfy.fix_text", fix_text,
                {{"&EACUTE;cole", "\u00C9cole"},
                 {"\u0093quoted\u0094 text", "\"quoted\" text"},
                 {"a\r\nb\rc\u2028d", "a\nb\nc\nd"},
                 {"x &lt;b&gt; y\n<i> &amp;lt; z", "x <b> y\n<i> &amp;lt; z"},  // no unescaping after a '<'
                 {"\uFB03 \uFB04 \u0132 \u01C6", "ffi ffl IJ d\u017E"},
                 {"\uFF21\uFF22\uFF23\u3000\uFF11\uFF12\uFF13 \uFFE5", "ABC 123 \u00A5"},
                 {"\u2018a\u2019 \u201Cb\u201D \u02BCc", "'a' \"b\" 'c"},
                 {"\x1b[1;31mbold\x1b[0m\x07", "bold"},
                 {"\uFEFFbom\u206A", "bom"},
                 {"&#x80; &#150;", "\u20AC \u2013"},
                 {"&#59;", "&#59;"},
                 {"&amp", "&amp"},
                 {"&notit;", "&notit;"},
                 {"&Eacute &eacute;", "&Eacute \u00E9"},
                 {"&#65;&#066", "A&#066"},
                 {"\u200B", "\u200B"}});
  }

  void prompt_clean_is_diffusers() {
    compare_all("prompt_clean", PromptTokenizer::clean,
                {{"a\r\nb\rc\u2028d", "a b c d"},
                 {"x &lt;b&gt; y\n<i> &amp;lt; z", "x <b> y <i> < z"},
                 {"&lt;i&gt;\n&amp;", "<i> &"},
                 {"caf\u00E9 &amp;amp; co", "caf\u00E9 & co"},
                 {"&#59;", ";"},
                 {"&ampx", "&x"},
                 {"&Eacute &eacute;", "\u00C9 \u00E9"},
                 {"l\u00E9t\u00E9 \t\t\n  end  ", "l\u00E9t\u00E9 end"},
                 {"\u00A0\u2003\u205F", ""},
                 {"", ""}});
  }

  void invalid_utf8_decodes_like_python() {  // bytes.decode("utf-8", "replace")
    const std::pair<std::string, std::u32string> cases[] = {
        {"a\xff" "b", U"a\uFFFDb"},
        {"\xe2\x82", U"\uFFFD"},
        {"\xed\xa0\x80", U"\uFFFD\uFFFD\uFFFD"},
        {"\xc0\x80", U"\uFFFD\uFFFD"},
        {"\xe0\x80\xaf", U"\uFFFD\uFFFD\uFFFD"},
        {"\xf4\x90\x80\x80", U"\uFFFD\uFFFD\uFFFD\uFFFD"},
        {"\xf0\x9f\x90x", U"\uFFFDx"},
        {"\xe2x\xac", U"\uFFFDx\uFFFD"},
        {"\xf5\x80", U"\uFFFD\uFFFD"},
        {"\xe2\x82\xac\xf0\x9f\x90\xb1", U"\u20AC\U0001F431"},
    };
    for (const auto& [bytes, expected] : cases) QVERIFY2(utf8_decode(bytes) == expected, bytes.c_str());
    const std::u32string all = U"a\u00E9\u07FF\u0800\uD7FF\uE000\uFFFD\U00010000\U0010FFFF";
    QVERIFY(utf8_decode(utf8_encode(all)) == all);
  }
};

QTEST_APPLESS_MAIN(TestPromptCleaning)
#include "test_prompt_cleaning.moc"
