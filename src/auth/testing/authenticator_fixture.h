// Test-only fixture for JwtAuthenticatorImpl tests: a JWKS file holding one
// RSA, one P-256 and one Ed25519 key, a manual clock, and helpers that sign
// tokens the way an identity provider would.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <memory>
#include <optional>
#include <string>

#include "auth/jwt_authenticator_impl.h"
#include "auth/testing/jwt_signer.h"
#include "common/clock.h"

namespace workspaced::auth::testkit {

class AuthenticatorFixture : public ::testing::Test {
 protected:
  static constexpr std::string_view kDevKey = "dev-signing-key-0123456789abcdef!";
  static constexpr std::string_view kIssuer = "https://idp.example";
  static constexpr std::string_view kAudience = "workspaced-api";
  static constexpr std::string_view kRsaKid = "rsa-1";
  static constexpr std::string_view kEcKid = "ec-1";
  static constexpr std::string_view kEdKid = "ed-1";

  AuthenticatorFixture() {
    boost::json::object rsa = PublicJwk(*keys_.rsa, kRsaKid);
    rsa["alg"] = "RS256";
    rsa["use"] = "sig";
    const boost::json::object jwks{{"keys", boost::json::array{rsa, PublicJwk(*keys_.ec, kEcKid),
                                                               PublicJwk(*keys_.ed, kEdKid)}}};
    jwks_file_ = std::make_unique<TempFile>(boost::json::serialize(jwks));
    options_.dev_key = std::string(kDevKey);
    options_.jwks_path = jwks_file_->path();
    options_.issuer = std::string(kIssuer);
    options_.audience = std::string(kAudience);
  }

  std::unique_ptr<JwtAuthenticatorImpl> Make() {
    auto made = JwtAuthenticatorImpl::Create(options_, clock_);
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  std::int64_t Now() const { return clock_.NowSeconds(); }

  // Valid claims for a JWKS token; tests edit them to break one thing.
  boost::json::object Claims() const {
    return {{"iss", kIssuer}, {"aud", kAudience},
            {"sub", "alice"}, {"groups", boost::json::array{"eng", "ops"}},
            {"iat", Now()},   {"exp", Now() + 300}};
  }

  static std::string Header(std::string_view alg, std::optional<std::string_view> kid) {
    boost::json::object header{{"alg", alg}, {"typ", "JWT"}};
    if (kid) header["kid"] = *kid;
    return boost::json::serialize(header);
  }

  // Signs with the fixture key that serves `alg`; `kid` defaults to its kid.
  std::string Sign(JwtAlg alg, const boost::json::object& claims,
                   std::optional<std::string_view> kid = std::nullopt) const {
    const std::string payload = boost::json::serialize(claims);
    switch (alg) {
      case JwtAlg::kHs256:
        return SignHs256Jwt(Header("HS256", kid ? kid : kDevKeyId), payload, kDevKey);
      case JwtAlg::kRs256:
        return SignJwt(Header("RS256", kid ? kid : kRsaKid), payload, alg, *keys_.rsa);
      case JwtAlg::kEs256:
        return SignJwt(Header("ES256", kid ? kid : kEcKid), payload, alg, *keys_.ec);
      case JwtAlg::kEdDsa:
        return SignJwt(Header("EdDSA", kid ? kid : kEdKid), payload, alg, *keys_.ed);
    }
    return "";
  }

  // The reason `token` is refused; fails the test if it is accepted.
  static std::string Reject(Authenticator& auth, std::string_view token) {
    auto result = auth.Authenticate(token);
    EXPECT_FALSE(result.ok()) << "accepted: " << token;
    if (result.ok()) return "";
    EXPECT_EQ(result.status().code(), Code::kUnauthenticated);
    return result.status().message();
  }

  const TestKeys& keys_ = SharedKeys();
  ManualClock clock_;
  std::unique_ptr<TempFile> jwks_file_;
  JwtOptions options_;
};

}  // namespace workspaced::auth::testkit
