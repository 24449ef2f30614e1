// Bearer authentication against the real server: dev tokens and RS256 /
// ES256 / EdDSA tokens from a JWKS file, accepted as they should be, groups
// counted only where their issuer is trusted; the refusals are in
// auth_refused_test.cc, the fixture in auth_fixture.h.
#include "blackbox/auth_fixture.h"
#include "blackbox/provisioning_support.h"
#include "support/database.h"

namespace workspaced::testing {
namespace {

// --- accepted -------------------------------------------------------------

// The JWKS file is read again within a second or two of a change, without
// a restart: the provider's new key is accepted and a withdrawn one refused
// (a token of it verified before too: the cache does not outlive the key).
TEST_F(Auth, TheJwksFileIsReadAgainWhenItChanges) {
  const auto& keys = testkit::SharedKeys();
  const std::string old_token = Rs256(Claims());
  const std::string new_token = Rs256(Claims(), "rsa-next");
  HttpClient c(server_->port());
  ASSERT_EQ(c.Get(WorkspacePath(), old_token).status, 200);
  ASSERT_EQ(c.Get(WorkspacePath(), new_token).status, 401);
  const std::string path = jwks_dir_->path() + "/jwks.json";
  const auto write = [&](const std::string& kid) {
    const boost::json::object jwks{{"keys", boost::json::array{testkit::PublicJwk(*keys.rsa, kid),
                                                               testkit::PublicJwk(*keys.ec, kEcKid),
                                                               testkit::PublicJwk(*keys.ed, kEdKid)}}};
    std::ofstream(path + ".next") << boost::json::serialize(jwks);
    return std::rename((path + ".next").c_str(), path.c_str()) == 0;
  };
  ASSERT_TRUE(write("rsa-next"));  // the RSA key under its new id; the old id withdrawn
  EXPECT_TRUE(Eventually([&] { return c.Get(WorkspacePath(), new_token).status == 200; }, 10));
  EXPECT_EQ(c.Get(WorkspacePath(), old_token).status, 401);
  ASSERT_TRUE(write(std::string(kRsaKid)));  // as the suite had it
  EXPECT_TRUE(Eventually([&] { return c.Get(WorkspacePath(), old_token).status == 200; }, 10));
}

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

// Two replicas started with different platform_admins: each decided by its
// own configuration while the last to start wrote the database's list, so
// one replica let eve (not in its list) administer every account while
// refusing her account creation, and refused ops (in its list) one account
// while listing them all (outside audit). Now the database decides, the
// same on both, for every endpoint.
TEST(AuthPlatformAdmins, EveryReplicaAnswersFromTheSameListOfPlatformAdmins) {
  ServerProcess::Options first;
  first.config_json = R"({"platform_admins":["admin","ops"]})";
  auto one = ServerProcess::Start(first);
  ServerProcess::Options second;
  second.data_dir = one->data_dir();
  second.config_json = R"({"platform_admins":["admin","eve"]})";
  auto two = ServerProcess::Start(second);  // the last to start: its list is written
  HttpClient c1(one->port()), c2(two->port());
  const std::string accounts = c1.Get("/v1/accounts", one->Token("admin")).body;
  const std::string account(Json(accounts).as_array().at(0).as_object().at("id").as_string());
  for (auto [c, server] : {std::pair{&c1, one.get()}, std::pair{&c2, two.get()}}) {
    const auto create = [&](const std::string& who) {
      return c->Send("POST", "/v1/accounts",
                     {{"Authorization", "Bearer " + server->Token(who)},
                      {"Content-Type", "application/json"}},
                     R"({"name":"By )" + who + R"(","admin":")" + who + R"("})");
    };
    EXPECT_EQ(c->Get("/v1/accounts/" + account, server->Token("eve")).status, 200);
    EXPECT_EQ(create("eve").status, 201);
    ExpectProblem(c->Get("/v1/accounts/" + account, server->Token("ops")), 404);
    ExpectProblem(create("ops"), 403);
    // ops is no one's member: the list agrees with the GET (it listed all).
    EXPECT_TRUE(Json(c->Get("/v1/accounts", server->Token("ops")).body).as_array().empty());
  }
}

// A serve that cannot start (its port is taken) changes no one's rights:
// it wrote its platform_admins to the database before it failed, so
// "ops" became platform admin of the running replica and "admin" lost it,
// unaudited (outside audit). A start that succeeds records the change.
TEST(AuthPlatformAdmins, AServeThatFailsToStartChangesNoPlatformAdmin) {
  ServerProcess::Options first;
  first.config_json = R"({"platform_admins":["admin"]})";
  auto one = ServerProcess::Start(first);
  TempDir dir;
  const std::string cfg = dir.path() + "/ops.json";
  std::ofstream(cfg) << R"({"platform_admins":["ops"]})";
  const CommandResult failed =
      RunWorkspaced({"serve", "--data-dir", one->data_dir(), "--config", cfg, "--listen",
                     "127.0.0.1:" + std::to_string(one->port())});
  EXPECT_NE(failed.exit_code, 0) << failed.out << failed.err;
  HttpClient c(one->port());
  const auto create = [&](const std::string& who) {
    return c.Send("POST", "/v1/accounts",
                  {{"Authorization", "Bearer " + one->Token(who)},
                   {"Content-Type", "application/json"}},
                  R"({"name":"By )" + who + R"(","admin":")" + who + R"("})");
  };
  ExpectProblem(create("ops"), 403);
  EXPECT_EQ(create("admin").status, 201);

  ServerProcess::Options second;
  second.data_dir = one->data_dir();
  second.config_json = R"({"platform_admins":["admin","ops"]})";
  auto two = ServerProcess::Start(second);
  EXPECT_EQ(create("ops").status, 201);  // one answers from the database's list
  EXPECT_EQ(QueryNumber(one->data_dir(), "SELECT COUNT(*) FROM audit_events WHERE action = "
                                       "'platform.admins.set' AND details LIKE '%ops%'"),
            1);
}

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

// auth.max_token_lifetime_seconds: a token valid for longer than the limit
// (exp - iat, else exp - nbf, else exp - now) is refused, however valid it
// is otherwise; within it, accepted.
TEST(AuthDefaults, ATokenLivingLongerThanTheConfiguredMaximumIsRefused) {
  ServerProcess::Options options;
  options.config_json = R"({"auth":{"max_token_lifetime_seconds":3600}})";
  auto server = ServerProcess::Start(std::move(options));
  auto random = NewSecureRandom();
  const auto dev_key = app::LoadOrCreateDevKey(server->data_dir(), *random);
  ASSERT_TRUE(dev_key.ok()) << dev_key.status().message();
  HttpClient c(server->port());
  const std::int64_t now = Now();
  auto get = [&](const boost::json::object& claims) {
    return c.Get("/v1/workspaces", testkit::SignHs256Jwt(Header("HS256", "dev"),
                                                         boost::json::serialize(claims), *dev_key));
  };
  boost::json::object claims{{"iss", "workspaced-dev"},
                             {"aud", "workspaced"},
                             {"sub", "admin"},
                             {"iat", now},
                             {"exp", now + 3600}};
  EXPECT_EQ(get(claims).status, 200);
  claims["exp"] = now + 3601;
  auto r = get(claims);
  ExpectProblem(r, 401);
  EXPECT_EQ(Json(r.body).as_object().at("detail").as_string(),
            "token lifetime exceeds the allowed maximum");
  // Issued long ago, expiring soon: its lifetime still counts from iat.
  claims["iat"] = now - 86400;
  claims["exp"] = now + 60;
  EXPECT_EQ(get(claims).status, 401);
  // Without iat nor nbf, from now.
  claims.erase("iat");
  claims["exp"] = now + 600;
  EXPECT_EQ(get(claims).status, 200);
  claims["exp"] = now + 7200;
  EXPECT_EQ(get(claims).status, 401);
}

}  // namespace
}  // namespace workspaced::testing
