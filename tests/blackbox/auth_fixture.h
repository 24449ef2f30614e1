// The fixture of the authentication suites (auth_test.cc, accepted;
// auth_refused_test.cc, refused): one server with dev tokens and a JWKS of
// RS256, ES256 and EdDSA keys, its workspaces and group mappings, and the
// helpers that sign tokens for it.
#pragma once

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

namespace testkit = auth::testkit;
using auth::JwtAlg;
using model::WorkspaceRole;

inline constexpr char kIssuer[] = "https://idp.test/";
inline constexpr char kOrgClaim[] = "org_id";
inline constexpr char kAudience[] = "workspaced";
inline constexpr char kRsaKid[] = "rsa-1";
inline constexpr char kEcKid[] = "ec-1";
inline constexpr char kEdKid[] = "ed-1";
inline constexpr std::size_t kMaxTokenBytes = 8192;

inline std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string Header(const std::string& alg, const std::string& kid) {
  boost::json::object h{{"alg", alg}, {"typ", "JWT"}};
  if (!kid.empty()) h["kid"] = kid;
  return boost::json::serialize(h);
}

// The three dot-separated segments of a compact JWS.
inline std::vector<std::string> Segments(const std::string& token) {
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

}  // namespace workspaced::testing
