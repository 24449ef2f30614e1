#include "common/base64url.h"

#include <gtest/gtest.h>

namespace workspaced {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string s;
  for (int i = 0; i < 64; ++i) {
    s.push_back(static_cast<char>(i * 37));
    auto back = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
}

TEST(Base64Url, KnownVectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndBadLengths) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("Zm+v"));
  EXPECT_FALSE(Base64UrlDecode("Z"));
  EXPECT_FALSE(Base64UrlDecode("Zh"));  // non-canonical trailing bits
}

}  // namespace
}  // namespace workspaced
