// Delete, restore, purge and the operations resource through the real
// binary (on SQLite, and as Postgres.* on PostgreSQL), and the purge's
// crash matrix: the process dies on the way to every purge step's
// transaction, and a restart finishes the purge with every step once.
#include <iostream>
#include <tuple>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;

std::string LifecycleConfig(int retention_s, int lease_ms = 1000) {
  return FastSagaConfig(
      lease_ms, R"(,"lifecycle":{"deletion_retention_s":)" + std::to_string(retention_s) + "}");
}

// The workspace's operations of `kind`.
std::vector<boost::json::object> OperationsOf(HttpClient& c, const std::string& token,
                                              const std::string& ws, const std::string& kind) {
  const HttpResponse r = c.Get("/v1/workspaces/" + ws + "/operations", token);
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<boost::json::object> out;
  const boost::json::value list = Json(r.body);  // outlives the loop
  for (const auto& v : list.as_array())
    if (v.as_object().at("kind").as_string() == kind) out.push_back(v.as_object());
  return out;
}

class Lifecycle : public ::testing::Test {
 protected:
  void Start(int retention_s) {
    ServerProcess::Options o;
    o.config_json = LifecycleConfig(retention_s);
    server_ = ServerProcess::Start(o);
    Seeder seed(server_->data_dir());
    acme_ = seed.Account("Acme", "alice");
    client_ = std::make_unique<HttpClient>(server_->port());
    const HttpResponse created =
        PostWorkspace(*client_, server_->Token("alice"), CreateBody(acme_, "Doomed"));
    ASSERT_EQ(created.status, 202) << created.body;
    const auto accepted = Json(created.body).as_object();
    ws_ = std::string(accepted.at("workspace_id").as_string());
    ASSERT_EQ(WaitRun(*client_, server_->Token("alice"),
                      std::string(accepted.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/members/bob", "alice", R"({"role":"member"})")
                  .status,
              201);
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    return CallAs(*client_, *server_, method, path, who, body);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  std::string acme_, ws_;
};

// A soft-deleted workspace keeps its relationships for a restore; a change
// of the issuers its account trusts moves its group relationships as those
// of every other workspace (outside audit: it skipped deleted ones, so a
// group of an issuer the account stopped trusting kept admin there, could
// restore it and then act, invisible to the API and untouched by clearing
// the mappings). A restore also rewrites them from the issuers of now, which
// removes any left behind by a release before the fix.
TEST_F(Lifecycle, AnIssuerNoLongerTrustedGrantsNothingInADeletedWorkspaceNorAfterItsRestore) {
  Start(3600);
  const std::string path = "/v1/workspaces/" + ws_;
  const std::string dir = server_->data_dir();
  ASSERT_EQ(
      Call("PUT", path + "/group-mappings", "alice", R"([{"group_name":"eng","role":"admin"}])")
          .status,
      200);
  HttpClient eve(server_->port());
  const std::string eng = server_->Token("eve", "eng");  // the dev issuer, trusted by default
  ASSERT_EQ(eve.Get(path, eng).status, 200);
  const HttpResponse deleted = Call("DELETE", path, "alice");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  ASSERT_EQ(WaitOperation(*client_, server_->Token("alice"),
                          std::string(Json(deleted.body).as_object().at("id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  ASSERT_EQ(eve.Get(path, eng).status, 200) << "an admin through the group sees it deleted";

  const HttpResponse trusted = Call("PUT", "/v1/accounts/" + acme_ + "/trusted-issuers", "admin",
                                    R"([{"issuer":"https://idp.test/","org":"acme"}])");
  ASSERT_EQ(trusted.status, 200) << trusted.body;
  const std::string group_rows =
      "SELECT COUNT(*) FROM relationships WHERE resource_type = 'workspace' AND resource_id = '" +
      ws_ + "' AND subject_type = 'group'";
  EXPECT_EQ(CountRows(dir, group_rows + " AND subject_id = 'https://idp.test/|acme|eng'"), 1)
      << "the trusted issuer's group holds the mapping";
  EXPECT_EQ(CountRows(dir, group_rows), 1) << "and no other group";
  EXPECT_EQ(eve.Get(path, eng).status, 404);
  ExpectProblem(eve.Send("POST", path + "/restore", {{"Authorization", "Bearer " + eng}}), 404);

  // A group row the fix would not have left (as a release before it did),
  // then the restore: gone, and the workspace answers as restored.
  ExecSql(dir,
          "INSERT INTO relationships (resource_type, resource_id, relation, subject_type, "
          "subject_id, subject_relation) VALUES ('workspace', '" +
              ws_ + "', 'admin', 'group', 'eng', 'member')");
  ASSERT_EQ(Call("POST", path + "/restore", "alice").status, 200);
  EXPECT_EQ(CountRows(dir, group_rows), 1);
  EXPECT_EQ(CountRows(dir, group_rows + " AND subject_id = 'eng'"), 0);
  EXPECT_EQ(eve.Get(path, eng).status, 404);
  EXPECT_EQ(eve.Get("/v1/workspaces", eng).body, "[]");
  EXPECT_EQ(Call("GET", path, "alice").status, 200);
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--data-dir", dir}).exit_code, 0);
}

TEST_F(Lifecycle, ADeletedWorkspaceIsHiddenRefusesChangesAndIsRestoredExactly) {
  Start(3600);
  const std::string path = "/v1/workspaces/" + ws_;
  const std::string before = Call("GET", path, "alice").body;
  EXPECT_EQ(Call("DELETE", path, "bob").status, 403);
  EXPECT_EQ(Call("DELETE", path, "mallory").status, 404);
  EXPECT_EQ(Call("DELETE", path + "?force=maybe", "alice").status, 400);
  // carol administers the workspace, not its account.
  ASSERT_EQ(Call("PUT", path + "/members/carol", "alice", R"({"role":"admin"})").status, 201);

  const HttpResponse deleted = Call("DELETE", path, "alice");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  const auto op = Json(deleted.body).as_object();
  EXPECT_EQ(op.at("kind").as_string(), "delete");
  EXPECT_EQ(deleted.Header("Location"), "/v1/operations/" + std::string(op.at("id").as_string()));
  EXPECT_EQ(op.at("operation_id"), op.at("id"));  // PRODUCT.md: 202 with operation_id
  EXPECT_EQ(WaitOperation(*client_, server_->Token("alice"), std::string(op.at("id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");

  // Admins see it deleted; a member does not see it at all.
  const HttpResponse seen = Call("GET", path, "alice");
  ASSERT_EQ(seen.status, 200);
  EXPECT_EQ(Json(seen.body).as_object().at("status").as_string(), "deleted");
  EXPECT_EQ(Call("GET", path, "bob").status, 404);
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces", "bob").body).as_array().size(), 0u);
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces/by-account/" + acme_, "alice").body).as_array().size(),
            0u);
  EXPECT_EQ(
      Json(Call("GET", "/v1/workspaces/by-account/" + acme_ + "?status=deleted", "alice").body)
          .as_array()
          .size(),
      1u);
  // Their own list shows it to those who may restore it, and only when
  // asked for (carol through her membership, alice through hers); a
  // member's list does not.
  const auto deleted_of = [&](const std::string& who) {
    const HttpResponse r = Call("GET", "/v1/workspaces?status=deleted", who);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    const boost::json::value list = Json(r.body);  // outlives the loop
    for (const auto& w : list.as_array()) {
      EXPECT_EQ(w.as_object().at("status").as_string(), "deleted");
      ids.emplace_back(w.as_object().at("id").as_string());
    }
    return ids;
  };
  EXPECT_EQ(deleted_of("carol"), std::vector<std::string>{ws_});
  EXPECT_EQ(deleted_of("alice"), std::vector<std::string>{ws_});
  EXPECT_TRUE(deleted_of("bob").empty());
  EXPECT_TRUE(deleted_of("mallory").empty());
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces", "carol").body).as_array().size(), 0u);
  EXPECT_EQ(Call("GET", path, "carol").status, 200);
  // Changes: 409.
  ExpectProblem(Call("PATCH", path, "alice", R"({"name":"x"})"), 409);
  ExpectProblem(Call("DELETE", path, "alice"), 409);
  // The purge waits for its window.
  const auto purges = OperationsOf(*client_, server_->Token("alice"), ws_, "purge");
  ASSERT_EQ(purges.size(), 1u);
  EXPECT_EQ(purges[0].at("state").as_string(), "pending");
  EXPECT_TRUE(purges[0].at("scheduled_at").is_string());
  EXPECT_EQ(OperationsOf(*client_, server_->Token("alice"), ws_, "create").size(), 1u);

  const HttpResponse restored = Call("POST", path + "/restore", "alice");
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(Json(restored.body).as_object().at("kind").as_string(), "restore");
  const HttpResponse again = Call("GET", path, "alice");
  auto a = Json(again.body).as_object(), b = Json(before).as_object();
  for (const char* volatile_field : {"updated_at", "updated_by", "version"}) {
    a.erase(volatile_field);
    b.erase(volatile_field);
  }
  EXPECT_EQ(boost::json::serialize(a), boost::json::serialize(b));
  EXPECT_EQ(Call("GET", path, "bob").status, 200);
  EXPECT_EQ(Json(Call("GET", path + "/environments", "bob").body).as_array().size(), 3u);
  ExpectProblem(Call("POST", path + "/restore", "alice"), 409);
  const auto cancelled = OperationsOf(*client_, server_->Token("alice"), ws_, "purge");
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].at("state").as_string(), "cancelled");
}

TEST_F(Lifecycle, EveryEndpointOfADeletedWorkspaceIs404ToNonAdminsAndRefusesAdminsChanges) {
  Start(3600);
  const std::string path = "/v1/workspaces/" + ws_;
  const HttpResponse deleted = Call("DELETE", path, "alice");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  const std::string op(Json(deleted.body).as_object().at("id").as_string());
  ASSERT_EQ(WaitOperation(*client_, server_->Token("alice"), op).at("state").as_string(),
            "succeeded");

  // Reads: the admin sees everything; bob, a member, nothing (as for GET).
  for (const std::string& read :
       {path, path + "/environments", path + "/members", path + "/members/bob", path + "/audit",
        path + "/export", path + "/operations", "/v1/operations/" + op}) {
    EXPECT_EQ(Call("GET", read, "alice").status, 200) << read;
    const HttpResponse hidden = Call("GET", read, "bob");
    EXPECT_EQ(hidden.status, 404) << read << ": " << hidden.body;
    EXPECT_EQ(hidden.body.find(ws_), std::string::npos) << read << ": " << hidden.body;
  }
  // Changes: 409 for the admin, 404 for bob (who cannot see it), nothing changed.
  const std::string etag = Call("GET", path, "alice").Header("ETag");
  const std::vector<std::tuple<std::string, std::string, std::string>> changes = {
      {"PATCH", path, R"({"name":"x"})"},
      {"PATCH", path + "/status", R"({"status":"frozen","reason":"r"})"},
      {"PUT", path + "/members/carol", R"({"role":"viewer"})"},
      {"DELETE", path + "/members/bob", ""},
      {"PUT", path + "/group-mappings", "[]"},
      {"DELETE", path, ""},
  };
  for (const auto& [method, target, body] : changes) {
    ExpectProblem(Call(method, target, "alice", body), 409);
    EXPECT_EQ(Call(method, target, "bob", body).status, 404) << method << " " << target;
  }
  EXPECT_EQ(Call("GET", path, "alice").Header("ETag"), etag);
  EXPECT_EQ(Call("GET", path + "/members/bob", "alice").status, 200);
  // Neither may bob cancel the delete or restore (for alice both restore).
  EXPECT_EQ(Call("POST", "/v1/operations/" + op + "/cancel", "bob").status, 404);
  EXPECT_EQ(Call("POST", path + "/restore", "bob").status, 404);
  ASSERT_EQ(Call("POST", path + "/restore", "alice").status, 200);
  for (const std::string& read : {path, path + "/environments", path + "/audit"})
    EXPECT_EQ(Call("GET", read, "bob").status, 200) << read;
}

TEST_F(Lifecycle, DeletionProtectionAndFreezingRefuseTheDelete) {
  Start(3600);
  const std::string path = "/v1/workspaces/" + ws_;
  ASSERT_EQ(Call("PATCH", path, "alice", R"({"deletion_protection":true})").status, 200);
  const HttpResponse refused = Call("DELETE", path, "alice");
  ExpectProblem(refused, 409);
  EXPECT_EQ(Json(refused.body).as_object().at("type").as_string(),
            "urn:workspaced:problem:deletion-protected");
  ASSERT_EQ(Call("PATCH", path, "alice", R"({"deletion_protection":false})").status, 200);
  ASSERT_EQ(
      Call("PATCH", path + "/status", "alice", R"({"status":"frozen","reason":"hold"})").status,
      200);
  ExpectProblem(Call("DELETE", path, "alice"), 423);
}

TEST_F(Lifecycle, APurgeRemovesEverythingAndSealsTheAuditChain) {
  Start(0);
  const std::string dir = server_->data_dir();
  ASSERT_TRUE(DataplaneFileExists(dir, ws_));
  const HttpResponse deleted = Call("DELETE", "/v1/workspaces/" + ws_, "alice");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir,
                     "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND state "
                     "= 'succeeded'") == 1;
  }));
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_, "alice").status, 404);
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_, "admin").status, 404);
  EXPECT_FALSE(DataplaneFileExists(dir, ws_));
  EXPECT_EQ(RelationshipRows(dir, ws_), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_members"), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE workspace_id = '" + ws_ +
                               "' AND seq > (SELECT seq FROM audit_events WHERE action = "
                               "'workspace.purged')"),
            0)
      << "nothing after the seal";
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE action = 'workspace.purged'"),
            1);
  // The account's admin still sees the operations that ended it; a member
  // of the workspace does not, and nobody may cancel them.
  const std::string purge = QueryText(dir, "SELECT id FROM provisioning_runs WHERE kind = 'purge'");
  const std::string del = std::string(Json(deleted.body).as_object().at("id").as_string());
  for (const std::string& op : {purge, del}) {
    const HttpResponse seen = Call("GET", "/v1/operations/" + op, "alice");
    ASSERT_EQ(seen.status, 200) << seen.body;
    EXPECT_EQ(Json(seen.body).as_object().at("state").as_string(), "succeeded");
    ExpectProblem(Call("GET", "/v1/operations/" + op, "bob"), 404);
    // Not changeable: for its state (409), not as if alice had not just
    // read it; bob learns nothing.
    const HttpResponse cancel = Call("POST", "/v1/operations/" + op + "/cancel", "alice");
    ExpectProblem(cancel, 409);
    EXPECT_NE(cancel.body.find("purged"), std::string::npos) << cancel.body;
    ExpectProblem(Call("POST", "/v1/operations/" + op + "/cancel", "bob"), 404);
  }
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws_ + "/operations", "alice"), 404);
  // The slug is free again.
  EXPECT_EQ(PostWorkspace(*client_, server_->Token("alice"), CreateBody(acme_, "Doomed")).status,
            202);
}

// Safe delete counts what the pillars hold; a forced delete's purge destroys
// the workspace's data key with its data (crypto-shredding).
TEST_F(Lifecycle, SafeDeleteRefusesWhileSecretsRemainAndTheForcedPurgeShredsTheKey) {
  Start(0);
  const std::string dir = server_->data_dir();
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/secrets/API_KEY", "alice",
                 R"({"value":"s3cr3t-value"})")
                .status,
            201);
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/secrets/DB_PASSWORD", "alice",
                 R"({"value":"an0ther"})")
                .status,
            201);
  ASSERT_EQ(Call("POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
                 R"({"fields":{"email":{"type":"email","value":"jane@example.com"}}})")
                .status,
            201);
  const std::string key_rows =
      "SELECT COUNT(*) FROM workspace_data_keys WHERE workspace_id = '" + ws_ + "'";
  ASSERT_EQ(CountRows(dir, key_rows), 1);

  const HttpResponse refused = Call("DELETE", "/v1/workspaces/" + ws_, "alice");
  ExpectProblem(refused, 409);
  const auto problem = Json(refused.body).as_object();
  EXPECT_EQ(problem.at("type").as_string(), "urn:workspaced:problem:workspace-not-empty");
  EXPECT_EQ(problem.at("remaining").as_object().at("secrets").as_int64(), 2) << refused.body;
  EXPECT_EQ(problem.at("remaining").as_object().at("vault").as_int64(), 1) << refused.body;
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_, "alice").status, 200);  // nothing changed

  // A workspace admin who does not administer the account may not force.
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/members/wanda", "alice", R"({"role":"admin"})")
                .status,
            201);
  ExpectProblem(Call("DELETE", "/v1/workspaces/" + ws_ + "?force=true", "wanda"), 403);

  ASSERT_EQ(Call("DELETE", "/v1/workspaces/" + ws_ + "?force=true", "alice").status, 202);
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir,
                     "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND state "
                     "= 'succeeded'") == 1;
  }));
  EXPECT_EQ(CountRows(dir, key_rows), 0);
  EXPECT_FALSE(DataplaneFileExists(dir, ws_));
}

// The counts safe delete and quotas read are kept by the database, so a
// replica of the release before them (still running during a rolling
// upgrade, writing pillar_items with its own statements and no count)
// moves them too (outside audit: its writes left them behind, a quota
// overshot and safe delete let a workspace with secrets go).
TEST_F(Lifecycle, CountsFollowItemsWrittenByAReleaseThatKnowsNothingOfThem) {
  Start(0);
  const std::string dir = server_->data_dir();
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/secrets/API_KEY", "alice",
                 R"({"value":"s3cr3t-value"})")
                .status,
            201);
  const auto old_release = [&](const std::string& item, int version, int held) {
    ExecSql(dir, "INSERT INTO pillar_items (workspace_id, pillar, item, version, held) VALUES ('" +
                     ws_ + "', 'secret', '" + item + "', " + std::to_string(version) + ", " +
                     std::to_string(held) +
                     ") ON CONFLICT (workspace_id, pillar, item) DO UPDATE SET version = "
                     "excluded.version, held = excluded.held");
  };
  old_release("OLD_A", 1, 1);
  old_release("OLD_B", 1, 1);
  old_release("OLD_B", 2, 0);  // its DELETE
  old_release("API_KEY", 5, 0);
  old_release("API_KEY", 6, 1);  // a tombstone, then a PUT of a later version
  const auto remaining = [&]() -> std::int64_t {
    const HttpResponse r = Call("DELETE", "/v1/workspaces/" + ws_, "alice");
    if (r.status != 409) return -r.status;
    return Json(r.body).as_object().at("remaining").as_object().at("secrets").as_int64();
  };
  EXPECT_EQ(remaining(), 2);  // API_KEY and OLD_A
  ExecSql(dir, "DELETE FROM pillar_items WHERE workspace_id = '" + ws_ + "' AND item = 'OLD_A'");
  EXPECT_EQ(remaining(), 1);
  EXPECT_EQ(CountRows(dir, "SELECT items FROM pillar_counts WHERE workspace_id = '" + ws_ +
                               "' AND pillar = 'secret'"),
            1);
}

// ---- the purge's crash matrix ----

class PurgeCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(PurgeCrash, ARestartFinishesThePurgeWithEveryStepOnce) {
  const std::string step = GetParam();
  constexpr int kLeaseMs = 300;
  ServerProcess::Options o;
  o.config_json = LifecycleConfig(0, kLeaseMs);
  o.env["WORKSPACED_FAILPOINTS"] = step + "=crash";
  auto server = ServerProcess::Start(o);
  const std::string dir = server->data_dir();
  std::string ws;
  {
    Seeder seed(dir);
    const std::string account = seed.Account("Acme", "alice");
    HttpClient c(server->port());
    const std::string token = server->Token("alice");
    const HttpResponse created = PostWorkspace(c, token, CreateBody(account, "Crashy"));
    ASSERT_EQ(created.status, 202) << created.body;
    const auto accepted = Json(created.body).as_object();
    ws = std::string(accepted.at("workspace_id").as_string());
    ASSERT_EQ(WaitRun(c, token, std::string(accepted.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    try {
      EXPECT_EQ(CallAs(c, *server, "DELETE", "/v1/workspaces/" + ws, "alice").status, 202);
    } catch (const std::exception& e) {
      std::cerr << "the delete's answer was lost in the crash: " << e.what() << "\n";
    }
  }
  EXPECT_EQ(server->Wait(20'000), 128 + SIGKILL) << server->Output();
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND state "
                      "= 'running' AND lease_owner != ''"),
            1);

  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = LifecycleConfig(0, kLeaseMs);
  auto restarted = ServerProcess::Start(again);
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir,
                     "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND state "
                     "= 'succeeded'") == 1;
  }));
  for (const std::string s : {"drop_dataplane", "remove_relationships", "remove_environments",
                              "remove_memberships", "seal_workspace"}) {
    EXPECT_EQ(CountRows(dir,
                        "SELECT COUNT(*) FROM audit_events WHERE action = "
                        "'purge.step.succeeded' AND " +
                            SqlJsonField(dir, "details", "step") + " = '" + s + "'"),
              1)
        << s;
  }
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE action = 'workspace.purged'"),
            1);
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM audit_events WHERE action = "
                      "'purge.run.taken_over'"),
            1);
  EXPECT_FALSE(DataplaneFileExists(dir, ws));
  EXPECT_EQ(RelationshipRows(dir, ws), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_members"), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspaces WHERE status = 'purged'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Steps, PurgeCrash,
                         ::testing::Values("drop_dataplane", "remove_relationships",
                                           "remove_environments", "remove_memberships",
                                           "seal_workspace"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace workspaced::testing
