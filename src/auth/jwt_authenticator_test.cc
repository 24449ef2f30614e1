// Behaviour of NewJwtAuthenticator's tokens: what is accepted and why the rest
// is refused. Caching and construction: jwt_authenticator_cache_test.cc and
// jwt_authenticator_factory_test.cc.
#include "auth/jwt_authenticator.h"

#include <gtest/gtest.h>

#include "auth/testing/authenticator_fixture.h"
#include "common/base64url.h"

namespace workspaced::auth {
namespace {

class JwtAuthenticatorTest : public testkit::AuthenticatorFixture {};

TEST_F(JwtAuthenticatorTest, AcceptsDevTokens) {
  const auto auth = Make();
  const std::string token = SignDevToken(
      kDevKey, {.subject = "dev-user", .groups = {"admins"}, .issued_at = clock_.Now()});
  auto principal = auth->Authenticate(token);
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ((*principal)->subject, "dev-user");
  EXPECT_EQ((*principal)->groups, std::vector<std::string>{"admins"});
  EXPECT_EQ((*principal)->issuer, "workspaced-dev");
  EXPECT_EQ((*principal)->method, AuthMethod::kDevKey);
  EXPECT_EQ((*principal)->expires_at, (Now() + 3600) * 1'000'000);
}

TEST_F(JwtAuthenticatorTest, AcceptsHs256WithoutKidAsDevToken) {
  const auto auth = Make();
  auto claims = Claims();
  claims["iss"] = "workspaced-dev";
  claims["aud"] = "workspaced";
  const std::string token =
      testkit::SignHs256Jwt(R"({"alg":"HS256"})", boost::json::serialize(claims), kDevKey);
  ASSERT_TRUE(auth->Authenticate(token).ok());
}

TEST_F(JwtAuthenticatorTest, DevTokensMustCarryDevIssuerAndAudience) {
  const auto auth = Make();
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kHs256, Claims())), "issuer not accepted");
  EXPECT_EQ(
      Reject(*auth, SignDevToken(kDevKey, {.subject = "u", .groups = {}, .issued_at = clock_.Now()},
                                 "workspaced-dev", "elsewhere")),
      "audience not accepted");
  EXPECT_EQ(Reject(*auth, SignDevToken("another-key",
                                       {.subject = "u", .groups = {}, .issued_at = clock_.Now()})),
            "signature mismatch");
}

class AsymmetricTest : public JwtAuthenticatorTest, public ::testing::WithParamInterface<JwtAlg> {};

TEST_P(AsymmetricTest, AcceptsJwksTokenWithSubjectAndGroups) {
  const auto auth = Make();
  auto principal = auth->Authenticate(Sign(GetParam(), Claims()));
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  // Qualified by the issuer (model/identity.h): the same sub or group name
  // from another issuer is another principal or group.
  EXPECT_EQ((*principal)->subject, "https://idp.example|alice");
  EXPECT_EQ((*principal)->sub, "alice");
  EXPECT_EQ((*principal)->groups,
            (std::vector<std::string>{"https://idp.example|eng", "https://idp.example|ops"}));
  EXPECT_EQ((*principal)->issuer, kIssuer);
  EXPECT_EQ((*principal)->method, AuthMethod::kJwks);
}

TEST_P(AsymmetricTest, AnOrganisationClaimAddsTheOrganisationsGroups) {
  options_.org_claim = "org_id";
  const auto auth = Make();
  auto claims = Claims();
  claims["org_id"] = "acme|x";
  auto principal = auth->Authenticate(Sign(GetParam(), claims));
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ((*principal)->org, "acme|x");
  EXPECT_EQ((*principal)->groups,
            (std::vector<std::string>{"https://idp.example|eng", "https://idp.example|acme%7Cx|eng",
                                      "https://idp.example|ops",
                                      "https://idp.example|acme%7Cx|ops"}));
  claims["org_id"] = 7;
  EXPECT_EQ(Reject(*auth, Sign(GetParam(), claims)), "invalid organisation claim");
}

TEST_F(JwtAuthenticatorTest, DevTokensWhoseNamesCouldSpellAQualifiedIdAreRefused) {
  const auto auth = Make();
  EXPECT_EQ(Reject(*auth, SignDevToken(std::string(kDevKey), {.subject = "https://idp.example|alice",
                                                  .issued_at = clock_.Now()})),
            "invalid sub");
  EXPECT_EQ(Reject(*auth, SignDevToken(std::string(kDevKey), {.subject = "mallory",
                                                  .groups = {"https://idp.example|eng"},
                                                  .issued_at = clock_.Now()})),
            "invalid groups");
  auto ok = auth->Authenticate(
      SignDevToken(std::string(kDevKey), {.subject = "alice", .groups = {"eng"}, .issued_at = clock_.Now()}));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)->subject, "alice") << "the dev issuer's names stay bare";
  EXPECT_EQ((*ok)->groups, std::vector<std::string>{"eng"});
}

TEST_P(AsymmetricTest, RejectsTamperedPayload) {
  const auto auth = Make();
  const std::string token = Sign(GetParam(), Claims());
  auto forged_claims = Claims();
  forged_claims["sub"] = "mallory";
  const std::string forged = Sign(GetParam(), forged_claims);
  // Mallory's payload under Alice's header and signature.
  const std::string spliced =
      token.substr(0, token.find('.')) +
      forged.substr(forged.find('.'), forged.rfind('.') - forged.find('.')) +
      token.substr(token.rfind('.'));
  EXPECT_EQ(Reject(*auth, spliced), "signature mismatch");
}

TEST_P(AsymmetricTest, RequiresAKnownKid) {
  const auto auth = Make();
  const std::string payload = boost::json::serialize(Claims());
  const auto& keys = testkit::SharedKeys();
  const EVP_PKEY& key = GetParam() == JwtAlg::kRs256   ? *keys.rsa
                        : GetParam() == JwtAlg::kEs256 ? *keys.ec
                                                       : *keys.ed;
  const std::string_view alg = JwtAlgName(GetParam());
  EXPECT_EQ(Reject(*auth, testkit::SignJwt(Header(alg, std::nullopt), payload, GetParam(), key)),
            "missing key id");
  EXPECT_EQ(Reject(*auth, testkit::SignJwt(Header(alg, "nope"), payload, GetParam(), key)),
            "unknown key id");
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AsymmetricTest,
                         ::testing::Values(JwtAlg::kRs256, JwtAlg::kEs256, JwtAlg::kEdDsa),
                         [](const auto& info) { return std::string(JwtAlgName(info.param)); });

TEST_F(JwtAuthenticatorTest, AcceptsAudienceArrayContainingOurs) {
  const auto auth = Make();
  auto claims = Claims();
  claims["aud"] = boost::json::array{"other", kAudience};
  EXPECT_TRUE(auth->Authenticate(Sign(JwtAlg::kEs256, claims)).ok());
}

TEST_F(JwtAuthenticatorTest, RejectsAlgNone) {
  const auto auth = Make();
  const std::string payload = Base64UrlEncode(boost::json::serialize(Claims()));
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"None","kid":"rsa-1"})",
                             R"({"alg":"NONE","typ":"JWT","kid":"dev"})"}) {
    EXPECT_EQ(Reject(*auth, Base64UrlEncode(header) + "." + payload + "."),
              "algorithm not allowed");
    EXPECT_EQ(Reject(*auth, Base64UrlEncode(header) + "." + payload + "." + Base64UrlEncode("x")),
              "algorithm not allowed");
  }
}

TEST_F(JwtAuthenticatorTest, RejectsAlgorithmConfusion) {
  const auto auth = Make();
  const std::string payload = boost::json::serialize(Claims());
  // HMAC "signed" with the RSA public key an attacker can download.
  for (const std::string& secret :
       {testkit::PublicKeyPem(*keys_.rsa), testkit::PublicKeyDer(*keys_.rsa)}) {
    EXPECT_EQ(Reject(*auth, testkit::SignHs256Jwt(Header("HS256", kRsaKid), payload, secret)),
              "algorithm does not match key");
    EXPECT_EQ(Reject(*auth, testkit::SignHs256Jwt(Header("HS256", std::nullopt), payload, secret)),
              "signature mismatch");
    EXPECT_EQ(Reject(*auth, testkit::SignHs256Jwt(Header("HS256", "dev"), payload, secret)),
              "signature mismatch");
  }
}

TEST_F(JwtAuthenticatorTest, KeyDecidesTheAlgorithm) {
  const auto auth = Make();
  const std::string payload = boost::json::serialize(Claims());
  // A valid ES256 signature presented under the RSA key's kid, and vice versa.
  EXPECT_EQ(
      Reject(*auth, testkit::SignJwt(Header("ES256", kRsaKid), payload, JwtAlg::kEs256, *keys_.ec)),
      "algorithm does not match key");
  EXPECT_EQ(
      Reject(*auth, testkit::SignJwt(Header("RS256", kEcKid), payload, JwtAlg::kRs256, *keys_.rsa)),
      "algorithm does not match key");
  EXPECT_EQ(
      Reject(*auth, testkit::SignJwt(Header("EdDSA", kRsaKid), payload, JwtAlg::kEdDsa, *keys_.ed)),
      "algorithm does not match key");
}

TEST_F(JwtAuthenticatorTest, RejectsAlgorithmsOutsideTheAllowList) {
  options_.allowed_algorithms = {"HS256", "ES256"};
  const auto auth = Make();
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kRs256, Claims())), "algorithm not allowed");
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEdDsa, Claims())), "algorithm not allowed");
  EXPECT_TRUE(auth->Authenticate(Sign(JwtAlg::kEs256, Claims())).ok());
}

TEST_F(JwtAuthenticatorTest, RejectsWrongOrMissingIssuerAndAudience) {
  const auto auth = Make();
  auto claims = Claims();
  claims["aud"] = "someone-else";
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kRs256, claims)), "audience not accepted");
  claims.erase("aud");
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kRs256, claims)), "missing aud");
  claims = Claims();
  claims["iss"] = "https://evil.example";
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kRs256, claims)), "issuer not accepted");
  claims.erase("iss");
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kRs256, claims)), "missing iss");
}

TEST_F(JwtAuthenticatorTest, AppliesLeewayToExpAndNbf) {
  options_.leeway_seconds = 30;
  const auto auth = Make();
  auto claims = Claims();
  claims["exp"] = Now() - 20;  // expired, but within leeway
  EXPECT_TRUE(auth->Authenticate(Sign(JwtAlg::kEs256, claims)).ok());
  claims["exp"] = Now() - 31;
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEs256, claims)), "token expired");
  claims = Claims();
  claims["nbf"] = Now() + 20;
  EXPECT_TRUE(auth->Authenticate(Sign(JwtAlg::kEs256, claims)).ok());
  claims["nbf"] = Now() + 31;
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEs256, claims)), "token not yet valid");
}

TEST_F(JwtAuthenticatorTest, ClampsLeewayToSixtySeconds) {
  options_.leeway_seconds = 3600;
  const auto auth = Make();
  auto claims = Claims();
  claims["exp"] = Now() - 61;
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEs256, claims)), "token expired");
}

TEST_F(JwtAuthenticatorTest, RequiresExp) {
  const auto auth = Make();
  auto claims = Claims();
  claims.erase("exp");
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEdDsa, claims)), "missing exp");
}

TEST_F(JwtAuthenticatorTest, RejectsTooManyGroups) {
  const auto auth = Make();
  auto claims = Claims();
  boost::json::array groups;
  for (int i = 0; i < 257; ++i) groups.emplace_back("g" + std::to_string(i));
  claims["groups"] = groups;
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEdDsa, claims)), "too many groups");
}

TEST_F(JwtAuthenticatorTest, RejectsMalformedTokens) {
  const auto auth = Make();
  const std::string good = Sign(JwtAlg::kEs256, Claims());
  EXPECT_EQ(Reject(*auth, ""), "malformed token");
  EXPECT_EQ(Reject(*auth, good + ".extra"), "malformed token");
  EXPECT_EQ(Reject(*auth, good.substr(0, good.rfind('.'))), "malformed token");
  EXPECT_EQ(Reject(*auth, "*" + good), "malformed token encoding");
  EXPECT_EQ(Reject(*auth, Base64UrlEncode(R"({"alg":"ES256"})") + "." + Base64UrlEncode("[1,2]") +
                              "." + Base64UrlEncode("sig")),
            "malformed token payload");
  EXPECT_EQ(Reject(*auth, Base64UrlEncode("\"ES256\"") + ".e30.c2ln"), "malformed token header");
  EXPECT_EQ(Reject(*auth, std::string(kMaxTokenBytes + 1, 'a')), "token too large");
}

TEST_F(JwtAuthenticatorTest, RejectsOversizeTokensEvenWhenSigned) {
  const auto auth = Make();
  auto claims = Claims();
  claims["pad"] = std::string(kMaxTokenBytes, 'x');
  EXPECT_EQ(Reject(*auth, Sign(JwtAlg::kEs256, claims)), "token too large");
}

}  // namespace
}  // namespace workspaced::auth
