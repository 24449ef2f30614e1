#include "spicedb/ids.h"

#include <gtest/gtest.h>

#include <random>

namespace workspaced::spicedb {
namespace {

TEST(Ids, PlainIdsAreUnchanged) {
  EXPECT_EQ(EncodeId("0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b"),
            "0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b");
  EXPECT_EQ(EncodeId("alice_01"), "alice_01");
}

TEST(Ids, OtherBytesAreEscapedReadably) {
  EXPECT_EQ(EncodeId("alice@example.com"), "alice+40example+2Ecom");
  EXPECT_EQ(EncodeId("Data Science"), "Data+20Science");
  EXPECT_EQ(EncodeId("a+b"), "a+2Bb");
  EXPECT_EQ(EncodeId("é"), "+C3+A9");
  EXPECT_EQ(DecodeId("alice+40example+2Ecom"), "alice@example.com");
}

TEST(Ids, EveryStringRoundTripsAndStaysInSpiceDbsAlphabet) {
  std::mt19937 rng(7);
  for (int n = 0; n < 2000; ++n) {
    std::string s(rng() % 20, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    const std::string e = EncodeId(s);
    for (const char c : e) {
      EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+') << e;
    }
    EXPECT_EQ(DecodeId(e), s);
  }
}

TEST(Ids, WhatEncodeNeverProducesIsRefused) {
  EXPECT_EQ(DecodeId("a+4"), std::nullopt);   // truncated escape
  EXPECT_EQ(DecodeId("a+zz"), std::nullopt);  // not hex
  EXPECT_EQ(DecodeId("a+41"), std::nullopt);  // 'A' is never escaped
  EXPECT_EQ(DecodeId("a@b"), std::nullopt);
  EXPECT_EQ(DecodeId("a+2e"), std::nullopt);  // lowercase hex is not ours
}

}  // namespace
}  // namespace workspaced::spicedb
