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

TEST(Utf8Length, RefusesInvalidUtf8) {
  EXPECT_EQ(Utf8Length("\xff"), std::nullopt);
  EXPECT_EQ(Utf8Length("\xc3"), std::nullopt);              // truncated
  EXPECT_EQ(Utf8Length("\xc0\xaf"), std::nullopt);          // overlong '/'
  EXPECT_EQ(Utf8Length("\xed\xa0\x80"), std::nullopt);      // a surrogate
  EXPECT_EQ(Utf8Length("\xf4\x90\x80\x80"), std::nullopt);  // above U+10FFFF
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
}

}  // namespace
}  // namespace workspaced
