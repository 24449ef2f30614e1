#include "common/time_format.h"

#include <gtest/gtest.h>

namespace workspaced {
namespace {

TEST(Rfc3339, FormatsSecondsAndMicros) {
  const Micros t = 1777636800'000000 + 123456;  // 2026-05-01T12:00:00.123456Z
  EXPECT_EQ(FormatRfc3339(t), "2026-05-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339Micros(t), "2026-05-01T12:00:00.123456Z");
}

TEST(Rfc3339, FormatsAcrossCalendarEdges) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(951782400'000000), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(FormatRfc3339(4102444799'000000), "2099-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339Micros(-1), "1969-12-31T23:59:59.999999Z");
  for (Micros t = 0; t < 4102444800'000000; t += 86399'123457LL * 37) {
    ASSERT_EQ(ParseRfc3339(FormatRfc3339Micros(t)), t);
  }
}

TEST(Rfc3339, ParsesWhatItFormatsAndOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-05-01T12:00:00Z"), 1777636800'000000);
  EXPECT_EQ(ParseRfc3339("2026-05-01T12:00:00.5Z"), 1777636800'500000);
  EXPECT_EQ(ParseRfc3339("2026-05-01T14:00:00+02:00"), 1777636800'000000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
}

TEST(Rfc3339, RejectsMalformed) {
  EXPECT_FALSE(ParseRfc3339(""));
  EXPECT_FALSE(ParseRfc3339("2026-05-01"));
  EXPECT_FALSE(ParseRfc3339("2026-13-01T12:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-05-01T12:00:00"));
  EXPECT_FALSE(ParseRfc3339("2026-05-01T12:00:00Zjunk"));
  EXPECT_FALSE(ParseRfc3339("2026-05-01T12:00:00.Z"));
  EXPECT_FALSE(ParseRfc3339("2026-02-31T00:00:00Z"));  // no such day
  EXPECT_FALSE(ParseRfc3339("2026-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2028-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-05-01T12:00:60Z"));
}

}  // namespace
}  // namespace workspaced
