// NewJwtAuthenticator's validation of options and the JWKS file.
#include <gtest/gtest.h>

#include "auth/jwt_authenticator.h"
#include "auth/testing/authenticator_fixture.h"

namespace workspaced::auth {
namespace {

class JwtAuthenticatorFactoryTest : public testkit::AuthenticatorFixture {
 protected:
  std::string Failure() {
    auto made = NewJwtAuthenticator(options_, clock_);
    EXPECT_FALSE(made.ok());
    if (made.ok()) return "";
    EXPECT_EQ(made.status().code(), Code::kInvalidArgument);
    return made.status().message();
  }
};

TEST_F(JwtAuthenticatorFactoryTest, BuildsFromValidOptions) {
  auto made = NewJwtAuthenticator(options_, clock_);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE((*made)->Authenticate(Sign(JwtAlg::kEs256, Claims())).ok());
}

TEST_F(JwtAuthenticatorFactoryTest, DevKeyAloneIsEnough) {
  options_.jwks_path.clear();
  auto made = NewJwtAuthenticator(options_, clock_);
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_EQ(Reject(**made, Sign(JwtAlg::kRs256, Claims())), "unknown key id");
}

TEST_F(JwtAuthenticatorFactoryTest, FailsOnMalformedJwksFile) {
  testkit::TempFile malformed(R"({"keys": [{"kty": "RSA", "kid": "x", "n": "AQAB"})");
  options_.jwks_path = malformed.path();
  EXPECT_EQ(Failure().rfind("JWKS file " + malformed.path() + ": not valid JWKS JSON", 0), 0u);
}

TEST_F(JwtAuthenticatorFactoryTest, FailsOnNonJwksJson) {
  testkit::TempFile not_jwks(R"({"issuer": "https://idp.example"})");
  options_.jwks_path = not_jwks.path();
  EXPECT_NE(Failure().find("not valid JWKS JSON"), std::string::npos);
}

TEST_F(JwtAuthenticatorFactoryTest, FailsOnUnreadableJwksFile) {
  options_.jwks_path = "/nonexistent/jwks.json";
  EXPECT_EQ(Failure(), "JWKS file /nonexistent/jwks.json: No such file or directory");
}

TEST_F(JwtAuthenticatorFactoryTest, FailsOnWeakRsaKey) {
  const EvpPkeyPtr weak = testkit::GenerateRsaKey(1024);
  testkit::TempFile jwks(boost::json::serialize(
      boost::json::object{{"keys", boost::json::array{testkit::PublicJwk(*weak, "weak")}}}));
  options_.jwks_path = jwks.path();
  EXPECT_NE(Failure().find("at least 2048 required"), std::string::npos);
}

TEST_F(JwtAuthenticatorFactoryTest, JwksNeedsIssuerAndAudience) {
  options_.audience.clear();
  EXPECT_EQ(Failure(), "a JWKS needs the issuer and audience its tokens must carry");
}

TEST_F(JwtAuthenticatorFactoryTest, RefusesNoneOrUnknownAllowedAlgorithms) {
  options_.allowed_algorithms = {"RS256", "None"};
  EXPECT_EQ(Failure(), "allowed_algorithms: \"none\" can never be allowed");
  options_.allowed_algorithms = {"RS256", "HS512"};
  EXPECT_NE(Failure().find("unsupported algorithm \"HS512\""), std::string::npos);
}

TEST_F(JwtAuthenticatorFactoryTest, FailsWhenNothingCouldBeAccepted) {
  options_.allowed_algorithms = {};
  EXPECT_NE(Failure().find("accept no token"), std::string::npos);
  options_.allowed_algorithms = {"RS256"};
  options_.jwks_path.clear();
  EXPECT_NE(Failure().find("accept no token"), std::string::npos);
  options_.allowed_algorithms = {"HS256"};
  options_.dev_key.clear();
  EXPECT_NE(Failure().find("accept no token"), std::string::npos);
}

}  // namespace
}  // namespace workspaced::auth
