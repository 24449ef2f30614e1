#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <cstring>

namespace workspaced::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Gives the bytes it was made with, then zeros: a known nonce.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::string bytes) : bytes_(std::move(bytes)) {}
  void Fill(void* out, std::size_t n) override {
    std::memset(out, 0, n);
    std::memcpy(out, bytes_.data(), std::min(n, bytes_.size()));
  }

 private:
  std::string bytes_;
};

// The GCM specification's test case 16 (McGrew and Viega, "The Galois/Counter
// Mode of Operation", AES-256, 96-bit IV, with AAD): our layout is IV ||
// ciphertext || tag.
TEST(Aead, SealMatchesTheGcmSpecificationsTestCase16AndOpensBack) {
  const Key key =
      *Key::FromBytes(FromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  const std::string iv = FromHex("cafebabefacedbaddecaf888");
  const std::string plaintext = FromHex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
      "b525b16aedf5aa0de657ba637b39");
  const std::string aad = FromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  FixedRandom random(iv);
  const std::string sealed = Seal(key, aad, plaintext, random);
  EXPECT_EQ(sealed, iv +
                        FromHex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e"
                                "48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662") +
                        FromHex("76fc6ece0f4e1768cddf8853bb2d551b"));
  const StatusOr<std::string> opened = Open(key, aad, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(*opened, plaintext);
}

TEST(Aead, EverySealHasAFreshNonce) {
  auto random = NewSecureRandom();
  const Key key = Key::Generate(*random);
  const std::string a = Seal(key, "aad", "same value", *random);
  const std::string b = Seal(key, "aad", "same value", *random);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), std::string("same value").size() + kSealOverhead);
  EXPECT_EQ(*Open(key, "aad", a), "same value");
  EXPECT_EQ(*Open(key, "aad", b), "same value");
  EXPECT_EQ(*Open(key, "", Seal(key, "", "", *random)), "");
}

TEST(Aead, AnotherPlaceAnotherKeyOrAnyChangedByteDoesNotOpen) {
  auto random = NewSecureRandom();
  const Key key = Key::Generate(*random);
  const Key other = Key::Generate(*random);
  const std::string aad = std::string("ws-1\0db-password\0" "3", 19);
  const std::string sealed = Seal(key, aad, "hunter2", *random);
  ASSERT_TRUE(Open(key, aad, sealed).ok());
  // Another workspace, name or version in the AAD; another key.
  EXPECT_EQ(Open(key, std::string("ws-2\0db-password\0" "3", 19), sealed).status().code(),
            Code::kInternal);
  EXPECT_FALSE(Open(key, std::string("ws-1\0db-password\0" "4", 19), sealed).ok());
  EXPECT_FALSE(Open(other, aad, sealed).ok());
  // Each byte flipped: nonce, ciphertext and tag alike.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string damaged = sealed;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    EXPECT_FALSE(Open(key, aad, damaged).ok()) << "byte " << i;
  }
  // Cut short, or nothing at all.
  EXPECT_FALSE(Open(key, aad, sealed.substr(0, sealed.size() - 1)).ok());
  EXPECT_FALSE(Open(key, aad, sealed.substr(0, kSealOverhead - 1)).ok());
  EXPECT_FALSE(Open(key, aad, "").ok());
}

TEST(Aead, AKeyIsExactly32Bytes) {
  EXPECT_EQ(Key::FromBytes(std::string(31, 'k')).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Key::FromBytes(std::string(33, 'k')).status().code(), Code::kInvalidArgument);
  const Key key = *Key::FromBytes(std::string(32, 'k'));
  EXPECT_EQ(key.Bytes(), std::string(32, 'k'));
  Key copy = key;
  EXPECT_EQ(copy.Bytes(), key.Bytes());
}

}  // namespace
}  // namespace workspaced::crypto
