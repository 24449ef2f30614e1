// Every way a bearer token is refused by the real server: 401 problem+json
// with `WWW-Authenticate: Bearer error="invalid_token"`, never echoing the
// token or key material. The fixture is auth_fixture.h.
#include "blackbox/auth_fixture.h"

namespace workspaced::testing {
namespace {

// --- refused --------------------------------------------------------------

TEST_F(Auth, AlgNoneIsRefused) {
  const std::string payload = Base64UrlEncode(boost::json::serialize(Claims()));
  for (const char* alg : {"none", "None", "NONE"}) {
    std::string unsigned_token =
        Base64UrlEncode(boost::json::serialize(boost::json::object{{"alg", alg}, {"typ", "JWT"}}));
    unsigned_token.append(".").append(payload).append(".");
    ExpectRefused(unsigned_token, std::string("alg ") + alg, "algorithm not allowed");
    // With a (meaningless) signature segment too.
    ExpectRefused(unsigned_token + Base64UrlEncode("sig"), std::string("alg ") + alg + " signed",
                  "algorithm not allowed");
  }
}

TEST_F(Auth, DuplicateNamesInTheHeaderOrClaimsAreRefused) {
  // Signed correctly, but ambiguous: a library that keeps the first of two
  // equal names reads another token than one that keeps the last (RFC 7519
  // §4, RFC 8725). Both orders are refused, whichever key signed them.
  const std::int64_t now = Now();
  const std::string claims = boost::json::serialize(Claims());
  ExpectRefused(testkit::SignJwt(R"({"alg":"none","alg":"RS256","kid":")" + std::string(kRsaKid) +
                                     R"("})",
                                 claims, JwtAlg::kRs256, *testkit::SharedKeys().rsa),
                "alg none, then RS256", "malformed token header");
  const std::string twice_sub = R"({"iss":")" + std::string(kIssuer) + R"(","aud":")" +
                                kAudience + R"(","sub":"mallory","sub":"alice","iat":)" +
                                std::to_string(now) + R"(,"exp":)" + std::to_string(now + 300) +
                                "}";
  ExpectRefused(testkit::SignJwt(Header("RS256", kRsaKid), twice_sub, JwtAlg::kRs256,
                                 *testkit::SharedKeys().rsa),
                "sub twice", "malformed token payload");
  const std::string twice_exp = R"({"iss":"workspaced-dev","aud":"workspaced","sub":"alice","iat":)" +
                                std::to_string(now) + R"(,"exp":)" + std::to_string(now - 3600) +
                                R"(,"exp":)" + std::to_string(now + 300) + "}";
  ExpectRefused(testkit::SignHs256Jwt(Header("HS256", "dev"), twice_exp, dev_key_),
                "exp twice, dev key", "malformed token payload");
}

TEST_F(Auth, ASubOrGroupWithControlOrBidiCharactersIsRefused) {
  // A name no member path can spell (ValidateSubject refuses the same), that
  // would reach the audit log's actor and every log line.
  for (const std::string& sub : {std::string("alice\n{\"level\":\"info\"}"),
                                 std::string("admin\0x", 7), std::string("al\u202Eice"),
                                 std::string("a\u0085b")}) {
    auto claims = Claims(sub);
    ExpectRefused(Rs256(claims), "JWKS sub " + sub, "invalid sub");
    claims["iss"] = "workspaced-dev";
    ExpectRefused(DevSigned(claims), "dev sub " + sub, "invalid sub");
  }
  auto claims = Claims();
  claims["groups"] = boost::json::array{"idp-eng", "ops\r\nX-Forged: 1"};
  ExpectRefused(Rs256(claims), "group with CRLF", "invalid groups");
}

// " alice" would be another user than "alice" (another member, another
// audit actor) that every list shows the same: refused, never trimmed.
TEST_F(Auth, ASubWithSurroundingSpaceIsRefused) {
  for (const std::string& sub :
       {std::string(" alice"), std::string("alice "), std::string("alice\t"),
        std::string("\xc2\xa0"
                    "alice")}) {
    auto claims = Claims(sub);
    ExpectRefused(Rs256(claims), "JWKS sub '" + sub + "'", "invalid sub");
    claims["iss"] = "workspaced-dev";
    ExpectRefused(DevSigned(claims), "dev sub '" + sub + "'", "invalid sub");
  }
}

TEST_F(Auth, AlgorithmConfusionIsRefused) {
  const auto& rsa = *testkit::SharedKeys().rsa;
  const std::string payload = boost::json::serialize(Claims());
  const std::string pem = testkit::PublicKeyPem(rsa);
  const std::string der = testkit::PublicKeyDer(rsa);
  ExpectRefused(testkit::SignHs256Jwt(Header("HS256", kRsaKid), payload, pem),
                "HS256 keyed with the RSA PEM, RSA kid", "algorithm does not match key");
  ExpectRefused(testkit::SignHs256Jwt(Header("HS256", kRsaKid), payload, der),
                "HS256 keyed with the RSA DER, RSA kid", "algorithm does not match key");
  ExpectRefused(testkit::SignHs256Jwt(Header("HS256", ""), payload, pem),
                "HS256 keyed with the RSA PEM, no kid", "signature mismatch");
  ExpectRefused(testkit::SignHs256Jwt(Header("HS256", "dev"), payload, pem),
                "HS256 keyed with the RSA PEM, dev kid", "signature mismatch");
}

TEST_F(Auth, AlgorithmNotMatchingTheKeyIsRefused) {
  const auto& keys = testkit::SharedKeys();
  const std::string payload = boost::json::serialize(Claims());
  // An ES256 signature presented under the RSA key's kid, and vice versa.
  ExpectRefused(testkit::SignJwt(Header("ES256", kRsaKid), payload, JwtAlg::kEs256, *keys.ec),
                "ES256 with RSA kid", "algorithm does not match key");
  ExpectRefused(testkit::SignJwt(Header("RS256", kEcKid), payload, JwtAlg::kRs256, *keys.rsa),
                "RS256 with EC kid", "algorithm does not match key");
  ExpectRefused(testkit::SignJwt(Header("EdDSA", kRsaKid), payload, JwtAlg::kEdDsa, *keys.ed),
                "EdDSA with RSA kid", "algorithm does not match key");
}

TEST_F(Auth, UnknownOrMissingKidIsRefused) {
  ExpectRefused(Rs256(Claims(), "rsa-2"), "unknown kid", "unknown key id");
  ExpectRefused(Rs256(Claims(), ""), "no kid", "missing key id");
  ExpectRefused(EdDsa(Claims(), "ed-unknown"), "unknown EdDSA kid", "unknown key id");
}

TEST_F(Auth, SignedByAKeyNotInTheJwksIsRefused) {
  const auto foreign = testkit::GenerateP256Key();
  ExpectRefused(testkit::SignJwt(Header("ES256", kEcKid), boost::json::serialize(Claims()),
                                 JwtAlg::kEs256, *foreign),
                "foreign P-256 key under a known kid", "signature mismatch");
}

TEST_F(Auth, AudienceIsRequiredAndChecked) {
  auto claims = Claims();
  claims.erase("aud");
  ExpectRefused(Rs256(claims), "missing aud", "missing aud");
  claims["aud"] = "someone-else";
  ExpectRefused(Rs256(claims), "wrong aud", "audience not accepted");
  claims["aud"] = boost::json::array{"someone-else", "another"};
  ExpectRefused(Es256(claims), "aud array without ours", "audience not accepted");
  claims["aud"] = "Workspaced";
  ExpectRefused(EdDsa(claims), "aud differing in case", "audience not accepted");
}

TEST_F(Auth, IssuerIsRequiredAndChecked) {
  auto claims = Claims();
  claims.erase("iss");
  ExpectRefused(Rs256(claims), "missing iss", "missing iss");
  claims["iss"] = "https://evil.test/";
  ExpectRefused(Rs256(claims), "wrong iss", "issuer not accepted");
  claims["iss"] = "https://idp.test";  // no trailing slash: exact match only
  ExpectRefused(Es256(claims), "iss without trailing slash", "issuer not accepted");
  claims["iss"] = "workspaced-dev";
  ExpectRefused(EdDsa(claims), "JWKS token with the dev issuer", "issuer not accepted");
}

TEST_F(Auth, ExpiryAndNotBeforeBeyondLeewayAreRefused) {
  auto claims = Claims();
  claims["exp"] = Now() - 65;
  ExpectRefused(Rs256(claims), "expired 65 s ago", "token expired");
  claims["exp"] = Now() - 3600;
  ExpectRefused(Es256(claims), "expired an hour ago", "token expired");
  claims = Claims();
  claims["nbf"] = Now() + 120;
  ExpectRefused(Rs256(claims), "nbf 120 s ahead", "token not yet valid");
  claims = Claims();
  claims.erase("exp");
  ExpectRefused(EdDsa(claims), "no exp", "missing exp");
}

// [nbf, exp) is empty: no clock, however skewed, ever accepts it, even
// where the leeway would let each claim alone pass.
TEST_F(Auth, ATokenWhoseExpIsNotAfterItsNbfIsRefused) {
  auto claims = Claims();
  claims["nbf"] = Now() + 30;
  claims["exp"] = Now() + 30;
  ExpectRefused(Rs256(claims), "exp == nbf", "token never valid: exp is not after nbf");
  claims["exp"] = Now() + 20;
  ExpectRefused(Es256(claims), "exp before nbf", "token never valid: exp is not after nbf");
}

// RFC 7519 §2: a NumericDate before 1970 is a date in the past.
TEST_F(Auth, NegativeNumericDatesAreDatesInThePast) {
  auto claims = Claims();
  claims["nbf"] = -1;
  claims["iat"] = -86400;
  ExpectAccepted(Rs256(claims), "nbf and iat before 1970");
  claims["exp"] = -1;
  claims.erase("nbf");
  ExpectRefused(Rs256(claims), "exp before 1970", "token expired");
}

TEST_F(Auth, IssuedInTheFutureBeyondLeewayIsRefused) {
  auto claims = Claims();
  claims["iat"] = Now() + 30;
  ExpectAccepted(Rs256(claims), "iat 30 s ahead (clock skew)");
  claims["iat"] = Now() + 120;
  ExpectRefused(Rs256(claims), "iat 120 s ahead", "token issued in the future");
  claims["iat"] = Now() + 86400;
  ExpectRefused(Es256(claims), "iat a day ahead", "token issued in the future");
}

TEST_F(Auth, DevKeyTokenWithJwksIssuerIsRefused) {
  // Signed with the server's real dev key but claiming to come from the IdP.
  ExpectRefused(DevSigned(Claims()), "dev key, JWKS iss", "issuer not accepted");
}

TEST_F(Auth, TamperedPayloadIsRefused) {
  auto admin = Claims("admin");
  admin["groups"] = boost::json::array{"idp-eng"};
  const std::string forged = Base64UrlEncode(boost::json::serialize(admin));
  for (const std::string& token : {Rs256(Claims()), Es256(Claims()), EdDsa(Claims())}) {
    auto parts = Segments(token);
    ASSERT_EQ(parts.size(), 3u);
    ExpectRefused(parts[0] + "." + forged + "." + parts[2], "payload swapped for sub admin",
                  "signature mismatch");
    // One flipped character of the original payload.
    std::string flipped = parts[1];
    flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
    ExpectRefused(parts[0] + "." + flipped + "." + parts[2], "payload with one character changed",
                  "signature mismatch");
  }
}

TEST_F(Auth, TokensOverEightKibAreRefused) {
  // Pads the claims until the RS256 token (fixed-size signature) is just
  // within, then just over, the limit.
  const auto size_with = [](std::size_t pad) {
    auto claims = Claims();
    claims["pad"] = std::string(pad, 'p');
    return Base64UrlEncode(Header("RS256", kRsaKid)).size() + 1 +
           Base64UrlEncode(boost::json::serialize(claims)).size() + 1 +
           Base64UrlEncode(std::string(256, '\0')).size();
  };
  std::size_t pad = 0;
  while (size_with(pad + 1) <= kMaxTokenBytes) ++pad;
  auto claims = Claims();
  claims["pad"] = std::string(pad, 'p');
  const std::string within = Rs256(claims);
  ASSERT_LE(within.size(), kMaxTokenBytes);
  ASSERT_GE(within.size(), kMaxTokenBytes - 3);
  ExpectAccepted(within, "token of " + std::to_string(within.size()) + " bytes");
  claims["pad"] = std::string(pad + 1, 'p');
  const std::string over = Rs256(claims);
  ASSERT_GT(over.size(), kMaxTokenBytes);
  ExpectRefused(over, "token of " + std::to_string(over.size()) + " bytes", "token too large");
  // Still well within the 16 KiB header limit, so this is the token check
  // answering, not the 431 for oversized headers.
  claims["pad"] = std::string(8000, 'p');
  ExpectRefused(Rs256(claims), "token of about 11 KB", "token too large");
}

TEST_F(Auth, MissingAuthorizationIs401WithPlainBearerChallenge) {
  HttpClient c(server_->port());
  auto r = c.Get(WorkspacePath());
  ExpectProblem(r, 401);
  const std::string challenge = r.Header("WWW-Authenticate");
  EXPECT_EQ(challenge.rfind("Bearer", 0), 0u) << challenge;
  EXPECT_EQ(challenge.find("error"), std::string::npos) << challenge;
  // An empty bearer token is the same as none.
  auto empty = c.Send("GET", WorkspacePath(), {{"Authorization", "Bearer "}});
  ExpectProblem(empty, 401);
  EXPECT_EQ(empty.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
}

TEST_F(Auth, OtherSchemesAre401) {
  HttpClient c(server_->port());
  auto basic = c.Send("GET", WorkspacePath(), {{"Authorization", "Basic YWxpY2U6YWxpY2U="}});
  ExpectProblem(basic, 401);
  EXPECT_EQ(basic.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(basic.body.find("YWxpY2U6YWxpY2U="), std::string::npos) << basic.body;
  // A valid token under another scheme name is not a bearer token either.
  const std::string token = Rs256(Claims());
  auto token_scheme = c.Send("GET", WorkspacePath(), {{"Authorization", "Token " + token}});
  ExpectProblem(token_scheme, 401);
  EXPECT_EQ(token_scheme.body.find(token), std::string::npos);
}

TEST_F(Auth, TokensNeverReachTheAccessLog) {
  HttpClient c(server_->port());
  const std::string good = Rs256(Claims());
  auto bad_claims = Claims();
  bad_claims["aud"] = "someone-else";
  const std::string bad = Es256(bad_claims);
  auto ok = c.Get(WorkspacePath(), good);
  ASSERT_EQ(ok.status, 200);
  auto refused = c.Get(WorkspacePath(), bad);
  ASSERT_EQ(refused.status, 401);
  // The access line is written (and flushed) after the response: wait for it.
  const std::string last_id = refused.Header("X-Request-Id");
  ASSERT_FALSE(last_id.empty());
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    out = server_->Output();
    if (out.find(last_id) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_NE(out.find(last_id), std::string::npos) << "no access log line for " << last_id;
  for (const std::string& token : {good, bad}) {
    for (const auto& segment : Segments(token))
      EXPECT_EQ(out.find(segment), std::string::npos) << segment;
  }
}

}  // namespace
}  // namespace workspaced::testing
