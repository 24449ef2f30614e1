// Lifecycle edges an outside audit found (on SQLite, and as Postgres.* on
// PostgreSQL): a slug taken ahead of a purge must not block it, a failed
// workspace deleted and restored can still be retried, a create with two
// Idempotency-Keys is refused, an identity provider's user (whose id holds
// '/') is addressed as docs/identity.md shows, /v0 creates no workspace of
// a reserved name, and commands that act on a deployment refuse a data
// directory that holds none.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

class LifecycleEdges : public ::testing::Test {
 protected:
  void Start(int retention_s, const std::string& failpoints = "") {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig(1000, R"(,"lifecycle":{"deletion_retention_s":)" +
                                             std::to_string(retention_s) + "}");
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    Seeder seed(server_->data_dir());
    acme_ = seed.Account("Acme", "alice");
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return CallAs(*client_, *server_, method, path, "alice", body);
  }
  // Creates a workspace; its id and its run's state once finished.
  std::pair<std::string, std::string> Create(const std::string& name, const std::string& extra = "") {
    const HttpResponse r = PostWorkspace(*client_, server_->Token("alice"), CreateBody(acme_, name, extra));
    EXPECT_EQ(r.status, 202) << r.body;
    if (r.status != 202) return {};
    const auto o = Json(r.body).as_object();
    const std::string run = std::string(o.at("provisioning_run_id").as_string());
    return {std::string(o.at("workspace_id").as_string()),
            std::string(WaitRun(*client_, server_->Token("alice"), run).at("state").as_string())};
  }

  // Deletes `ws` and waits until its purge has finished (a short retention
  // window); false when either did not happen.
  bool DeleteAndWaitForThePurge(const std::string& ws) {
    if (Call("DELETE", "/v1/workspaces/" + ws).status != 202) return false;
    return Eventually([&] {
      return CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspaces WHERE id = '" + ws +
                                                "' AND status = 'purged'") == 1;
    });
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  std::string acme_;
};

// The purge's tombstone slug was "purged-" and the id's hex, a slug anyone
// could take first: the purge then failed at its last step for ever, the
// workspace half purged, counted and its name held.
TEST_F(LifecycleEdges, APurgeIsNotBlockedByAWorkspaceThatTookThePurgedSlugFirst) {
  Start(/*retention_s=*/2);
  const auto [victim, state] = Create("Victim");
  ASSERT_EQ(state, "succeeded");
  const HttpResponse deleted = Call("DELETE", "/v1/workspaces/" + victim);
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  std::string hex = victim;
  std::erase(hex, '-');
  const HttpResponse squatter = PostWorkspace(
      *client_, server_->Token("alice"),
      CreateBody(acme_, "Squatter", R"(,"slug":"purged-)" + hex + R"(")"));
  ASSERT_EQ(squatter.status, 202) << squatter.body;
  const std::string dir = server_->data_dir();
  EXPECT_TRUE(Eventually(
      [&] {
        return CountRows(dir, "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND "
                              "state = 'succeeded' AND workspace_id = '" + victim + "'") == 1;
      },
      30))
      << "the purge did not finish";
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspaces WHERE id = '" + victim +
                               "' AND status = 'purged'"),
            1);
  // Its slug is free again; the squatter keeps its own.
  const auto [again, again_state] = Create("Victim", R"(,"slug":"victim")");
  EXPECT_EQ(again_state, "succeeded");
  const HttpResponse kept = Call("GET", "/v1/workspaces/" +
                                           std::string(Json(squatter.body).as_object().at("workspace_id").as_string()));
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(Json(kept.body).as_object().at("slug").as_string(), "purged-" + hex);
}

// A retry is refused when the failed run was already retried; a delete and
// a restore since are operations, not retries.
TEST_F(LifecycleEdges, AFailedWorkspaceDeletedAndRestoredCanStillBeRetried) {
  Start(/*retention_s=*/3600, "activate=fatal");
  const HttpResponse created =
      PostWorkspace(*client_, server_->Token("alice"), CreateBody(acme_, "Broken"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto o = Json(created.body).as_object();
  const std::string ws = std::string(o.at("workspace_id").as_string());
  const std::string run = std::string(o.at("provisioning_run_id").as_string());
  ASSERT_EQ(WaitRun(*client_, server_->Token("alice"), run).at("state").as_string(), "failed");
  const HttpResponse deleted = Call("DELETE", "/v1/workspaces/" + ws);
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  ASSERT_EQ(WaitOperation(*client_, server_->Token("alice"),
                          std::string(Json(deleted.body).as_object().at("id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  ASSERT_EQ(Call("POST", "/v1/workspaces/" + ws + "/restore").status, 200);
  ASSERT_EQ(Json(Call("GET", "/v1/workspaces/" + ws).body).as_object().at("status").as_string(),
            "error");
  // Its refusals say so in words (it read "the workspace is error").
  const HttpResponse frozen =
      Call("PATCH", "/v1/workspaces/" + ws + "/status", R"({"status":"frozen"})");
  ExpectProblem(frozen, 409);
  EXPECT_NE(frozen.body.find("the workspace is in error; only an active workspace"),
            std::string::npos)
      << frozen.body;
  const HttpResponse retried = Call("POST", "/v1/provisioning-runs/" + run + "/retry");
  ASSERT_EQ(retried.status, 202) << retried.body;
  // Retried once; a second retry of the same run is the conflict it was.
  ExpectProblem(Call("POST", "/v1/provisioning-runs/" + run + "/retry"), 409);
}

// Cancelling a delete cancels the purge that delete scheduled; an older
// delete, restored since, has nothing left to cancel: it must not restore
// the workspace's current deletion (found by an outside audit).
TEST_F(LifecycleEdges, CancellingAnOldDeleteDoesNotRestoreANewerOne) {
  Start(/*retention_s=*/3600);
  const auto [ws, state] = Create("Twice");
  ASSERT_EQ(state, "succeeded");
  const auto delete_once = [&] {
    const HttpResponse d = Call("DELETE", "/v1/workspaces/" + ws);
    EXPECT_EQ(d.status, 202) << d.body;
    const std::string op(Json(d.body).as_object().at("id").as_string());
    EXPECT_EQ(WaitOperation(*client_, server_->Token("alice"), op).at("state").as_string(),
              "succeeded");
    return op;
  };
  const std::string first = delete_once();
  ASSERT_EQ(Call("POST", "/v1/operations/" + first + "/cancel").status, 200);  // restored
  const std::string second = delete_once();
  const HttpResponse stale = Call("POST", "/v1/operations/" + first + "/cancel");
  ExpectProblem(stale, 409);
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces/" + ws).body).as_object().at("status").as_string(),
            "deleted");
  // The newer delete's own cancel restores it.
  ASSERT_EQ(Call("POST", "/v1/operations/" + second + "/cancel").status, 200);
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces/" + ws).body).as_object().at("status").as_string(),
            "active");
}

// A provisioning run is an operation: once its workspace is purged, the
// account's admins read it at /v1/provisioning-runs as at /v1/operations
// (it was 404 there, 200 here), and a change is 409; others get 404.
TEST_F(LifecycleEdges, APurgedWorkspacesRunsAnswerAsItsOperations) {
  Start(/*retention_s=*/1);
  const HttpResponse created =
      PostWorkspace(*client_, server_->Token("alice"), CreateBody(acme_, "Brief"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto o = Json(created.body).as_object();
  const std::string ws(o.at("workspace_id").as_string());
  const std::string run(o.at("provisioning_run_id").as_string());
  ASSERT_EQ(WaitRun(*client_, server_->Token("alice"), run).at("state").as_string(), "succeeded");
  ASSERT_TRUE(DeleteAndWaitForThePurge(ws));
  const std::string dir = server_->data_dir();
  for (const std::string& path : {"/v1/operations/" + run, "/v1/provisioning-runs/" + run}) {
    const HttpResponse seen = Call("GET", path);
    EXPECT_EQ(seen.status, 200) << path << " " << seen.body;
    ExpectProblem(CallAs(*client_, *server_, "GET", path, "mallory"), 404);
  }
  const HttpResponse retry = Call("POST", "/v1/provisioning-runs/" + run + "/retry");
  ExpectProblem(retry, 409);
  EXPECT_NE(retry.body.find("purged"), std::string::npos) << retry.body;
}

// A create retried with its Idempotency-Key after its workspace was purged
// (a retention window shorter than a key's 24 hours) makes no second
// workspace: the purge forgot the stored answer but keeps the key, which
// answers 410; another request under it is still refused (outside audit:
// the purge deleted the key, and the retry made a new workspace).
TEST_F(LifecycleEdges, ACreateRetriedAfterItsWorkspaceWasPurgedMakesNoOther) {
  Start(/*retention_s=*/1);
  const auto send = [&](const std::string& name) {
    return client_->Send("POST", "/v1/workspaces",
                         {{"Authorization", "Bearer " + server_->Token("alice")},
                          {"Content-Type", "application/json"},
                          {"Idempotency-Key", "create-once"}},
                         CreateBody(acme_, name));
  };
  const HttpResponse created = send("Once");
  ASSERT_EQ(created.status, 202) << created.body;
  const auto o = Json(created.body).as_object();
  const std::string ws(o.at("workspace_id").as_string());
  ASSERT_EQ(WaitRun(*client_, server_->Token("alice"),
                    std::string(o.at("provisioning_run_id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  ASSERT_TRUE(DeleteAndWaitForThePurge(ws));
  const std::string dir = server_->data_dir();
  const HttpResponse again = send("Once");
  ExpectProblem(again, 410);
  EXPECT_EQ(Json(again.body).as_object().at("type").as_string(), "urn:workspaced:problem:gone")
      << again.body;
  EXPECT_EQ(Json(again.body).as_object().at("title").as_string(), "Gone") << again.body;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_NE(again.body.find("purged"), std::string::npos) << again.body;
  ExpectProblem(send("Other"), 422);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspaces"), 1);
  // No stored answer is left of the purged workspace.
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM idempotency_keys WHERE workspace_id = '" + ws +
                               "' AND (body <> '' OR location <> '')"),
            0);
}

// Which of two keys was meant is not guessed: 400, nothing created.
TEST_F(LifecycleEdges, TwoIdempotencyKeysAreA400AndCreateNothing) {
  Start(/*retention_s=*/3600);
  const HttpResponse r = client_->Send(
      "POST", "/v1/workspaces",
      {{"Authorization", "Bearer " + server_->Token("alice")},
       {"Content-Type", "application/json"},
       {"Idempotency-Key", "one"},
       {"Idempotency-Key", "two"}},
      CreateBody(acme_, "Twice"));
  ExpectProblem(r, 400);
  EXPECT_NE(r.body.find("repeated"), std::string::npos) << r.body;
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspaces"), 0);
}

TEST_F(LifecycleEdges, AnIdentityProvidersUserIsAddressedByItsEncodedId) {
  Start(/*retention_s=*/3600);
  const auto [ws, state] = Create("Federated");
  ASSERT_EQ(state, "succeeded");
  // docs/identity.md's own example.
  const std::string path =
      "/v1/workspaces/" + ws + "/members/https%3A%2F%2Fidp.example.com%2F%7Calice";
  const HttpResponse put = Call("PUT", path, R"({"role":"viewer"})");
  ASSERT_EQ(put.status, 201) << put.body;
  const HttpResponse got = Call("GET", path);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json(got.body).as_object().at("subject").as_string(), "https://idp.example.com/|alice");
  EXPECT_EQ(Call("DELETE", path).status, 204);
  EXPECT_EQ(Call("GET", path).status, 404);
  // A long id is not echoed back.
  const HttpResponse gone =
      Call("DELETE", "/v1/workspaces/" + ws + "/members/" + std::string(1000, 'u'));
  ExpectProblem(gone, 404);
  EXPECT_EQ(gone.body.find(std::string(100, 'u')), std::string::npos) << gone.body;
  // A literal '/' is another path, not a member.
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws + "/members/a/b"), 404);
}

TEST_F(LifecycleEdges, AV0CreateOfTheReservedNameIsRefused) {
  Start(/*retention_s=*/3600);
  const HttpResponse r =
      Call("POST", "/v0/workspaces", R"({"name":"availability","region":"us-east-1"})");
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("error").as_string(), "forbidden_reserved");
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspaces"), 0);
}

// A mistyped --data-dir verified as "intact" (it created an empty
// database there); reconcile would have emptied SpiceDB to match it.
TEST(DeploymentCommands, RefuseADataDirectoryWithoutADatabaseAndCreateNothing) {
  TempDir dir;
  const std::string missing = dir.path() + "/typo";
  // (On PostgreSQL the deployment is the database the commands are given.)
  const bool embedded = std::getenv("WS_BLACKBOX_POSTGRES") == nullptr;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"audit", "verify", "--data-dir", missing},
        std::vector<std::string>{"keys", "rotate", "--data-dir", missing}}) {
    if (!embedded) break;
    const CommandResult r = RunWorkspaced(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("no database at"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(missing)) << args[0] << " created " << missing;
  }
  // A token the server would refuse is not minted.
  const CommandResult token = RunWorkspaced({"token", "--sub", "a|b", "--data-dir", missing});
  EXPECT_EQ(token.exit_code, 2) << token.out << token.err;
  EXPECT_TRUE(token.out.empty()) << token.out;
}

// A client that retries a restore or a cancel (its answer lost on the way)
// with the same Idempotency-Key gets the first answer again, replayed, and
// nothing is done twice; the key on another request is 422. Without the
// key, the repeat is 409 (nothing left to restore).
TEST_F(LifecycleEdges, RestoreAndCancelWithAnIdempotencyKeyReplayTheFirstAnswer) {
  Start(/*retention_s=*/3600);
  const auto [ws, state] = Create("Twice");
  ASSERT_EQ(state, "succeeded");
  const std::string path = "/v1/workspaces/" + ws;
  const auto keyed = [&](const std::string& target, const std::string& key) {
    return client_->Send("POST", target,
                         {{"Authorization", "Bearer " + server_->Token("alice")},
                          {"Idempotency-Key", key}},
                         "");
  };
  const auto delete_and_wait = [&] {
    const HttpResponse d = Call("DELETE", path);
    EXPECT_EQ(d.status, 202) << d.body;
    const std::string op(Json(d.body).as_object().at("id").as_string());
    EXPECT_EQ(WaitOperation(*client_, server_->Token("alice"), op).at("state").as_string(),
              "succeeded");
    return op;
  };
  const auto restores = [&] {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'restore' AND "
                     "workspace_id = '" + ws + "'");
  };

  delete_and_wait();
  const HttpResponse first = keyed(path + "/restore", "restore-1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(first.Header("ETag").empty());
  const HttpResponse again = keyed(path + "/restore", "restore-1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.Header("Location"), first.Header("Location"));
  EXPECT_EQ(restores(), 1);
  ExpectProblem(keyed(path + "/restore", "restore-2"), 409);
  ExpectProblem(Call("POST", path + "/restore"), 409);

  // Cancelling the second delete's purge restores it once.
  const std::string deleted = delete_and_wait();
  const HttpResponse cancelled = keyed("/v1/operations/" + deleted + "/cancel", "cancel-1");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  const HttpResponse replayed = keyed("/v1/operations/" + deleted + "/cancel", "cancel-1");
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(replayed.body, cancelled.body);
  EXPECT_EQ(replayed.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(restores(), 2);
  EXPECT_EQ(Json(Call("GET", path).body).as_object().at("status").as_string(), "active");
  // The same key on another request: refused, nothing done.
  ExpectProblem(keyed(path + "/restore", "cancel-1"), 422);
  EXPECT_EQ(restores(), 2);
}

// A change of trusted issuers while the workspace's purge is under way
// (between remove_relationships and the seal: here a step that fails once
// and waits out its backoff) writes its group relationships again, as for any
// deleted workspace; the seal deletes them, or they outlived the purge in
// the authorizer and SpiceDB for good (outside audit).
TEST(LifecyclePurge, GroupRelationshipsWrittenDuringThePurgeGoWithTheSeal) {
  ServerProcess::Options o;
  o.config_json =
      R"({"saga":{"backoff_initial_ms":1500,"backoff_max_ms":1500,"lease_ms":5000,"poll_ms":50,)"
      R"("max_attempts":4},"lifecycle":{"deletion_retention_s":0}})";
  o.env["WORKSPACED_FAILPOINTS"] = "remove_memberships=error(1)";
  auto server = ServerProcess::Start(o);
  const std::string dir = server->data_dir();
  Seeder seed(dir);
  const std::string acme = seed.Account("Acme", "alice");
  HttpClient c(server->port());
  const HttpResponse created = PostWorkspace(
      c, server->Token("alice"),
      CreateBody(acme, "Doomed", R"(,"group_mappings":[{"group_name":"eng","role":"admin"}])"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto accepted = Json(created.body).as_object();
  const std::string ws(accepted.at("workspace_id").as_string());
  ASSERT_EQ(WaitRun(c, server->Token("alice"),
                    std::string(accepted.at("provisioning_run_id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  ASSERT_EQ(CallAs(c, *server, "DELETE", "/v1/workspaces/" + ws, "alice").status, 202);
  const std::string purge_at_memberships =
      "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND workspace_id = '" + ws +
      "' AND state = 'running' AND current_step = 3";
  ASSERT_TRUE(Eventually([&] { return CountRows(dir, purge_at_memberships) == 1; }));
  ASSERT_EQ(RelationshipRows(dir, ws), 0) << "remove_relationships has run";
  const HttpResponse trusted =
      CallAs(c, *server, "PUT", "/v1/accounts/" + acme + "/trusted-issuers", "admin",
             R"([{"issuer":"https://idp.test/","org":"acme"}])");
  ASSERT_EQ(trusted.status, 200) << trusted.body;
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir,
                     "SELECT COUNT(*) FROM provisioning_runs WHERE kind = 'purge' AND "
                     "workspace_id = '" +
                         ws + "' AND state = 'succeeded'") == 1;
  }));
  EXPECT_EQ(RelationshipRows(dir, ws), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM relationships WHERE subject_type = 'group'"), 0);
}

}  // namespace
}  // namespace workspaced::testing
