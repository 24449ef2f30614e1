#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/testing/jwt_signer.h"
#include "common/base64url.h"

namespace workspaced::auth {
namespace {

// header.payload.signature from raw JSON; the signature is irrelevant to parsing.
std::string Token(std::string_view header, std::string_view payload = R"({"sub":"a"})") {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + Base64UrlEncode("sig");
}

std::string ParseError(std::string_view token) {
  auto parsed = ParseJwt(token);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), Code::kUnauthenticated);
  return parsed.status().message();
}

TEST(JwtAlgTest, OnlyExactJwaNamesParse) {
  EXPECT_EQ(ParseJwtAlg("HS256"), JwtAlg::kHs256);
  EXPECT_EQ(ParseJwtAlg("RS256"), JwtAlg::kRs256);
  EXPECT_EQ(ParseJwtAlg("ES256"), JwtAlg::kEs256);
  EXPECT_EQ(ParseJwtAlg("EdDSA"), JwtAlg::kEdDsa);
  for (const char* name : {"none", "hs256", "EDDSA", "HS512", "PS256", ""})
    EXPECT_FALSE(ParseJwtAlg(name).has_value()) << name;
  EXPECT_EQ(JwtAlgName(JwtAlg::kEdDsa), "EdDSA");
}

TEST(ParseJwtTest, DecodesHeaderPayloadAndSignature) {
  const std::string token = Token(R"({"alg":"RS256","typ":"JWT","kid":"k1"})");
  auto parsed = ParseJwt(token);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->alg, JwtAlg::kRs256);
  EXPECT_EQ(parsed->kid, "k1");
  EXPECT_EQ(parsed->payload.at("sub"), "a");
  EXPECT_EQ(parsed->signature, "sig");
  EXPECT_EQ(parsed->signing_input, token.substr(0, token.rfind('.')));
}

TEST(ParseJwtTest, KidIsOptional) {
  auto parsed = ParseJwt(Token(R"({"alg":"HS256"})"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->kid.has_value());
}

TEST(ParseJwtTest, RequiresExactlyThreeSegments) {
  const std::string good = Token(R"({"alg":"HS256"})");
  EXPECT_EQ(ParseError(""), "malformed token");
  EXPECT_EQ(ParseError("abc"), "malformed token");
  EXPECT_EQ(ParseError(good.substr(0, good.rfind('.'))), "malformed token");
  EXPECT_EQ(ParseError(good + ".x"), "malformed token");
  EXPECT_EQ(ParseError(good + "."), "malformed token");
}

TEST(ParseJwtTest, RejectsNonCanonicalBase64Url) {
  const std::string header = Base64UrlEncode(R"({"alg":"HS256"})");
  const std::string payload = Base64UrlEncode("{}");
  EXPECT_EQ(ParseError(header + "=." + payload + ".c2ln"), "malformed token encoding");
  EXPECT_EQ(ParseError(header + "." + payload + ".c2l+"), "malformed token encoding");
  EXPECT_EQ(ParseError(header + "." + payload + "$.c2ln"), "malformed token encoding");
  EXPECT_EQ(ParseError(header + "." + payload + ".c"), "malformed token encoding");
}

TEST(ParseJwtTest, HeaderAndPayloadMustBeJsonObjects) {
  EXPECT_EQ(ParseError(Token(R"(["alg","HS256"])")), "malformed token header");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256")")), "malformed token header");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256"})", "\"sub\"")), "malformed token payload");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256"})", "42")), "malformed token payload");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256"})", "{} {}")), "malformed token payload");
}

TEST(ParseJwtTest, RejectsAlgNoneInAnyCase) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"("})";
    EXPECT_EQ(ParseError(Token(header)), "algorithm not allowed") << alg;
  }
}

TEST(ParseJwtTest, RejectsMissingOrUnknownAlg) {
  EXPECT_EQ(ParseError(Token(R"({"typ":"JWT"})")), "missing alg");
  EXPECT_EQ(ParseError(Token(R"({"alg":256})")), "missing alg");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS512"})")), "unsupported algorithm");
  EXPECT_EQ(ParseError(Token(R"({"alg":"hs256"})")), "unsupported algorithm");
}

TEST(ParseJwtTest, RejectsCriticalHeaders) {
  EXPECT_EQ(ParseError(Token(R"({"alg":"RS256","crit":["exp"],"exp":1})")),
            "unsupported critical header");
  EXPECT_EQ(ParseError(Token(R"({"alg":"RS256","crit":[]})")), "unsupported critical header");
}

TEST(ParseJwtTest, TypMustBeJwtOrAccessToken) {
  for (const char* typ : {"JWT", "jwt", "at+jwt", "AT+JWT"}) {
    const std::string header = std::string(R"({"alg":"HS256","typ":")") + typ + R"("})";
    EXPECT_TRUE(ParseJwt(Token(header)).ok()) << typ;
  }
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256","typ":"JOSE"})")), "unsupported token type");
  EXPECT_EQ(ParseError(Token(R"({"alg":"HS256","typ":1})")), "unsupported token type");
}

TEST(ParseJwtTest, KidMustBeAString) {
  EXPECT_EQ(ParseError(Token(R"({"alg":"RS256","kid":7})")), "invalid kid");
}

TEST(ParseJwtTest, RejectsOversizeTokens) {
  const std::string header = R"({"alg":"HS256"})";
  std::string payload = R"({"pad":")" + std::string(kMaxTokenBytes, 'x') + R"("})";
  EXPECT_EQ(ParseError(Token(header, payload)), "token too large");
  EXPECT_EQ(ParseError(std::string(kMaxTokenBytes + 1, 'a')), "token too large");
}

TEST(VerifyHs256Test, AcceptsOnlyTheExactMac) {
  const std::string mac = HmacSha256("key", "a.b");
  ASSERT_EQ(mac.size(), 32u);
  EXPECT_TRUE(VerifyHs256("key", "a.b", mac));
  EXPECT_FALSE(VerifyHs256("other", "a.b", mac));
  EXPECT_FALSE(VerifyHs256("key", "a.c", mac));
  EXPECT_FALSE(VerifyHs256("key", "a.b", mac.substr(0, 31)));
  EXPECT_FALSE(VerifyHs256("key", "a.b", ""));
}

class VerifyWithPublicKeyTest : public ::testing::TestWithParam<JwtAlg> {
 protected:
  static EvpPkeyPtr KeyFor(JwtAlg alg) {
    switch (alg) {
      case JwtAlg::kRs256:
        return testkit::GenerateRsaKey();
      case JwtAlg::kEs256:
        return testkit::GenerateP256Key();
      default:
        return testkit::GenerateEd25519Key();
    }
  }
};

TEST_P(VerifyWithPublicKeyTest, VerifiesOwnSignaturesOnly) {
  const JwtAlg alg = GetParam();
  const EvpPkeyPtr key = KeyFor(alg);
  const EvpPkeyPtr other = KeyFor(alg);
  const std::string token = testkit::SignJwt(R"({"alg":"x"})", R"({"sub":"a"})", alg, *key);
  const std::string input = token.substr(0, token.rfind('.'));
  const std::string sig = *Base64UrlDecode(token.substr(token.rfind('.') + 1));

  EXPECT_TRUE(VerifyWithPublicKey(*key, alg, input, sig));
  EXPECT_FALSE(VerifyWithPublicKey(*other, alg, input, sig));
  EXPECT_FALSE(VerifyWithPublicKey(*key, alg, input + "x", sig));
  std::string flipped = sig;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(VerifyWithPublicKey(*key, alg, input, flipped));
  EXPECT_FALSE(VerifyWithPublicKey(*key, alg, input, sig.substr(1)));
  EXPECT_FALSE(VerifyWithPublicKey(*key, JwtAlg::kHs256, input, sig));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, VerifyWithPublicKeyTest,
                         ::testing::Values(JwtAlg::kRs256, JwtAlg::kEs256, JwtAlg::kEdDsa));

TEST(VerifyWithPublicKeyTest, KeyOfWrongTypeNeverVerifies) {
  const EvpPkeyPtr ec = testkit::GenerateP256Key();
  const std::string token = testkit::SignJwt("{}", "{}", JwtAlg::kEs256, *ec);
  const std::string input = token.substr(0, token.rfind('.'));
  const std::string sig = *Base64UrlDecode(token.substr(token.rfind('.') + 1));
  ASSERT_TRUE(VerifyWithPublicKey(*ec, JwtAlg::kEs256, input, sig));
  EXPECT_FALSE(VerifyWithPublicKey(*ec, JwtAlg::kRs256, input, sig));
  EXPECT_FALSE(VerifyWithPublicKey(*ec, JwtAlg::kEdDsa, input, sig));
}

}  // namespace
}  // namespace workspaced::auth
