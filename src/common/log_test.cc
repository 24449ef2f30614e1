#include "common/log.h"

#include <gtest/gtest.h>

namespace workspaced::log {
namespace {

TEST(AppendJsonEscaped, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out = "x";
  AppendJsonEscaped(out, std::string_view("a\"b\\c\n\x01 d\xc3\xa9", 11));
  EXPECT_EQ(out, "xa\\\"b\\\\c\\u000a\\u0001 d\xc3\xa9");
  out.clear();
  AppendJsonEscaped(out, "plain");
  EXPECT_EQ(out, "plain");
  out.clear();
  AppendJsonEscaped(out, "\"");
  EXPECT_EQ(out, "\\\"");
}

TEST(AppendJsonEscaped, ReplacesBytesThatAreNotUtf8SoTheOutputStaysJson) {
  // A User-Agent of raw bytes, a truncated sequence, a surrogate, an
  // overlong form: each bad byte becomes U+FFFD; valid sequences pass.
  std::string out;
  const std::string_view in(
      "ab\xff\xfe\xc3\xa9 \xe2\x82 "
      "\xed\xa0\x80 \xc0\xaf\xf0\x9f\x98\x80",
      20);
  AppendJsonEscaped(out, in);
  EXPECT_EQ(out,
            "ab\\ufffd\\ufffd\xc3\xa9 \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
            "\\ufffd\\ufffd\xf0\x9f\x98\x80");
}

TEST(AppendTextValue, QuotesAndEscapesWhatCouldForgeAFieldOrALine) {
  std::string out;
  AppendTextValue(out, "curl/8.5");
  EXPECT_EQ(out, "curl/8.5");
  out.clear();
  AppendTextValue(out, "x\" status=200 user=admin");
  EXPECT_EQ(out, "\"x\\\" status=200 user=admin\"");
  out.clear();
  AppendTextValue(out, std::string_view("a\nb\rc\td\\e\x01\x7f", 11));
  EXPECT_EQ(out, "\"a\\nb\\rc\\td\\\\e\\x01\\x7f\"");
  out.clear();
  AppendTextValue(out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  AppendTextValue(out, "k=v");
  EXPECT_EQ(out, "\"k=v\"");
}

}  // namespace
}  // namespace workspaced::log
