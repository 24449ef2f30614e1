// Broken object-level authorization, checked exhaustively: every endpoint
// that names an object, called by every kind of caller against tenant A's
// account, workspace and provisioning run. Each answer must be the one the
// permission table (docs/authorization.md) gives — 404 without read, 403 with
// read but without the permission needed, else the endpoint's own answer —
// and no body given to a caller without read may hold anything of tenant A's.
//
// Requests that pass authorization are built to change nothing (an invalid
// body, a member who does not exist, a retry of a succeeded run), so one
// server serves the whole matrix.
#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

enum Perm { kNone = 0, kRead = 1, kWrite = 2, kAdminister = 3 };

struct Role {
  std::string subject;
  Perm on_account;    // on tenant A's account
  Perm on_workspace;  // on tenant A's workspace (and its run)
  bool platform_admin;
};

const std::vector<Role>& Roles() {
  static const std::vector<Role> roles = {
      {"nobody", kNone, kNone, false},           {"ws-viewer", kNone, kRead, false},
      {"ws-member", kNone, kWrite, false},       {"ws-admin", kNone, kAdminister, false},
      {"acct-member", kRead, kRead, false},      {"acct-admin", kAdminister, kAdminister, false},
      {"admin", kAdminister, kAdminister, true},  // the platform admin
      {"rival-admin", kNone, kNone, false},       // tenant B's account admin
  };
  return roles;
}

// kAccountByPlatform: an account's setting only platform admins change (the
// account's own admins may read the account, so they get 403, not 404).
enum class On { kAccount, kWorkspace, kPlatform, kAccountByPlatform };

struct Endpoint {
  std::string method;
  std::string path;  // {a}, {w}, {r} are tenant A's account, workspace, run
  std::string body;
  On on;
  Perm needs;
  int allowed;                      // the answer once authorization passes
  std::string allowed_detail = "";  // for an allowed 404: what its detail says
};

const std::vector<Endpoint>& Endpoints() {
  static const std::vector<Endpoint> endpoints = {
      {"GET", "/v1/workspaces/{w}", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/environments", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/members", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/audit", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/export", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/provisioning-runs/{r}", "", On::kWorkspace, kRead, 200},
      {"PATCH", "/v1/workspaces/{w}/status", R"({"status":"deleted"})", On::kWorkspace, kAdminister,
       422},
      {"PUT", "/v1/workspaces/{w}/members/someone", R"({"role":"owner"})", On::kWorkspace,
       kAdminister, 422},
      {"DELETE", "/v1/workspaces/{w}/members/not-a-member", "", On::kWorkspace, kAdminister, 404,
       "member"},
      {"PUT", "/v1/workspaces/{w}/group-mappings", R"([{"group_name":"","role":"viewer"}])",
       On::kWorkspace, kAdminister, 422},
      {"POST", "/v1/provisioning-runs/{r}/retry", "", On::kWorkspace, kAdminister, 409},
      {"GET", "/v1/workspaces/by-account/{a}", "", On::kAccount, kRead, 200},
      {"GET", "/v1/accounts/{a}", "", On::kAccount, kRead, 200},
      {"GET", "/v1/accounts/{a}/members", "", On::kAccount, kRead, 200},
      {"POST", "/v1/workspaces", R"({"account_id":"{a}","name":"","region":"us-east-1"})",
       On::kAccount, kAdminister, 422},
      {"PUT", "/v1/accounts/{a}/members/someone", R"({"role":"owner"})", On::kAccount, kAdminister,
       422},
      {"DELETE", "/v1/accounts/{a}/members/not-a-member", "", On::kAccount, kAdminister, 404,
       "member"},
      {"POST", "/v1/accounts", R"({"name":"","admin":"x"})", On::kPlatform, kAdminister, 422},
      {"PUT", "/v1/accounts/{a}/trusted-issuers", "[]", On::kAccountByPlatform, kAdminister, 422},
  };
  return endpoints;
}

std::string Fill(std::string s, const std::string& a, const std::string& w, const std::string& r) {
  for (const auto& [key, value] :
       {std::pair<std::string, std::string>{"{a}", a}, {"{w}", w}, {"{r}", r}}) {
    for (auto at = s.find(key); at != std::string::npos; at = s.find(key))
      s.replace(at, key.size(), value);
  }
  return s;
}

TEST(Bola, EveryEndpointAnswersEveryCallerExactlyAsThePermissionTableSays) {
  ServerProcess::Options o;
  o.config_json = FastSagaConfig();
  auto server = ServerProcess::Start(o);
  Seeder seed(server->data_dir());
  const std::string acme = seed.Account("Acme Secret Corp", "acct-admin");
  seed.AccountMember(acme, "acct-member", AccountRole::kMember);
  const std::string globex = seed.Account("Globex", "rival-admin");
  const std::string rival_ws = seed.Workspace(globex, "Rival");

  // Tenant A's workspace, created through the API so it has a run.
  HttpClient c(server->port());
  const HttpResponse created =
      PostWorkspace(c, server->Token("acct-admin"),
                    CreateBody(acme, "tenant-a-secret", R"(,"labels":{"codename":"bluebird"})"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto accepted = Json(created.body).as_object();
  const std::string ws(accepted.at("workspace_id").as_string());
  const std::string run(accepted.at("provisioning_run_id").as_string());
  ASSERT_EQ(WaitRun(c, server->Token("acct-admin"), run).at("state").as_string(), "succeeded");
  seed.Member(ws, "ws-viewer", WorkspaceRole::kViewer);
  seed.Member(ws, "ws-member", WorkspaceRole::kMember);
  seed.Member(ws, "ws-admin", WorkspaceRole::kAdmin);
  const std::string etag_before =
      c.Get("/v1/workspaces/" + ws, server->Token("admin")).Header("ETag");
  ASSERT_FALSE(etag_before.empty());
  const std::vector<std::string> secrets = {
      acme, ws, run, "tenant-a-secret", "bluebird", "Acme Secret Corp"};

  int calls = 0;
  for (const Role& role : Roles()) {
    const std::string token = server->Token(role.subject);
    for (const Endpoint& e : Endpoints()) {
      const std::string path = Fill(e.path, acme, ws, run);
      std::vector<std::pair<std::string, std::string>> headers{
          {"Authorization", "Bearer " + token}};
      if (!e.body.empty()) headers.emplace_back("Content-Type", "application/json");
      const HttpResponse r = c.Send(e.method, path, headers, Fill(e.body, acme, ws, run));
      ++calls;

      Perm has = kNone;
      int want = 0;
      if (e.on == On::kPlatform) {
        want = role.platform_admin ? e.allowed : 403;
      } else if (e.on == On::kAccountByPlatform) {
        has = role.on_account;
        want = has == kNone ? 404 : role.platform_admin ? e.allowed : 403;
      } else {
        has = e.on == On::kAccount ? role.on_account : role.on_workspace;
        want = has == kNone ? 404 : has < e.needs ? 403 : e.allowed;
      }
      const std::string what = role.subject + " " + e.method + " " + e.path;
      EXPECT_EQ(r.status, want) << what << ": " << r.body;
      if (want == 404 && e.allowed_detail.empty() == false && has >= e.needs) {
        EXPECT_NE(r.body.find(e.allowed_detail), std::string::npos) << what << ": " << r.body;
      }
      if (has == kNone) {
        for (const auto& secret : secrets)
          EXPECT_EQ(r.body.find(secret), std::string::npos)
              << what << " leaks '" << secret << "': " << r.body;
      }
    }
    // The caller's own list (workspaces with a membership) shows tenant A's
    // workspace to its members only — its creator, acct-admin, is one — and
    // tenant B's to nobody here.
    const std::string list = c.Get("/v1/workspaces", token).body;
    const bool member = role.subject.rfind("ws-", 0) == 0 || role.subject == "acct-admin";
    EXPECT_EQ(list.find(ws) != std::string::npos, member) << role.subject << ": " << list;
    EXPECT_EQ(list.find(rival_ws), std::string::npos) << role.subject << ": " << list;
  }
  EXPECT_EQ(calls, static_cast<int>(Roles().size() * Endpoints().size()));
  // Nothing above changed tenant A's workspace.
  const HttpResponse after = c.Get("/v1/workspaces/" + ws, server->Token("admin"));
  EXPECT_EQ(after.Header("ETag"), etag_before);
  EXPECT_EQ(Json(after.body).as_object().at("status").as_string(), "active");
}

}  // namespace
}  // namespace workspaced::testing
