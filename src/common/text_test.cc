#include "common/text.h"

#include <gtest/gtest.h>

#include <string>

namespace workspaced {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Utf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("caf\xc3\xa9"), 4u);
  EXPECT_EQ(Utf8Length(Repeat("\xf0\x9f\x9a\x80", 60)), 60u);  // 60 rockets, 240 bytes
  EXPECT_EQ(Utf8Length(""), 0u);
}

TEST(DisplayWidth, CountsColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("\xc3\xa9t\xc3\xa9"), 3u);           // été: 5 bytes, 3 columns
  EXPECT_EQ(DisplayWidth("e\xcc\x81"), 1u);                     // e and a combining acute
  EXPECT_EQ(DisplayWidth("\xe6\x97\xa5\xe6\x9c\xac"), 4u);  // 日本: wide
  EXPECT_EQ(DisplayWidth("\xf0\x9f\x98\x80"), 2u);            // an emoji
  EXPECT_EQ(DisplayWidth("a\xff" "b"), 3u);                      // a byte that is not UTF-8
}

TEST(Utf8Length, RefusesInvalidUtf8) {
  EXPECT_EQ(Utf8Length("\xff"), std::nullopt);
  EXPECT_EQ(Utf8Length("\xc3"), std::nullopt);              // truncated
  EXPECT_EQ(Utf8Length("\xc0\xaf"), std::nullopt);          // overlong '/'
  EXPECT_EQ(Utf8Length("\xed\xa0\x80"), std::nullopt);      // a surrogate
  EXPECT_EQ(Utf8Length("\xf4\x90\x80\x80"), std::nullopt);  // above U+10FFFF
}

TEST(HasSurroundingSpace, FindsWhiteSpaceAtEitherEndOnly) {
  EXPECT_FALSE(HasSurroundingSpace(""));
  EXPECT_FALSE(HasSurroundingSpace("alice"));
  EXPECT_FALSE(HasSurroundingSpace("alice smith"));  // inside is a name's own
  EXPECT_FALSE(HasSurroundingSpace("caf\xc3\xa9"));  // a multibyte last character
  EXPECT_TRUE(HasSurroundingSpace(" alice"));
  EXPECT_TRUE(HasSurroundingSpace("alice "));
  EXPECT_TRUE(HasSurroundingSpace("alice\t"));
  EXPECT_TRUE(
      HasSurroundingSpace("\xc2\xa0"
                          "alice"));                       // U+00A0 no-break space
  EXPECT_TRUE(HasSurroundingSpace("alice\xe3\x80\x80"));   // U+3000 ideographic space
  EXPECT_TRUE(HasSurroundingSpace("alice\xe2\x80\x8a"));   // U+200A hair space
  EXPECT_FALSE(HasSurroundingSpace("alice\xe2\x80\x8b"));  // U+200B is not White_Space
}

TEST(IsDisplaySafe, RefusesControlsAndBidiOverrides) {
  EXPECT_TRUE(IsDisplaySafe("Prod \xc3\xa9quipe \xf0\x9f\x9a\x80"));
  EXPECT_FALSE(IsDisplaySafe("a\nb"));
  EXPECT_FALSE(IsDisplaySafe("a\x7f"));
  EXPECT_FALSE(IsDisplaySafe("a\xc2\x85"));      // U+0085 NEL (C1)
  EXPECT_FALSE(IsDisplaySafe("a\xc2\x9f"));      // U+009F
  EXPECT_TRUE(IsDisplaySafe("a\xc2\xa0"));       // U+00A0 is not a control
  EXPECT_FALSE(IsDisplaySafe("a\xe2\x80\xae"));  // U+202E RLO
  EXPECT_FALSE(IsDisplaySafe("a\xe2\x80\xaa"));  // U+202A LRE
  EXPECT_FALSE(IsDisplaySafe("a\xe2\x81\xa6"));  // U+2066 LRI
  EXPECT_FALSE(IsDisplaySafe("a\xe2\x81\xa9"));  // U+2069 PDI
  EXPECT_FALSE(IsDisplaySafe("\xff"));
  EXPECT_FALSE(
      IsDisplaySafe("a\xe2\x80\xa8"
                    "b"));  // U+2028 line separator
  EXPECT_FALSE(
      IsDisplaySafe("a\xe2\x80\xa9"
                    "b"));                       // U+2029 paragraph separator
  EXPECT_FALSE(IsDisplaySafe("a\xe2\x80\x8f"));  // U+200F RLM
  EXPECT_FALSE(
      IsDisplaySafe("\xef\xbb\xbf"
                    "a"));                           // U+FEFF
  EXPECT_FALSE(IsDisplaySafe("a\xf3\xa0\x81\x81"));  // U+E0041 TAG LATIN CAPITAL A
  EXPECT_TRUE(IsDisplaySafe("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb"));  // ZWJ emoji
}

// Each shows as nothing: "admin" followed by one looks like "admin".
TEST(IsDisplaySafe, RefusesInvisibleCharactersThatJoinNothing) {
  for (const char* invisible :
       {"\xc2\xad", "\xcd\x8f", "\xe1\x85\x9f", "\xe1\x85\xa0", "\xe1\x9e\xb4",
        "\xe1\x9e\xb5", "\xe1\xa0\x8e", "\xe2\x80\x8b", "\xe2\x81\xa0", "\xe2\x81\xa4",
        "\xe2\x81\xaa", "\xe2\x81\xaf", "\xe3\x85\xa4", "\xef\xbe\xa0"})
    EXPECT_FALSE(IsDisplaySafe(std::string("admin") + invisible)) << invisible;
  EXPECT_TRUE(IsDisplaySafe("\xe2\x80\x8c"));  // ZWNJ: Persian and Indic scripts need it
  EXPECT_TRUE(IsDisplaySafe("\xe2\x9d\xa4\xef\xb8\x8f"));  // a variation selector (emoji)
}

TEST(BoundedText, KeepsSafeTextAsItIs) {
  EXPECT_EQ(BoundedText("curl/8.5.0", 64), "curl/8.5.0");
  EXPECT_EQ(BoundedText("caf\xc3\xa9 =HYPERLINK(\"x\")", 64), "caf\xc3\xa9 =HYPERLINK(\"x\")");
  EXPECT_EQ(BoundedText("", 64), "");
}

TEST(BoundedText, EscapesControlsInvalidBytesBidiAndTheBackslash) {
  EXPECT_EQ(BoundedText("a\tb\nc\x7f", 64), "a\\x09b\\x0ac\\x7f");
  EXPECT_EQ(BoundedText("\xff\xc3", 64), "\\xff\\xc3");
  EXPECT_EQ(BoundedText("x\xc2\x85y", 64), "x\\u0085y");                // C1 NEL
  EXPECT_EQ(BoundedText("x\xe2\x80\xa8y", 64), "x\\u2028y");            // line separator
  EXPECT_EQ(BoundedText("x\xf3\xa0\x81\x81y", 64), "x\\U000e0041y");    // tag A
  EXPECT_EQ(BoundedText("\xe2\x80\xaegpj.exe", 64), "\\u202egpj.exe");  // RLO
  EXPECT_EQ(BoundedText("C:\\x07", 64), "C:\\\\x07");  // not confusable with an escape
}

TEST(BoundedText, CutsLongTextAtACharacterBoundaryWithinTheLimit) {
  const std::string cut = BoundedText(std::string(12 * 1024, 'a'), 256);
  EXPECT_EQ(cut.size(), 256u);
  EXPECT_EQ(cut.substr(253), "\xe2\x80\xa6");
  EXPECT_EQ(cut.substr(0, 253), std::string(253, 'a'));
  // Multi-byte characters and escapes are never split.
  std::string rockets;
  for (int i = 0; i < 100; ++i) rockets += "\xf0\x9f\x9a\x80";
  const std::string r = BoundedText(rockets, 30);
  EXPECT_LE(r.size(), 30u);
  EXPECT_TRUE(Utf8Length(r).has_value());
  EXPECT_EQ(r, Repeat("\xf0\x9f\x9a\x80", 6) + "\xe2\x80\xa6");
  const std::string escapes = BoundedText(std::string(100, '\n'), 20);
  EXPECT_EQ(escapes, Repeat("\\x0a", 4) + "\xe2\x80\xa6");
}

// A refusal's user agent is made safe once (BoundedText, by the API) and
// cut again by the denial counts: cutting never escapes a backslash twice.
TEST(Text, CuttingBoundedTextEscapesNothingAgain) {
  const std::string safe = BoundedText("agent\\x\n\xff", 64);
  EXPECT_EQ(safe, "agent\\\\x\\x0a\\xff");
  EXPECT_EQ(CutBoundedText(safe, 64), safe);
  const std::string cut = CutBoundedText(std::string(10, 'a') + "\xc3\xa9" + std::string(10, 'b'), 14);
  EXPECT_EQ(cut, std::string(10, 'a') + "\xe2\x80\xa6");  // never half of the é
  EXPECT_LE(cut.size(), 14u);
}

}  // namespace
}  // namespace workspaced
