// Broken object-level authorization, checked exhaustively: every endpoint
// that names an object, called by every kind of caller against tenant A's
// account, workspace and provisioning run. Each answer must be the one the
// permission table (docs/authorization.md) gives — 404 without read, 403 with
// read but without the permission needed, else the endpoint's own answer —
// and no body given to a caller without read may hold anything of tenant A's.
//
// Callers hold their role directly, through their account, or only through a
// group mapping of the workspace (a dev token's `groups`); one holds a group
// mapped only in tenant B's workspace.
//
// In the first matrix, requests that pass authorization are built to change
// nothing (an invalid body, a member who does not exist, a retry of a
// succeeded run), so one server serves it whole. The second calls every write
// with a valid body: refused callers change nothing, allowed ones change what
// the endpoint says, and the change is undone before the next caller.
#include <functional>
#include <tuple>

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
  std::string groups = "";  // the token's `groups`; the role's only source when set
};

// Tenant A's workspaces map these groups; tenant B's maps only "b-eng".
const char* const kGroupMappings =
    R"([{"group_name":"a-viewers","role":"viewer"},{"group_name":"a-members","role":"member"},)"
    R"({"group_name":"a-admins","role":"admin"}])";

const std::vector<Role>& Roles() {
  static const std::vector<Role> roles = {
      {"nobody", kNone, kNone, false},
      {"ws-viewer", kNone, kRead, false},
      {"ws-member", kNone, kWrite, false},
      {"ws-admin", kNone, kAdminister, false},
      {"acct-member", kRead, kRead, false},
      {"acct-admin", kAdminister, kAdminister, false},
      {"admin", kAdminister, kAdminister, true},  // the platform admin
      {"rival-admin", kNone, kNone, false},       // tenant B's account admin
      {"grp-viewer", kNone, kRead, false, "a-viewers"},
      {"grp-member", kNone, kWrite, false, "a-members"},
      {"grp-admin", kNone, kAdminister, false, "a-admins"},
      {"rival-grp", kNone, kNone, false, "b-eng"},  // admin of tenant B's workspace by group
  };
  return roles;
}

// kAccountByPlatform: an account's setting only platform admins change (the
// account's own admins may read the account, so they get 403, not 404).
// kFailedWorkspace: tenant A's workspace whose provisioning failed, with the
// same direct members and mappings; its mappings were compensated, so it
// grants nothing by group.
enum class On { kAccount, kWorkspace, kPlatform, kAccountByPlatform, kFailedWorkspace };

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
      {"GET", "/v1/workspaces/{w}/secrets", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/secrets/absent", "", On::kWorkspace, kRead, 404,
       "secret not found"},
      {"PUT", "/v1/workspaces/{w}/secrets/absent", R"({"value":""})", On::kWorkspace, kWrite, 422},
      {"DELETE", "/v1/workspaces/{w}/secrets/absent", "", On::kWorkspace, kWrite, 404,
       "secret not found"},
      // reveal_secret = administer (authz/schema.zed)
      {"POST", "/v1/workspaces/{w}/secrets/absent/reveal", "", On::kWorkspace, kAdminister, 404,
       "secret not found"},
      {"GET", "/v1/workspaces/{w}/vault/records", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/vault/records/00000000-0000-7000-8000-000000000000", "",
       On::kWorkspace, kRead, 404, "vault record not found"},
      {"POST", "/v1/workspaces/{w}/vault/records", R"({"fields":{}})", On::kWorkspace, kWrite,
       422},
      {"DELETE", "/v1/workspaces/{w}/vault/records/00000000-0000-7000-8000-000000000000", "",
       On::kWorkspace, kWrite, 404, "vault record not found"},
      // masks for read, values for detokenize (= administer): both 200
      {"POST", "/v1/workspaces/{w}/vault/detokenize", R"({"tokens":["vtr_AAAAAAAAAAAAAAAAAAAAAA"]})",
       On::kWorkspace, kRead, 200},
      {"PATCH", "/v1/workspaces/{w}", R"({"status":"active"})", On::kWorkspace, kAdminister, 422},
      {"PATCH", "/v1/workspaces/{w}/status", R"({"status":"deleted"})", On::kWorkspace, kAdminister,
       422},
      {"PUT", "/v1/workspaces/{w}/members/someone", R"({"role":"owner"})", On::kWorkspace,
       kAdminister, 422},
      {"DELETE", "/v1/workspaces/{w}/members/not-a-member", "", On::kWorkspace, kAdminister, 404,
       "member"},
      {"PUT", "/v1/workspaces/{w}/group-mappings", R"([{"group_name":"","role":"viewer"}])",
       On::kWorkspace, kAdminister, 422},
      {"POST", "/v1/provisioning-runs/{r}/retry", "", On::kWorkspace, kAdminister, 409},
      {"GET", "/v1/operations/{r}", "", On::kWorkspace, kRead, 200},
      {"GET", "/v1/workspaces/{w}/operations", "", On::kWorkspace, kRead, 200},
      {"POST", "/v1/operations/{r}/cancel", "", On::kWorkspace, kAdminister, 409},
      {"DELETE", "/v1/workspaces/{w}?force=maybe", "", On::kWorkspace, kAdminister, 400},
      {"POST", "/v1/workspaces/{w}/restore", "", On::kWorkspace, kAdminister, 409},
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
      {"GET", "/v1/accounts/{a}/quotas", "", On::kAccount, kRead, 200},
      {"PUT", "/v1/accounts/{a}/quotas", R"({"workspaces":-1})", On::kAccountByPlatform,
       kAdminister, 422},
  };
  return endpoints;
}

struct Expected {
  Perm has;  // what the caller holds on the object the endpoint names
  int status;
};

Expected Expect(const Role& role, const Endpoint& e) {
  switch (e.on) {
    case On::kPlatform:
      return {kNone, role.platform_admin ? e.allowed : 403};
    case On::kAccountByPlatform:
      return {role.on_account, role.on_account == kNone ? 404
                               : role.platform_admin    ? e.allowed
                                                        : 403};
    default:
      break;
  }
  Perm has = role.on_workspace;
  if (e.on == On::kAccount) has = role.on_account;
  if (e.on == On::kFailedWorkspace && !role.groups.empty()) has = kNone;
  return {has, has == kNone ? 404 : has < e.needs ? 403 : e.allowed};
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
  const std::string rival_ws = seed.Workspace(globex, "Rival", {{"b-eng", WorkspaceRole::kAdmin}});

  // Tenant A's workspace, created through the API so it has a run.
  HttpClient c(server->port());
  const HttpResponse created =
      PostWorkspace(c, server->Token("acct-admin"),
                    CreateBody(acme, "tenant-a-secret",
                               R"(,"labels":{"codename":"bluebird"},"group_mappings":)" +
                                   std::string(kGroupMappings)));
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
    const std::string token = server->Token(role.subject, role.groups);
    for (const Endpoint& e : Endpoints()) {
      const std::string path = Fill(e.path, acme, ws, run);
      std::vector<std::pair<std::string, std::string>> headers{
          {"Authorization", "Bearer " + token}};
      if (!e.body.empty()) headers.emplace_back("Content-Type", "application/json");
      const HttpResponse r = c.Send(e.method, path, headers, Fill(e.body, acme, ws, run));
      ++calls;

      const auto [has, want] = Expect(role, e);
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
    // The caller's own list (workspaces with a direct or group membership)
    // shows tenant A's workspace to its members only — its creator,
    // acct-admin, is one, and so is each group-derived caller — and tenant
    // B's only to the holder of its group.
    const std::string list = c.Get("/v1/workspaces", token).body;
    const bool member = role.subject.rfind("ws-", 0) == 0 || role.subject.rfind("grp-", 0) == 0 ||
                        role.subject == "acct-admin";
    EXPECT_EQ(list.find(ws) != std::string::npos, member) << role.subject << ": " << list;
    EXPECT_EQ(list.find(rival_ws) != std::string::npos, role.subject == "rival-grp")
        << role.subject << ": " << list;
    // The accounts list holds tenant A's account for exactly the callers
    // who may read it, and tenant B's for its admin and the platform's.
    const std::string accounts = c.Get("/v1/accounts", token).body;
    EXPECT_EQ(accounts.find(acme) != std::string::npos, role.on_account != kNone)
        << role.subject << ": " << accounts;
    EXPECT_EQ(accounts.find(globex) != std::string::npos,
              role.subject == "rival-admin" || role.platform_admin)
        << role.subject << ": " << accounts;
  }
  EXPECT_EQ(calls, static_cast<int>(Roles().size() * Endpoints().size()));
  // Nothing above changed tenant A's workspace.
  const HttpResponse after = c.Get("/v1/workspaces/" + ws, server->Token("admin"));
  EXPECT_EQ(after.Header("ETag"), etag_before);
  EXPECT_EQ(Json(after.body).as_object().at("status").as_string(), "active");
}

// What the valid writes below may change, read as the platform admin and from
// the database: tenant A's workspace (W) and failed workspace (F), its
// account, and counts of what cannot be deleted.
struct State {
  std::string ws_status, ws_fields, ws_mappings, ws_members, acct_members, issuers, quotas;
  long long acct_workspaces = 0, accounts = 0, failed_runs = 0;
  std::string ws_etag, failed_etag;  // versions: a write and its undoing move them
  long long audit = 0;               // events of changes (refusals are audited apart)

  auto Logical() const {
    return std::tie(ws_status, ws_fields, ws_mappings, ws_members, acct_members, issuers, quotas,
                    acct_workspaces, accounts, failed_runs);
  }
  bool operator==(const State&) const = default;
};

std::string Members(const std::string& body) {  // "subject=role " in the list's order
  std::string out;
  const boost::json::value list = Json(body);
  for (const auto& m : list.as_array())
    out += std::string(m.at("subject").as_string()) + "=" + std::string(m.at("role").as_string()) +
           " ";
  return out;
}

State Read(HttpClient& c, const ServerProcess& server, const std::string& admin,
           const std::string& acme, const std::string& ws, const std::string& failed) {
  State s;
  const HttpResponse w = c.Get("/v1/workspaces/" + ws, admin);
  const auto wo = Json(w.body).as_object();
  s.ws_status = wo.at("status").as_string();
  for (const char* field : {"name", "slug", "labels", "runtime", "deletion_protection"})
    s.ws_fields += boost::json::serialize(wo.at(field)) + " ";
  s.ws_mappings = boost::json::serialize(wo.at("group_mappings"));
  s.ws_etag = w.Header("ETag");
  s.failed_etag = c.Get("/v1/workspaces/" + failed, admin).Header("ETag");
  s.ws_members = Members(c.Get("/v1/workspaces/" + ws + "/members", admin).body);
  s.acct_members = Members(c.Get("/v1/accounts/" + acme + "/members", admin).body);
  s.issuers = boost::json::serialize(
      Json(c.Get("/v1/accounts/" + acme, admin).body).as_object().at("trusted_issuers"));
  const auto q = Json(c.Get("/v1/accounts/" + acme + "/quotas", admin).body).as_object();
  for (const char* limit : {"workspaces", "members_per_workspace", "regions"})
    s.quotas += boost::json::serialize(q.at(limit).at("allowed")) + " ";
  const std::string& dir = server.data_dir();
  s.acct_workspaces =
      CountRows(dir, "SELECT COUNT(*) FROM workspaces WHERE account_id = '" + acme + "'");
  s.accounts = CountRows(dir, "SELECT COUNT(*) FROM accounts");
  s.failed_runs = CountRows(
      dir, "SELECT COUNT(*) FROM provisioning_runs WHERE workspace_id = '" + failed + "'");
  s.audit = CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE action <> 'authz.denied'");
  return s;
}

// A write with a valid body: what an allowed caller's change looks like, and
// how the platform admin undoes it. An empty undo: the change cannot be
// undone through the API (nothing deletes an account, and a
// retried run stays retried), so the next caller meets the state it left. A
// delete is undone by a restore (docs/lifecycle.md).
struct ValidWrite {
  Endpoint endpoint;
  std::function<bool(const State& before, const State& after)> changed;
  Endpoint undo = {};
};

TEST(Bola, EveryWriteWithAValidBodyChangesStateForExactlyTheCallersWithThePermission) {
  // Every provisioning run fails at its last step: F's retries fail again, so
  // each caller meets a failed run to retry. W is seeded ready (no saga).
  ServerProcess::Options o;
  o.config_json = FastSagaConfig();
  o.env["WORKSPACED_FAILPOINTS"] = "activate=fatal";
  auto server = ServerProcess::Start(o);
  Seeder seed(server->data_dir());
  const std::string acme = seed.Account("Acme", "acct-admin");
  seed.AccountMember(acme, "acct-member", AccountRole::kMember);
  seed.AccountMember(acme, "acct-leaver", AccountRole::kMember);
  const std::string globex = seed.Account("Globex", "rival-admin");
  seed.Workspace(globex, "Rival", {{"b-eng", WorkspaceRole::kAdmin}});
  const std::string ws = seed.Workspace(acme, "Tenant A",
                                        {{"a-viewers", WorkspaceRole::kViewer},
                                         {"a-members", WorkspaceRole::kMember},
                                         {"a-admins", WorkspaceRole::kAdmin}});
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const HttpResponse created = PostWorkspace(
      c, server->Token("acct-admin"),
      CreateBody(acme, "Failed", R"(,"group_mappings":)" + std::string(kGroupMappings)));
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string failed(Json(created.body).as_object().at("workspace_id").as_string());
  std::string failed_run(Json(created.body).as_object().at("provisioning_run_id").as_string());
  ASSERT_EQ(WaitRun(c, admin, failed_run).at("state").as_string(), "failed");
  for (const std::string& w : {ws, failed}) {
    seed.Member(w, "ws-viewer", WorkspaceRole::kViewer);
    seed.Member(w, "ws-member", WorkspaceRole::kMember);
    seed.Member(w, "ws-admin", WorkspaceRole::kAdmin);
  }
  seed.Member(ws, "leaver", WorkspaceRole::kViewer);
  const std::string issuers_before = boost::json::serialize(
      Json(c.Get("/v1/accounts/" + acme, admin).body).as_object().at("trusted_issuers"));

  const auto has = [](const std::string& list, const std::string& entry) {
    return list.find(entry + " ") != std::string::npos;
  };
  const std::vector<ValidWrite> writes = {
      {{"PATCH", "/v1/workspaces/{w}",
        R"({"name":"Renamed","labels":{"bola":"yes"},"deletion_protection":true})", On::kWorkspace,
        kAdminister, 200},
       [](const State& b, const State& s) {
         return s.ws_fields.find(R"("Renamed")") != std::string::npos &&
                s.ws_fields.find(R"("bola":"yes")") != std::string::npos &&
                s.ws_fields.find(" true ") != std::string::npos && s.ws_etag != b.ws_etag;
       },
       {"PATCH", "/v1/workspaces/{w}",
        R"({"name":"Tenant A","labels":{"bola":null},"deletion_protection":false})", On::kWorkspace,
        kAdminister, 200}},
      {{"PATCH", "/v1/workspaces/{w}/status", R"({"status":"frozen","reason":"bola"})",
        On::kWorkspace, kAdminister, 200},
       [](const State&, const State& s) { return s.ws_status == "frozen"; },
       {"PATCH", "/v1/workspaces/{w}/status", R"({"status":"active"})", On::kWorkspace, kAdminister,
        200}},
      {{"PUT", "/v1/workspaces/{w}/members/newcomer", R"({"role":"viewer"})", On::kWorkspace,
        kAdminister, 201},
       [&](const State&, const State& s) { return has(s.ws_members, "newcomer=viewer"); },
       {"DELETE", "/v1/workspaces/{w}/members/newcomer", "", On::kWorkspace, kAdminister, 204}},
      {{"DELETE", "/v1/workspaces/{w}/members/leaver", "", On::kWorkspace, kAdminister, 204},
       [&](const State&, const State& s) { return !has(s.ws_members, "leaver=viewer"); },
       {"PUT", "/v1/workspaces/{w}/members/leaver", R"({"role":"viewer"})", On::kWorkspace,
        kAdminister, 201}},
      {{"PUT", "/v1/workspaces/{w}/group-mappings",
        std::string(kGroupMappings).insert(1, R"({"group_name":"extra","role":"viewer"},)"),
        On::kWorkspace, kAdminister, 200},
       [](const State&, const State& s) {
         return s.ws_mappings.find(R"("extra")") != std::string::npos;
       },
       {"PUT", "/v1/workspaces/{w}/group-mappings", kGroupMappings, On::kWorkspace, kAdminister,
        200}},
      {{"DELETE", "/v1/workspaces/{w}", "", On::kWorkspace, kAdminister, 202},
       [](const State&, const State& s) { return s.ws_status == "deleted"; },
       {"POST", "/v1/workspaces/{w}/restore", "", On::kWorkspace, kAdminister, 200}},
      {{"POST", "/v1/provisioning-runs/{r}/retry", "", On::kFailedWorkspace, kAdminister, 202},
       [](const State& b, const State& s) { return s.failed_runs == b.failed_runs + 1; }},
      {{"POST", "/v1/workspaces", R"({"account_id":"{a}","name":"New","region":"us-east-1"})",
        On::kAccount, kAdminister, 202},
       [](const State& b, const State& s) { return s.acct_workspaces == b.acct_workspaces + 1; }},
      {{"PUT", "/v1/accounts/{a}/members/newcomer", R"({"role":"member"})", On::kAccount,
        kAdminister, 201},
       [&](const State&, const State& s) { return has(s.acct_members, "newcomer=member"); },
       {"DELETE", "/v1/accounts/{a}/members/newcomer", "", On::kAccount, kAdminister, 204}},
      {{"DELETE", "/v1/accounts/{a}/members/acct-leaver", "", On::kAccount, kAdminister, 204},
       [&](const State&, const State& s) { return !has(s.acct_members, "acct-leaver=member"); },
       {"PUT", "/v1/accounts/{a}/members/acct-leaver", R"({"role":"member"})", On::kAccount,
        kAdminister, 201}},
      {{"POST", "/v1/accounts", R"({"name":"Newco","admin":"x"})", On::kPlatform, kAdminister, 201},
       [](const State& b, const State& s) { return s.accounts == b.accounts + 1; }},
      {{"PUT", "/v1/accounts/{a}/trusted-issuers",
        R"([{"issuer":"workspaced-dev"},{"issuer":"https://idp.example.com/","org":"acme"}])",
        On::kAccountByPlatform, kAdminister, 200},
       [](const State&, const State& s) {
         return s.issuers.find("idp.example.com") != std::string::npos;
       },
       {"PUT", "/v1/accounts/{a}/trusted-issuers", issuers_before, On::kAccountByPlatform,
        kAdminister, 200}},
      {{"PUT", "/v1/accounts/{a}/quotas", R"({"workspaces":100,"regions":["us-east-1"]})",
        On::kAccountByPlatform, kAdminister, 200},
       [](const State&, const State& s) { return s.quotas == R"(100 null ["us-east-1"] )"; },
       {"PUT", "/v1/accounts/{a}/quotas", "{}", On::kAccountByPlatform, kAdminister, 200}},
  };

  const auto send = [&](const Endpoint& e, const std::string& token) {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!e.body.empty()) headers.emplace_back("Content-Type", "application/json");
    return c.Send(e.method, Fill(e.path, acme, ws, failed_run), headers,
                  Fill(e.body, acme, ws, failed_run));
  };
  int allowed = 0;
  for (const Role& role : Roles()) {
    const std::string token = server->Token(role.subject, role.groups);
    for (const ValidWrite& write : writes) {
      const Endpoint& e = write.endpoint;
      const std::string what = role.subject + " " + e.method + " " + e.path;
      const State before = Read(c, *server, admin, acme, ws, failed);
      const HttpResponse r = send(e, token);
      const int want = Expect(role, e).status;
      EXPECT_EQ(r.status, want) << what << ": " << r.body;
      if (r.status != e.allowed) {
        // Refused: nothing changed, not even a version or an audit event.
        EXPECT_EQ(Read(c, *server, admin, acme, ws, failed), before) << what;
        continue;
      }
      ++allowed;
      // A new run (a create's or a retry's) fails at once: wait for it, so its
      // events are in before the state is read.
      if (e.allowed == 202 && e.method == "DELETE") {
        const std::string op(Json(r.body).as_object().at("id").as_string());
        EXPECT_EQ(WaitOperation(c, admin, op).at("state").as_string(), "succeeded") << what;
      } else if (e.allowed == 202) {
        const std::string run(Json(r.body).as_object().at("provisioning_run_id").as_string());
        EXPECT_EQ(WaitRun(c, admin, run).at("state").as_string(), "failed") << what;
        if (e.on == On::kFailedWorkspace) failed_run = run;
      }
      const State after = Read(c, *server, admin, acme, ws, failed);
      EXPECT_TRUE(write.changed(before, after)) << what << ": " << r.body;
      EXPECT_GT(after.audit, before.audit) << what << " was not audited";
      if (write.undo.method.empty()) continue;
      const HttpResponse undone = send(write.undo, admin);
      EXPECT_EQ(undone.status, write.undo.allowed) << "undoing " << what << ": " << undone.body;
      EXPECT_EQ(Read(c, *server, admin, acme, ws, failed).Logical(), before.Logical())
          << "undoing " << what;
    }
  }
  // Who may: 4 administrators of W (direct, by account, as platform admin, by
  // group) x its 6 writes (the delete included, undone by a restore); 3 of
  // them (not by group: F's mappings were compensated) x the retry; 2
  // account administrators x 3 account writes; the platform admin x 3
  // platform writes.
  EXPECT_EQ(allowed, 4 * 6 + 3 + 2 * 3 + 1 * 3);
}

}  // namespace
}  // namespace workspaced::testing
