// The Blaxel-compatible /v0 surface through the real binary (on SQLite and,
// as Postgres.V0.*, on PostgreSQL): names address workspaces, the dialect's
// headers and errors, and that /v0 answers what /v1 answers.
#include <cctype>

#include "blackbox/fixture.h"
#include "support/database.h"

namespace workspaced::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using model::AccountRole;
using model::WorkspaceRole;

class V0 : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "acme-admin");
    globex_ = seed_->Account("Globex", "globex-admin");
    prod_ = seed_->Workspace(acme_, "Prod");
    seed_->Member(prod_, "ws-member", WorkspaceRole::kMember);
    c_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Send(const std::string& method, const std::string& target, const std::string& who,
                    const std::string& body = "", Headers extra = {}) {
    extra.emplace_back("X-Blaxel-Authorization", "Bearer " + server_->Token(who));
    if (!body.empty()) extra.emplace_back("Content-Type", "application/json");
    return c_->Send(method, target, extra, body);
  }
  std::string SlugOf(const std::string& id) {
    const HttpResponse r = c_->Get("/v1/workspaces/" + id, server_->Token("admin"));
    return std::string(Json(r.body).as_object().at("slug").as_string());
  }
  // Blaxel's error shape: exactly code, error, message.
  static void ExpectError(const HttpResponse& r, int status, const std::string& word = "") {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/json") << r.body;
    const auto o = Json(r.body).as_object();
    EXPECT_EQ(o.size(), 3u) << r.body;
    EXPECT_EQ(o.at("code").as_int64(), status);
    EXPECT_TRUE(o.at("message").is_string());
    if (!word.empty()) {
      EXPECT_EQ(o.at("error").as_string(), word) << r.body;
    }
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> c_;
  std::string acme_, globex_, prod_;
};

TEST_F(V0, GetByNameRendersBlaxelsWorkspace) {
  const std::string name = SlugOf(prod_);
  const HttpResponse r = Send("GET", "/v0/workspaces/" + name, "ws-member");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto w = Json(r.body).as_object();
  EXPECT_EQ(w.at("id").as_string(), prod_);
  EXPECT_EQ(w.at("name").as_string(), name);
  EXPECT_EQ(w.at("displayName").as_string(), "Prod");
  EXPECT_EQ(w.at("accountId").as_string(), acme_);
  EXPECT_EQ(w.at("status").as_string(), "ready");
  EXPECT_EQ(w.at("labels").as_object().at("team").as_string(), "platform");
  EXPECT_EQ(w.at("runtime").as_object().at("generation").as_string(), "mk3");
  // The Authorization header works as well as Blaxel's own.
  const HttpResponse plain = c_->Get("/v0/workspaces/" + name, server_->Token("ws-member"));
  EXPECT_EQ(plain.body, r.body);
}

// Paths this surface does not have, or methods a path does not take, are
// answered in its words too; statusReason only comes with the error status.
TEST_F(V0, UnknownPathsAndMethodsAnswerInBlaxelsShape) {
  ExpectError(Send("GET", "/v0/no-such-thing", "ws-member"), 404, "not_found");
  const HttpResponse m = Send("DELETE", "/v0/workspaces", "ws-member");
  ExpectError(m, 405, "method_not_allowed");
  EXPECT_NE(m.Header("Allow").find("GET"), std::string::npos) << m.Header("Allow");
}

TEST_F(V0, StatusReasonIsOnlySetForTheErrorStatus) {
  const std::string name = SlugOf(prod_);
  HttpResponse r = Send("GET", "/v0/workspaces/" + name, "ws-member");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Json(r.body).as_object().contains("statusReason")) << r.body;
  const HttpResponse frozen = c_->Send("PATCH", "/v1/workspaces/" + prod_ + "/status",
                                       {{"Authorization", "Bearer " + server_->Token("admin")},
                                        {"Content-Type", "application/json"}},
                                       R"({"status":"frozen","reason":"audit hold"})");
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  r = Send("GET", "/v0/workspaces/" + name, "ws-member");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).at("status").as_string(), "ready");
  EXPECT_FALSE(Json(r.body).as_object().contains("statusReason")) << r.body;
}

TEST_F(V0, StrangersAndUnknownNamesGetTheSame404) {
  const std::string name = SlugOf(prod_);
  ExpectError(Send("GET", "/v0/workspaces/" + name, "globex-admin"), 404, "not_found");
  ExpectError(Send("GET", "/v0/workspaces/no-such-name", "globex-admin"), 404, "not_found");
  // Not a valid name at all: the same answer, nothing echoed.
  const HttpResponse odd = Send("GET", "/v0/workspaces/%3Cscript%3E", "globex-admin");
  ExpectError(odd, 404, "not_found");
  EXPECT_EQ(odd.body.find("script"), std::string::npos);
}

TEST_F(V0, AMemberReadsButMayNotChange) {
  const std::string name = SlugOf(prod_);
  ExpectError(Send("PUT", "/v0/workspaces/" + name, "ws-member", R"({"displayName":"x"})"), 403,
              "forbidden");
  ExpectError(Send("PUT", "/v0/users/bob", "ws-member", R"({"role":"member"})",
                   {{"X-Blaxel-Workspace", name}}),
              403, "forbidden");
}

TEST_F(V0, ANameInTwoReadableAccountsIsAmbiguous) {
  // The same slug in two accounts: a platform admin reads both.
  const std::string name = SlugOf(prod_);
  const HttpResponse created =
      c_->Send("POST", "/v1/workspaces",
               {{"Authorization", "Bearer " + server_->Token("admin")},
                {"Content-Type", "application/json"}},
               R"({"account_id":")" + globex_ + R"(","name":"Prod","slug":")" + name +
                   R"(","region":"us-east-1"})");
  ASSERT_EQ(created.status, 202) << created.body;
  ExpectError(Send("GET", "/v0/workspaces/" + name, "admin"), 409, "ambiguous_name");
  // Each account's admin reads one of them only: no ambiguity there.
  EXPECT_EQ(Send("GET", "/v0/workspaces/" + name, "acme-admin").status, 200);
  EXPECT_EQ(Send("GET", "/v0/workspaces/" + name, "globex-admin").status, 200);
}

TEST_F(V0, CreateLandsInTheOneAdministeredAccountAndStartsTheSaga) {
  const HttpResponse r = Send("POST", "/v0/workspaces", "acme-admin",
                              R"({"name":"blaxel-made","region":"us-east-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto w = Json(r.body).as_object();
  EXPECT_EQ(w.at("accountId").as_string(), acme_);
  EXPECT_EQ(w.at("displayName").as_string(), "blaxel-made");
  // The same workspace on /v1, provisioning.
  const HttpResponse v1 = c_->Get("/v1/workspaces/" + std::string(w.at("id").as_string()),
                                  server_->Token("acme-admin"));
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(Json(v1.body).as_object().at("slug").as_string(), "blaxel-made");
  ExpectError(Send("POST", "/v0/workspaces", "acme-admin",
                   R"({"name":"blaxel-made","region":"us-east-1"})"),
              409);
}

TEST_F(V0, CreateWithSeveralAccountsNeedsAccountId) {
  seed_->AccountMember(globex_, "acme-admin", AccountRole::kAdmin);
  ExpectError(Send("POST", "/v0/workspaces", "acme-admin",
                   R"({"name":"two-accounts","region":"us-east-1"})"),
              400, "account_required");
  const HttpResponse r =
      Send("POST", "/v0/workspaces", "acme-admin",
           R"({"name":"two-accounts","region":"us-east-1","accountId":")" + globex_ + R"("})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("accountId").as_string(), globex_);
}

// As on /v1, authorization comes first: another tenant's admin naming
// Acme learns nothing from how the rest of its body is wrong (404, not 400
// or 409), and a caller administering no account gets 403.
TEST_F(V0, CreateDecidesAuthorizationBeforeTheBody) {
  ExpectError(Send("POST", "/v0/workspaces", "globex-admin",
                   R"({"name":"x","region":"mars","accountId":")" + acme_ + R"("})"),
              404);
  ExpectError(Send("POST", "/v0/workspaces", "globex-admin",
                   R"({"name":"availability","accountId":")" + acme_ + R"("})"),
              404);
  ExpectError(Send("POST", "/v0/workspaces", "ws-member", R"({"name":"x","region":"mars"})"), 403);
  ExpectError(
      Send("POST", "/v0/workspaces", "ws-member", R"({"name":"Bad Name","accountId":null})"),
      403);  // null names no account
  // Its own account: the body's problems.
  ExpectError(Send("POST", "/v0/workspaces", "acme-admin", R"({"name":"x","region":"mars"})"), 400);
}

// A PUT names the account in any case (a create lowercases it), and
// `runtime.generation: null` clears the generation, as null does on /v1.
TEST_F(V0, PutTakesTheAccountInAnyCaseAndNullClearsTheGeneration) {
  const std::string name = SlugOf(prod_);
  std::string upper = acme_;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  HttpResponse r = Send("PUT", "/v0/workspaces/" + name, "acme-admin",
                        R"({"accountId":")" + upper + R"(","runtime":{"generation":"mk4"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("runtime").at("generation").as_string(), "mk4");
  // A null field Blaxel has and we do not is as if absent, nested too; a
  // value for it is refused.
  r = Send("PUT", "/v0/workspaces/" + name, "acme-admin", R"({"runtime":{"sandbox":null}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("runtime").at("generation").as_string(), "mk4");
  ExpectError(Send("PUT", "/v0/workspaces/" + name, "acme-admin",
                   R"({"runtime":{"sandbox":{"memory":4096}}})"),
              400);
  r = Send("PUT", "/v0/workspaces/" + name, "acme-admin", R"({"runtime":{"generation":null}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const HttpResponse v1 = c_->Get("/v1/workspaces/" + prod_, server_->Token("acme-admin"));
  EXPECT_EQ(Json(v1.body).as_object().at("runtime").as_object().at("generation").as_string(), "")
      << v1.body;  // none, as /v1 shows it
}

TEST_F(V0, BadBodiesAre400WithoutEchoingThem) {
  const HttpResponse r =
      Send("POST", "/v0/workspaces", "acme-admin",
           R"({"name":"Not A Slug","region":"us-east-1","<img src=x>":1,"hipaaInfo":{}})");
  ExpectError(r, 400, "bad_request");
  EXPECT_EQ(r.body.find("<img"), std::string::npos) << r.body;
  // A label at fault is named once, its key's problem before its value's.
  const HttpResponse label = Send("POST", "/v0/workspaces", "acme-admin",
                                  R"({"name":"labelled","region":"us-east-1","labels":{"a!":1}})");
  ExpectError(label, 400, "bad_request");
  const std::string message(Json(label.body).as_object().at("message").as_string());
  const std::string field = "labels.(a field)";  // a bad key is not echoed
  EXPECT_NE(message.find(field), std::string::npos) << message;
  EXPECT_EQ(message.find(field), message.rfind(field)) << message;
  ExpectError(Send("POST", "/v0/workspaces", "acme-admin", "not json"), 400);
  ExpectError(Send("GET", "/v0/workspaces?colour=red", "acme-admin"), 400);
  // A group mapping's problem names its field as sent (camelCase), not as
  // /v1 spells it (outside audit).
  const HttpResponse group = Send(
      "POST", "/v0/workspaces", "acme-admin",
      R"({"name":"grouped","region":"us-east-1","groupMappings":[{"groupName":" g","role":"admin"}]})");
  ExpectError(group, 400, "bad_request");
  const std::string said(Json(group.body).as_object().at("message").as_string());
  EXPECT_NE(said.find("groupMappings[0].groupName"), std::string::npos) << said;
  EXPECT_EQ(said.find("group_name"), std::string::npos) << said;
}

TEST_F(V0, VersionsAndCredentials) {
  for (const char* ok : {"2026-04-28", "2026-04-16", "2026-04-28.preview"})
    EXPECT_EQ(Send("GET", "/v0/workspaces", "acme-admin", "", {{"Blaxel-Version", ok}}).status, 200)
        << ok;
  for (const char* bad : {"2020-01-01", "latest", "2026-04-28.beta", "<b>"}) {
    const HttpResponse r =
        Send("GET", "/v0/workspaces", "acme-admin", "", {{"Blaxel-Version", bad}});
    ExpectError(r, 400, "invalid_api_version");
    EXPECT_EQ(r.body.find(bad), std::string::npos) << r.body;
  }
  // No credential, and two that disagree.
  ExpectError(c_->Send("GET", "/v0/workspaces", {}, ""), 401, "unauthorized");
  ExpectError(c_->Send("GET", "/v0/workspaces",
                       {{"Authorization", "Bearer " + server_->Token("acme-admin")},
                        {"X-Blaxel-Authorization", "Bearer " + server_->Token("ws-member")}},
                       ""),
              400);
}

TEST_F(V0, UsersOfTheWorkspaceInTheHeaderOrQuery) {
  const std::string name = SlugOf(prod_);
  const HttpResponse put = Send("PUT", "/v0/users/bob", "acme-admin", R"({"role":"viewer"})",
                                {{"X-Blaxel-Workspace", name}});
  ASSERT_EQ(put.status, 200) << put.body;
  const HttpResponse list = Send("GET", "/v0/users?workspace=" + name, "acme-admin");
  ASSERT_EQ(list.status, 200) << list.body;
  bool bob = false;
  const boost::json::value users = Json(list.body);
  for (const auto& u : users.as_array())
    bob |= u.as_object().at("sub").as_string() == "bob" &&
           u.as_object().at("role").as_string() == "viewer";
  EXPECT_TRUE(bob) << list.body;
  // The same members /v1 lists.
  const HttpResponse v1 =
      c_->Get("/v1/workspaces/" + prod_ + "/members/bob", server_->Token("acme-admin"));
  EXPECT_EQ(v1.status, 200) << v1.body;
  ExpectError(Send("GET", "/v0/users", "acme-admin"), 400);
  ExpectError(Send("GET", "/v0/users?workspace=a", "acme-admin", "", {{"X-Blaxel-Workspace", "b"}}),
              400);
}

// /v0 has no force: a workspace whose pillars hold data is refused, and the
// refusal points at the way there is (/v1's delete with ?force=true), not
// at a query parameter /v0 refuses (outside audit).
TEST_F(V0, ASafeDeleteRefusalPointsAtV1sForce) {
  ExecSql(server_->data_dir(), "INSERT INTO pillar_items (workspace_id, pillar, item) VALUES ('" +
                                   prod_ + "', 'secret', 'API_KEY')");
  const std::string name = SlugOf(prod_);
  const HttpResponse r = Send("DELETE", "/v0/workspaces/" + name, "acme-admin");
  ExpectError(r, 409);
  const std::string message(Json(r.body).as_object().at("message").as_string());
  EXPECT_NE(message.find("DELETE /v1/workspaces/" + prod_ + "?force=true"), std::string::npos)
      << message;
  ExpectError(Send("DELETE", "/v0/workspaces/" + name + "?force=true", "acme-admin"), 400);
  EXPECT_EQ(c_->Get("/v1/workspaces/" + prod_, server_->Token("acme-admin")).status, 200);
}

// /v0 answers with /v1's ETags and honours If-Match as /v1 does: a change
// conditioned on a version that is no longer current changes nothing.
TEST_F(V0, ChangesHonourIfMatchWithTheWorkspacesAndMembersETags) {
  const std::string name = SlugOf(prod_);
  const HttpResponse got = Send("GET", "/v0/workspaces/" + name, "acme-admin");
  ASSERT_EQ(got.status, 200) << got.body;
  const std::string etag = got.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag, c_->Get("/v1/workspaces/" + prod_, server_->Token("acme-admin")).Header("ETag"));
  HttpResponse r = Send("PUT", "/v0/workspaces/" + name, "acme-admin", R"({"displayName":"First"})",
                        {{"If-Match", etag}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string next = r.Header("ETag");
  EXPECT_NE(next, etag);
  // The old ETag is stale now: 412, and nothing changes.
  r = Send("PUT", "/v0/workspaces/" + name, "acme-admin", R"({"displayName":"Second"})",
           {{"If-Match", etag}});
  ExpectError(r, 412);
  ExpectError(Send("DELETE", "/v0/workspaces/" + name, "acme-admin", "", {{"If-Match", etag}}),
              412);
  const HttpResponse now = Send("GET", "/v0/workspaces/" + name, "acme-admin");
  EXPECT_EQ(Json(now.body).as_object().at("displayName").as_string(), "First") << now.body;
  EXPECT_EQ(now.Header("ETag"), next);

  // A membership: If-None-Match: * creates only; a stale If-Match is 412.
  const Headers ws{{"X-Blaxel-Workspace", name}};
  Headers create = ws;
  create.emplace_back("If-None-Match", "*");
  r = Send("PUT", "/v0/users/bob", "acme-admin", R"({"role":"viewer"})", create);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string bob = r.Header("ETag");
  ASSERT_FALSE(bob.empty());
  ExpectError(Send("PUT", "/v0/users/bob", "acme-admin", R"({"role":"admin"})", create), 412);
  Headers stale = ws;
  stale.emplace_back("If-Match", "\"not-bobs\"");
  ExpectError(Send("PUT", "/v0/users/bob", "acme-admin", R"({"role":"admin"})", stale), 412);
  ExpectError(Send("DELETE", "/v0/users/bob", "acme-admin", "", stale), 412);
  const HttpResponse v1 =
      c_->Get("/v1/workspaces/" + prod_ + "/members/bob", server_->Token("acme-admin"));
  EXPECT_NE(v1.body.find("\"viewer\""), std::string::npos) << v1.body;
  EXPECT_EQ(v1.Header("ETag"), bob);
}

}  // namespace
}  // namespace workspaced::testing
