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

}  // namespace
}  // namespace workspaced::log
