// Bearer authentication against the real server: dev tokens and RS256 /
// ES256 / EdDSA tokens from a JWKS file, and every way a token is refused
// (401 problem+json with `WWW-Authenticate: Bearer error="invalid_token"`,
// never echoing the token or key material).
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/testing/jwt_signer.h"
#include "blackbox/fixture.h"
#include "common/base64url.h"
#include "model/identity.h"

namespace workspaced::testing {
namespace {

namespace testkit = auth::testkit;
using auth::JwtAlg;
using model::WorkspaceRole;

constexpr char kIssuer[] = "https://idp.test/";
constexpr char kOrgClaim[] = "org_id";
constexpr char kAudience[] = "workspaced";
constexpr char kRsaKid[] = "rsa-1";
constexpr char kEcKid[] = "ec-1";
constexpr char kEdKid[] = "ed-1";
constexpr std::size_t kMaxTokenBytes = 8192;

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Header(const std::string& alg, const std::string& kid) {
  boost::json::object h{{"alg", alg}, {"typ", "JWT"}};
  if (!kid.empty()) h["kid"] = kid;
  return boost::json::serialize(h);
}

// The three dot-separated segments of a compact JWS.
std::vector<std::string> Segments(const std::string& token) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto dot = token.find('.', start);
    out.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    start = dot + 1;
  }
}

class Auth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto& keys = testkit::SharedKeys();
    jwks_dir_ = std::make_unique<TempDir>();
    const std::string jwks_path = jwks_dir_->path() + "/jwks.json";
    const boost::json::object jwks{
        {"keys", boost::json::array{testkit::PublicJwk(*keys.rsa, kRsaKid),
                                    testkit::PublicJwk(*keys.ec, kEcKid),
                                    testkit::PublicJwk(*keys.ed, kEdKid)}}};
    std::ofstream(jwks_path) << boost::json::serialize(jwks);
    const boost::json::object config{{"auth",
                                      {{"dev_tokens", true},
                                       {"jwks_file", jwks_path},
                                       {"issuer", kIssuer},
                                       {"audience", kAudience},
                                       {"org_claim", kOrgClaim}}}};
    ServerProcess::Options options;
    options.config_json = boost::json::serialize(config);
    server_ = ServerProcess::Start(std::move(options));

    Seeder seed(server_->data_dir());
    const std::string acme = seed.Account("Acme", "acme-admin");
    // Acme's people sign in with the shared provider, as organisation "acme".
    seed.TrustIssuers(acme, {{kIssuer, "acme"}});
    prod_ = seed.Workspace(acme, "Production");
    grouped_ = seed.Workspace(acme, "Grouped", {{"idp-eng", WorkspaceRole::kMember}});
    seed.Member(prod_, model::QualifiedUser(kIssuer, "alice"), WorkspaceRole::kViewer);
    seed.Member(prod_, "alice", WorkspaceRole::kViewer);  // the dev key's alice

    auto random = NewSecureRandom();
    auto dev_key = app::LoadOrCreateDevKey(server_->data_dir(), *random);
    if (!dev_key.ok()) throw std::runtime_error("dev key: " + dev_key.status().message());
    dev_key_ = std::move(dev_key).value();
  }
  static void TearDownTestSuite() {
    server_.reset();
    jwks_dir_.reset();
  }

  // Claims of a token the server accepts from the JWKS.
  static boost::json::object Claims(const std::string& subject = "alice") {
    const std::int64_t now = Now();
    return {
        {"iss", kIssuer}, {"aud", kAudience}, {"sub", subject}, {"iat", now}, {"exp", now + 300}};
  }

  static std::string Rs256(const boost::json::object& claims, const std::string& kid = kRsaKid) {
    return testkit::SignJwt(Header("RS256", kid), boost::json::serialize(claims), JwtAlg::kRs256,
                            *testkit::SharedKeys().rsa);
  }
  static std::string Es256(const boost::json::object& claims, const std::string& kid = kEcKid) {
    return testkit::SignJwt(Header("ES256", kid), boost::json::serialize(claims), JwtAlg::kEs256,
                            *testkit::SharedKeys().ec);
  }
  static std::string EdDsa(const boost::json::object& claims, const std::string& kid = kEdKid) {
    return testkit::SignJwt(Header("EdDSA", kid), boost::json::serialize(claims), JwtAlg::kEdDsa,
                            *testkit::SharedKeys().ed);
  }
  static std::string DevSigned(const boost::json::object& claims) {
    return testkit::SignHs256Jwt(Header("HS256", "dev"), boost::json::serialize(claims), dev_key_);
  }

  static std::string WorkspacePath() { return "/v1/workspaces/" + prod_; }

  // GET of alice's workspace with `token`; expects 200 and the workspace.
  static void ExpectAccepted(const std::string& token, const std::string& what) {
    SCOPED_TRACE(what);
    HttpClient c(server_->port());
    auto r = c.Get(WorkspacePath(), token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json(r.body).as_object().at("id").as_string(), prod_);
  }

  // Key material that must never appear in a response.
  static std::vector<std::string> Secrets() {
    const auto& keys = testkit::SharedKeys();
    std::vector<std::string> out{dev_key_, Base64UrlEncode(dev_key_)};
    const std::string pem = testkit::PublicKeyPem(*keys.rsa);
    // The first line of the PEM's base64 body (64 characters).
    const std::size_t line = pem.find('\n') + 1;
    out.push_back(pem.substr(line, 64));
    for (const auto* key : {keys.rsa.get(), keys.ec.get(), keys.ed.get()}) {
      const auto jwk = testkit::PublicJwk(*key, "k");
      for (const char* param : {"n", "x", "y"}) {
        if (const auto* v = jwk.if_contains(param)) out.emplace_back(v->as_string());
      }
    }
    return out;
  }

  // Checks a 401 for a refused token: problem+json, the exact challenge, the
  // request id as instance, and nothing of the token or keys in the body.
  static void ExpectInvalidToken(const HttpResponse& r, const std::string& token) {
    ExpectProblem(r, 401);
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer error=\"invalid_token\"");
    if (!token.empty()) {
      EXPECT_EQ(r.body.find(token), std::string::npos) << r.body;
      for (const auto& segment : Segments(token)) {
        if (segment.size() >= 16) {
          EXPECT_EQ(r.body.find(segment), std::string::npos) << r.body;
        }
      }
    }
    for (const auto& secret : Secrets())
      EXPECT_EQ(r.body.find(secret), std::string::npos) << r.body;
  }

  // `reason` is the problem's detail: pinned so that a token refused for an
  // unintended reason (say, malformed by the test) does not pass unnoticed.
  static void ExpectRefused(const std::string& token, const std::string& what,
                            const std::string& reason) {
    SCOPED_TRACE(what);
    HttpClient c(server_->port());
    auto r = c.Get(WorkspacePath(), token);
    ExpectInvalidToken(r, token);
    auto v = Json(r.body);
    if (v.is_object() && v.as_object().contains("detail")) {
      EXPECT_EQ(v.as_object().at("detail").as_string(), reason);
    }
  }

  static inline std::unique_ptr<ServerProcess> server_;
  static inline std::unique_ptr<TempDir> jwks_dir_;
  static inline std::string prod_;     // alice is a viewer
  static inline std::string grouped_;  // group "idp-eng" maps to member
  static inline std::string dev_key_;  // the server's raw HS256 dev key
};

// --- accepted -------------------------------------------------------------

TEST_F(Auth, JwksTokensOfEveryAlgorithmAreAccepted) {
  ExpectAccepted(Rs256(Claims()), "RS256");
  ExpectAccepted(Es256(Claims()), "ES256");
  ExpectAccepted(EdDsa(Claims()), "EdDSA");
}

TEST_F(Auth, AudienceMayBeAnArrayContainingOurs) {
  auto claims = Claims();
  claims["aud"] = boost::json::array{"other-service", kAudience};
  ExpectAccepted(Rs256(claims), "aud array");
}

TEST_F(Auth, DevTokensStillWorkAlongsideTheJwks) {
  ExpectAccepted(server_->Token("alice"), "workspaced token");
  // The same key used by hand, as a control for DevKeyTokenWithJwksIssuer.
  auto claims = Claims();
  claims["iss"] = "workspaced-dev";
  ExpectAccepted(DevSigned(claims), "HS256 with the dev key and dev issuer");
}

TEST_F(Auth, BearerSchemeIsCaseInsensitive) {
  HttpClient c(server_->port());
  auto r = c.Send("GET", WorkspacePath(), {{"Authorization", "bearer " + Rs256(Claims())}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(Auth, ExpiredWithinLeewayIsAccepted) {
  auto claims = Claims();
  claims["exp"] = Now() - 30;
  ExpectAccepted(Rs256(claims), "exp 30 s ago");
  claims = Claims();
  claims["nbf"] = Now() + 30;
  ExpectAccepted(Es256(claims), "nbf 30 s ahead");
}

TEST_F(Auth, JwksGroupsFeedGroupMappings) {
  HttpClient c(server_->port());
  auto claims = Claims("bob");
  claims[kOrgClaim] = "acme";
  claims["groups"] = boost::json::array{"other", "idp-eng"};
  const std::string token = EdDsa(claims);
  auto list = c.Get("/v1/workspaces", token);
  ASSERT_EQ(list.status, 200) << list.body;
  auto v = Json(list.body);
  ASSERT_TRUE(v.is_array()) << list.body;
  ASSERT_EQ(v.as_array().size(), 1u) << list.body;
  EXPECT_EQ(v.as_array()[0].as_object().at("id").as_string(), grouped_);
  EXPECT_EQ(c.Get("/v1/workspaces/" + grouped_, token).status, 200);
  // Without the group bob sees nothing, and gets 404 rather than the data.
  const std::string plain = EdDsa(Claims("bob"));
  auto none = c.Get("/v1/workspaces", plain);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, "[]");
  ExpectProblem(c.Get("/v1/workspaces/" + grouped_, plain), 404);
}

// Identities are per issuer and groups belong to tenants: the same group
// name from another organisation of the shared provider, from the provider
// without an organisation, or from the dev key grants nothing in Acme.
TEST_F(Auth, AGroupNameFromAnIssuerOrOrganisationAcmeDoesNotTrustGetsNothingInAcme) {
  HttpClient c(server_->port());
  auto globex = Claims("mallory");
  globex[kOrgClaim] = "globex";
  globex["groups"] = boost::json::array{"idp-eng"};
  auto no_org = Claims("mallory");
  no_org["groups"] = boost::json::array{"idp-eng"};
  const std::vector<std::pair<std::string, std::string>> strangers = {
      {"another organisation", EdDsa(globex)},
      {"no organisation", EdDsa(no_org)},
      {"the dev key", server_->Token("mallory", "idp-eng")}};
  for (const auto& [who, token] : strangers) {
    SCOPED_TRACE(who);
    EXPECT_EQ(c.Get("/v1/workspaces", token).body, "[]");
    for (const std::string suffix :
         {"", "/environments", "/members", "/audit", "/export"}) {
      ExpectProblem(c.Get("/v1/workspaces/" + grouped_ + suffix, token), 404);
    }
    ExpectProblem(c.Send("PUT", "/v1/workspaces/" + grouped_ + "/members/x",
                         {{"Authorization", "Bearer " + token},
                          {"Content-Type", "application/json"}},
                         R"({"role":"admin"})"),
                  404);
  }
  // The same sub from two issuers is two principals: the provider's alice is
  // not the dev key's alice, though both were made viewers here by name.
  auto bob = Claims("alice");
  bob[kOrgClaim] = "acme";
  EXPECT_EQ(c.Get(WorkspacePath(), EdDsa(bob)).status, 200);
  auto other_alice = Claims("alice");
  other_alice["iss"] = "https://elsewhere.test/";
  ExpectProblem(c.Get(WorkspacePath(), EdDsa(other_alice)), 401);
}

// The platform admin is named with its issuer: the provider's "admin" is a
// stranger, the dev key's "admin" (configuration platform_admins) is not.
TEST_F(Auth, AJwksTokenWhoseSubIsAdminIsNotThePlatformAdmin) {
  HttpClient c(server_->port());
  const auto create = [&](const std::string& token) {
    return c.Send("POST", "/v1/accounts",
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                  R"({"name":"Initech","admin":"peter"})");
  };
  ExpectProblem(create(EdDsa(Claims("admin"))), 403);
  EXPECT_EQ(create(server_->Token("admin")).status, 201);
}

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

namespace workspaced::testing {
namespace {

// With a JWKS configured and dev_tokens not named, the dev key signs in
// nobody: a forgotten default is not a second way in.
TEST(AuthDefaults, DevTokensAreOffWheneverAJwksIsConfiguredUnlessAskedFor) {
  const auto& keys = testkit::SharedKeys();
  TempDir dir;
  const std::string jwks_path = dir.path() + "/jwks.json";
  std::ofstream(jwks_path) << boost::json::serialize(
      boost::json::object{{"keys", boost::json::array{testkit::PublicJwk(*keys.ed, kEdKid)}}});
  ServerProcess::Options options;
  options.config_json = boost::json::serialize(boost::json::object{
      {"auth", {{"jwks_file", jwks_path}, {"issuer", kIssuer}, {"audience", kAudience}}}});
  auto server = ServerProcess::Start(std::move(options));
  HttpClient c(server->port());
  const std::int64_t now = Now();
  boost::json::object claims{{"iss", "workspaced-dev"}, {"aud", "workspaced"}, {"sub", "admin"},
                             {"iat", now},             {"exp", now + 300}};
  const auto dev = c.Get("/v1/workspaces", testkit::SignHs256Jwt(Header("HS256", "dev"),
                                                                   boost::json::serialize(claims),
                                                                   std::string(32, 'k')));
  ExpectProblem(dev, 401);
  EXPECT_EQ(Json(dev.body).as_object().at("detail").as_string(), "dev tokens are disabled");
  claims["iss"] = kIssuer;
  const std::string jwks_token = testkit::SignJwt(
      Header("EdDSA", kEdKid), boost::json::serialize(claims), JwtAlg::kEdDsa, *keys.ed);
  EXPECT_EQ(c.Get("/v1/workspaces", jwks_token).status, 200);
}

}  // namespace
}  // namespace workspaced::testing
