// POST /v1/workspaces and its provisioning saga, through the real binary:
// the 202 contract, every step failing (retried, or compensated), retry of a
// failed run, permissions, validation and Idempotency-Key.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/app.h"
#include "blackbox/provisioning_support.h"
#include "spicedb/grpc_client.h"
#include "spicedb/reconcile.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;

const std::vector<std::string> kSteps = {"bind_account",        "configure_account",
                                         "create_environments", "provision_dataplane",
                                         "write_relationships", "activate"};

class Provisioning : public ::testing::Test {
 protected:
  void Start(const std::string& failpoints = "", const std::string& extra_config = "",
             std::string data_dir = "") {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig(1000, extra_config);
    o.data_dir = std::move(data_dir);
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    if (acme_.empty()) {
      acme_ = seed_->Account("Acme", "alice");
      globex_ = seed_->Account("Globex", "mallory");
      seed_->AccountMember(acme_, "reader", AccountRole::kMember);
    }
    alice_ = server_->Token("alice");
  }

  // Creates a workspace and returns the 202's body.
  boost::json::object Create(HttpClient& c, const std::string& name,
                             const std::string& extra = "") {
    const HttpResponse r = PostWorkspace(c, alice_, CreateBody(acme_, name, extra));
    EXPECT_EQ(r.status, 202) << r.body;
    return Json(r.body).as_object();
  }

  std::string Str(const boost::json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, globex_, alice_;
};

TEST_F(Provisioning, CreateAnswers202AndTheSagaBuildsTheWholeWorkspace) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse r = PostWorkspace(
      c, alice_,
      CreateBody(
          acme_, "Production EU",
          R"(,"labels":{"team":"core"},"group_mappings":[{"group_name":"eng","role":"member"}],"runtime":{"generation":"mk3"})"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto body = Json(r.body).as_object();
  const std::string ws = Str(body, "workspace_id");
  const std::string run = Str(body, "provisioning_run_id");
  EXPECT_EQ(r.Header("Location"), "/v1/provisioning-runs/" + run);
  EXPECT_EQ(Str(body, "status"), "provisioning");
  const auto& created = body.at("workspace").as_object();
  EXPECT_EQ(Str(created, "slug"), "production-eu");
  EXPECT_EQ(Str(created, "created_by"), "alice");
  EXPECT_EQ(Str(created, "provisioning_phase"), "created");

  const auto done = WaitRun(c, alice_, run);
  ASSERT_EQ(Str(done, "state"), "succeeded") << boost::json::serialize(done);
  EXPECT_TRUE(done.at("current_step").is_null());
  EXPECT_TRUE(done.at("finished_at").is_string());
  for (const auto& s : done.at("steps").as_array()) {
    EXPECT_EQ(s.as_object().at("state").as_string(), "succeeded");
    EXPECT_EQ(s.as_object().at("attempts").as_int64(), 1);
  }
  const auto got = Json(c.Get("/v1/workspaces/" + ws, alice_).body).as_object();
  EXPECT_EQ(Str(got, "status"), "active");
  EXPECT_EQ(Str(got, "provisioning_phase"), "ready");
  EXPECT_EQ(got.at("labels").as_object().at("team").as_string(), "core");
  EXPECT_EQ(got.at("runtime").as_object().at("generation").as_string(), "mk3");
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", alice_).status, 200);
  const auto envs = Json(c.Get("/v1/workspaces/" + ws + "/environments", alice_).body).as_array();
  ASSERT_EQ(envs.size(), 3u);
  EXPECT_EQ(envs[0].as_object().at("name").as_string(), "dev");
  EXPECT_TRUE(DataplaneFileExists(server_->data_dir(), ws));
  // account, creator as admin, one group mapping, three environments
  EXPECT_EQ(RelationshipRows(server_->data_dir(), ws), 6);
  // The creator is now a member, so the workspace is in their list; so is it
  // for a member of the mapped group.
  EXPECT_NE(c.Get("/v1/workspaces", alice_).body.find(ws), std::string::npos);
  EXPECT_NE(c.Get("/v1/workspaces", server_->Token("bob", "eng")).body.find(ws), std::string::npos);
  // Every transition was audited.
  EXPECT_GE(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE workspace_id = '" + ws + "'"),
            8);
}

TEST_F(Provisioning, TheWorkspaceIsVisibleAtOnceAsProvisioning) {
  Start("bind_account=delay(1500)");
  HttpClient c(server_->port());
  const auto body = Create(c, "Slow");
  const HttpResponse got = c.Get("/v1/workspaces/" + Str(body, "workspace_id"), alice_);
  ASSERT_EQ(got.status, 200);
  const auto ws = Json(got.body).as_object();
  EXPECT_EQ(Str(ws, "status"), "provisioning");
  EXPECT_EQ(Str(ws, "provisioning_phase"), "created");
  const auto run =
      Json(c.Get("/v1/provisioning-runs/" + Str(body, "provisioning_run_id"), alice_).body)
          .as_object();
  EXPECT_EQ(Str(run, "current_step"), "bind_account");
  EXPECT_NE(Str(run, "state"), "succeeded");
}

TEST_F(Provisioning, SharedTenancyGetsRowsInTheRegionsSharedStore) {
  Start();
  HttpClient c(server_->port());
  const auto body = Create(c, "Small", R"(,"tenancy_model":"shared")");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  EXPECT_FALSE(DataplaneFileExists(server_->data_dir(), Str(body, "workspace_id")));
  EXPECT_TRUE(std::filesystem::exists(server_->data_dir() + "/dataplanes/us-east-1/shared.db"));
}

TEST_F(Provisioning, SlugsAreGeneratedUniqueAndAGivenTakenSlugIs409) {
  Start();
  HttpClient c(server_->port());
  EXPECT_EQ(Str(Create(c, "Data Lake").at("workspace").as_object(), "slug"), "data-lake");
  EXPECT_EQ(Str(Create(c, "Data Lake").at("workspace").as_object(), "slug"), "data-lake-2");
  EXPECT_EQ(Str(Create(c, "Data  Lake!").at("workspace").as_object(), "slug"), "data-lake-3");
  const HttpResponse taken =
      PostWorkspace(c, alice_, CreateBody(acme_, "Other", R"(,"slug":"data-lake")"));
  ExpectProblem(taken, 409);
  EXPECT_NE(taken.body.find("data-lake"), std::string::npos);
}

class ProvisioningStep : public Provisioning, public ::testing::WithParamInterface<std::string> {};

TEST_P(ProvisioningStep, TwoFailedAttemptsAreRetriedAndTheWorkspaceStillBecomesActive) {
  Start(GetParam() + "=error(2)");
  HttpClient c(server_->port());
  const auto body = Create(c, "Flaky");
  const auto run = WaitRun(c, alice_, Str(body, "provisioning_run_id"));
  ASSERT_EQ(Str(run, "state"), "succeeded") << boost::json::serialize(run);
  const auto& step = StepOf(run, GetParam());
  EXPECT_EQ(step.at("attempts").as_int64(), 3);
  EXPECT_NE(std::string(step.at("last_error").as_string()).find("injected"), std::string::npos);
  EXPECT_EQ(Str(Json(c.Get("/v1/workspaces/" + Str(body, "workspace_id"), alice_).body).as_object(),
                "status"),
            "active");
}

TEST_P(ProvisioningStep, AFatalErrorCompensatesEverythingAndExplainsWhy) {
  Start(GetParam() + "=fatal");
  HttpClient c(server_->port());
  const auto body = Create(c, "Doomed");
  const std::string ws = Str(body, "workspace_id");
  const auto run = WaitRun(c, alice_, Str(body, "provisioning_run_id"));
  ASSERT_EQ(Str(run, "state"), "failed") << boost::json::serialize(run);
  EXPECT_NE(Str(run, "error").find(GetParam()), std::string::npos);
  EXPECT_EQ(StepOf(run, GetParam()).at("state").as_string(), "failed");
  for (const auto& s : run.at("steps").as_array()) {
    const auto& state = s.as_object().at("state").as_string();
    EXPECT_TRUE(state == "compensated" || state == "failed" || state == "pending") << state;
  }
  // The creator is an account admin, so the workspace stays readable.
  const auto got = Json(c.Get("/v1/workspaces/" + ws, alice_).body).as_object();
  EXPECT_EQ(Str(got, "status"), "error");
  EXPECT_EQ(Str(got, "provisioning_phase"), "error");
  EXPECT_NE(Str(got, "status_reason").find(GetParam()), std::string::npos);
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", alice_).body, "[]");
  EXPECT_FALSE(DataplaneFileExists(server_->data_dir(), ws));
  EXPECT_EQ(RelationshipRows(server_->data_dir(), ws), 1);  // its account link, kept with the row
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = '" + ws + "'"),
            0);
}

INSTANTIATE_TEST_SUITE_P(Steps, ProvisioningStep, ::testing::ValuesIn(kSteps),
                         [](const auto& info) { return info.param; });

// A group mapping given at create grants (GET and the list alike) only from
// write_relationships on, and no longer once a failed run compensated it.
TEST_F(Provisioning, AGroupSeesAWorkspaceInItsListExactlyWhenItMayReadIt) {
  Start("provision_dataplane=delay(5000)");
  HttpClient c(server_->port());
  const std::string eng = server_->Token("eve", "eng");
  const auto mapped = R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])";
  const auto body = Create(c, "Mapped", mapped);
  const std::string ws = Str(body, "workspace_id");
  // Provisioning is held before write_relationships.
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws, eng).status, 404);
  EXPECT_EQ(c.Get("/v1/workspaces", eng).body, "[]");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws, eng).status, 200);
  EXPECT_NE(c.Get("/v1/workspaces", eng).body.find(ws), std::string::npos);

  // A run that fails after write_relationships compensates the mapping.
  const std::string dir = server_->data_dir();
  auto first = std::move(server_);  // owns the data directory
  first->Stop();
  Start("activate=fatal", "", dir);
  HttpClient c2(server_->port());
  const auto failed = Create(c2, "Mapped Then Failed", mapped);
  ASSERT_EQ(Str(WaitRun(c2, alice_, Str(failed, "provisioning_run_id")), "state"), "failed");
  const std::string gone = Str(failed, "workspace_id");
  EXPECT_EQ(c2.Get("/v1/workspaces/" + gone, eng).status, 404);
  const std::string list = c2.Get("/v1/workspaces", eng).body;
  EXPECT_EQ(list.find(gone), std::string::npos) << list;
  EXPECT_NE(list.find(ws), std::string::npos) << list;
}

TEST_F(Provisioning, AFailedRunIsRetriedByANewRunOnce) {
  Start("provision_dataplane=fatal");
  HttpClient c(server_->port());
  const auto body = Create(c, "Second Chance");
  const std::string ws = Str(body, "workspace_id");
  const std::string failed = Str(body, "provisioning_run_id");
  ASSERT_EQ(Str(WaitRun(c, alice_, failed), "state"), "failed");
  seed_->Member(ws, "vera", model::WorkspaceRole::kViewer);

  // The fault is fixed: the server comes back without it.
  const std::string dir = server_->data_dir();
  auto first = std::move(server_);
  first->Stop();
  Start("", "", dir);
  HttpClient c2(server_->port());
  auto post = [&](const std::string& run, const std::string& token) {
    return c2.Send("POST", "/v1/provisioning-runs/" + run + "/retry",
                   {{"Authorization", "Bearer " + token}});
  };
  ExpectProblem(post(failed, server_->Token("vera")), 403);
  ExpectProblem(post(failed, server_->Token("mallory")), 404);

  const HttpResponse r = post(failed, alice_);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto again = Json(r.body).as_object();
  const std::string retry = Str(again, "provisioning_run_id");
  EXPECT_NE(retry, failed);
  EXPECT_EQ(Str(again, "workspace_id"), ws);
  EXPECT_EQ(r.Header("Location"), "/v1/provisioning-runs/" + retry);
  const auto done = WaitRun(c2, alice_, retry);
  EXPECT_EQ(Str(done, "state"), "succeeded");
  EXPECT_EQ(Str(done, "retry_of"), failed);
  EXPECT_EQ(Str(Json(c2.Get("/v1/workspaces/" + ws, alice_).body).as_object(), "status"), "active");
  EXPECT_TRUE(DataplaneFileExists(dir, ws));

  ExpectProblem(post(failed, alice_), 409);  // already retried
  ExpectProblem(post(retry, alice_), 409);   // succeeded
}

TEST_F(Provisioning, PermissionsFollowTheAccount) {
  Start();
  HttpClient c(server_->port());
  ExpectProblem(PostWorkspace(c, server_->Token("reader"), CreateBody(acme_, "Nope")), 403);
  ExpectProblem(PostWorkspace(c, server_->Token("mallory"), CreateBody(acme_, "Nope")), 404);
  ExpectProblem(PostWorkspace(c, alice_, CreateBody("01900000-0000-7000-8000-000000000000", "x")),
                404);
  const auto body = Create(c, "Private");
  const std::string run = Str(body, "provisioning_run_id");
  ExpectProblem(c.Get("/v1/provisioning-runs/" + run, server_->Token("mallory")), 404);
  ExpectProblem(c.Get("/v1/provisioning-runs/not-a-uuid", alice_), 404);
  EXPECT_EQ(c.Get("/v1/provisioning-runs/" + run, server_->Token("reader")).status, 200);
  // Nothing was created by the refused requests.
  EXPECT_EQ(Json(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body).as_array().size(), 1u);
}

TEST_F(Provisioning, BadBodiesAreRefusedFieldByFieldAndChangeNothing) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse many = PostWorkspace(
      c, alice_, R"({"account_id":"nope","name":"","region":"mars-1","status":"active"})");
  ExpectProblem(many, 422);
  std::set<std::string> fields;
  const boost::json::value problem = Json(many.body);
  for (const auto& e : problem.as_object().at("errors").as_array())
    fields.insert(std::string(e.as_object().at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"account_id", "name", "region", "status"}));
  EXPECT_NE(many.body.find("us-east-1"), std::string::npos);  // the valid regions are listed
  ExpectProblem(PostWorkspace(c, alice_, "{not json"), 400);
  ExpectProblem(c.Send("POST", "/v1/workspaces", {{"Authorization", "Bearer " + alice_}},
                       CreateBody(acme_, "x")),
                415);
  EXPECT_EQ(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body, "[]");
}

TEST_F(Provisioning, FiftyConcurrentPostsWithOneKeyMakeOneWorkspace) {
  Start();
  const std::string body = CreateBody(acme_, "Once");
  constexpr int kClients = 50;
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0}, busy{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      // A duplicate of the request still in progress gets 409 at once; the
      // client comes back after Retry-After, as the protocol asks.
      for (int attempt = 0; attempt < 10; ++attempt) {
        responses[i] = PostWorkspace(c, alice_, body, "key-once");
        if (responses[i].status != 409) break;
        ++busy;
        EXPECT_EQ(responses[i].Header("Retry-After"), "1");
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  for (auto& t : threads) t.join();
  // On two I/O threads and several workers, some duplicates arrive while the
  // first is running (how many varies; none is allowed to wait on a thread).
  std::printf("duplicates answered 409 while the first was in progress: %d\n", busy.load());
  for (const auto& r : responses) {
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.body, responses[0].body);
    EXPECT_EQ(r.Header("Location"), responses[0].Header("Location"));
  }
  HttpClient c(server_->port());
  EXPECT_EQ(Json(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body).as_array().size(), 1u);
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM provisioning_runs"), 1);
}

TEST_F(Provisioning, IdempotencyKeyReplaysRefusesOtherBodiesAndIsPerCaller) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse first = PostWorkspace(c, alice_, CreateBody(acme_, "Keyed"), "k1");
  ASSERT_EQ(first.status, 202);
  EXPECT_TRUE(first.Header("Idempotent-Replayed").empty());
  const HttpResponse again = PostWorkspace(c, alice_, CreateBody(acme_, "Keyed"), "k1");
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Location"), first.Header("Location"));
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  // The same JSON, spaced and ordered otherwise (another client library's
  // retry), is the same request.
  const HttpResponse reordered = PostWorkspace(
      c, alice_, "{ \"region\": \"us-east-1\",\n  \"name\": \"Keyed\", \"account_id\": \"" + acme_ + "\" }",
      "k1");
  EXPECT_EQ(reordered.status, 202) << reordered.body;
  EXPECT_EQ(reordered.body, first.body);
  EXPECT_EQ(reordered.Header("Idempotent-Replayed"), "true");
  ExpectProblem(PostWorkspace(c, alice_, CreateBody(acme_, "Other"), "k1"), 422);
  ExpectProblem(PostWorkspace(c, alice_, CreateBody(acme_, "Long"), std::string(256, 'k')), 400);
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Max"), std::string(255, 'k')).status, 202);
  // Another caller's identical key is theirs alone.
  seed_->AccountMember(acme_, "bob", AccountRole::kAdmin);
  const HttpResponse bob =
      PostWorkspace(c, server_->Token("bob"), CreateBody(acme_, "Keyed"), "k1");
  EXPECT_EQ(bob.status, 202);
  EXPECT_NE(bob.body, first.body);
  // A refused request does not burn the key.
  ExpectProblem(PostWorkspace(c, alice_, R"({"account_id":"x"})", "k2"), 422);
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Later"), "k2").status, 202);
}

TEST_F(Provisioning, ADuplicateOfARequestStillInProgressGets409) {
  Start("create_request=delay(3000)");
  std::thread slow([&] {
    HttpClient c(server_->port());
    EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow").status, 202);
  });
  // The first request holds its reservation (inside the failpoint's delay).
  const std::string reserved =
      "SELECT COUNT(*) FROM idempotency_keys WHERE key = 'k-slow' AND completed = 0";
  EXPECT_TRUE(Eventually([&] { return CountRows(server_->data_dir(), reserved) == 1; }));
  HttpClient c(server_->port());
  const HttpResponse dup = PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow");
  ExpectProblem(dup, 409);
  EXPECT_EQ(dup.Header("Retry-After"), "1");
  slow.join();
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow").status, 202);
}

// The paths of the unix sockets process `pid` listens on (/proc: its socket
// descriptors, matched by inode with the kernel's table of unix sockets).
std::vector<std::string> ListeningUnixSockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& fd : std::filesystem::directory_iterator(fds)) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> paths;
  std::ifstream table("/proc/" + std::to_string(pid) + "/net/unix");
  std::string line;
  std::getline(table, line);  // Num RefCount Protocol Flags Type St Inode Path
  while (std::getline(table, line)) {
    std::istringstream f(line);
    std::string num, refs, protocol, flags, type, state, inode, path;
    f >> num >> refs >> protocol >> flags >> type >> state >> inode >> path;
    const bool listening = flags == "00010000";
    if (listening && !path.empty() && path[0] == '/' && inodes.count(inode)) paths.push_back(path);
  }
  return paths;
}

// The server delivering to the real SpiceDB engine (spicedb.target embedded):
// everything a create wrote reaches it, in order, with its ZedToken kept,
// and the engine, read back, holds exactly the database's relationships.
TEST_F(Provisioning, WithSpiceDbConfiguredEveryRelationshipIsDelivered) {
  TempDir data;  // outlives both server processes
  const std::string dir = data.path() + "/data";
  Start("",
        R"(,"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY R"(","poll_ms":20})",
        dir);
  HttpClient c(server_->port());
  const auto body =
      Create(c, "Delivered", R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  const auto undelivered = [&] {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM relationship_outbox WHERE delivered_at IS NULL");
  };
  for (int i = 0; i < 500 && undelivered() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(undelivered(), 0);
  EXPECT_GT(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM relationship_outbox"), 6);
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM meta WHERE key = 'spicedb_zedtoken' AND value <> ''"),
            1);
  const std::string metrics = c.Get("/metrics").body;
  EXPECT_NE(metrics.find("workspaced_spicedb_outbox_depth 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("workspaced_spicedb_outbox_oldest_age_seconds 0\n"), std::string::npos);

  // What the engine inside the server holds, read back over its own socket
  // (it serves the streaming calls, ReadRelationships among them): exactly
  // the database's relationships, of every type of the schema.
  const std::vector<std::string> sockets = ListeningUnixSockets(server_->pid());
  ASSERT_EQ(sockets.size(), 1u) << "the embedded engine's socket";
  auto engine = spicedb::ConnectGrpc({.endpoint = "unix://" + sockets[0]});
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  std::set<model::Relationship> ours, theirs;
  ASSERT_TRUE(seed_->store()
                  .Read([&](store::Tx& tx) {
                    return tx.ForEachRelationship([&](const model::Relationship& r) {
                      ours.insert(r);
                      return true;
                    });
                  })
                  .ok());
  for (const std::string& type : app::SpiceDbTypes()) {
    const Status read = (*engine)->ReadRelationships(type, [&](const model::Relationship& r) {
      EXPECT_TRUE(theirs.insert(r).second) << "twice: " << spicedb::ToString(r);
      return true;
    });
    ASSERT_TRUE(read.ok()) << type << ": " << read.message();
  }
  EXPECT_GT(ours.size(), 6u);
  for (const auto& r : ours)
    EXPECT_TRUE(theirs.count(r)) << "not in SpiceDB: " << spicedb::ToString(r);
  for (const auto& r : theirs)
    EXPECT_TRUE(ours.count(r)) << "only in SpiceDB: " << spicedb::ToString(r);
  // `authz reconcile --dry-run`, pointed at the same engine, finds nothing to do.
  const std::string config = data.path() + "/reconcile.json";
  std::ofstream(config) << R"({"spicedb":{"target":"grpc","tls":false,"endpoint":"unix://)"
                        << sockets[0] << R"("}})";
  const CommandResult dry =
      RunWorkspaced({"authz", "reconcile", "--dry-run", "--config", config, "--data-dir", dir});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("dry run (nothing written): 0 relationships added to SpiceDB, 0 removed"),
            std::string::npos)
      << dry.out << dry.err;

  // The in-memory engine restarts empty: the server loads it from the
  // database before it serves.
  const long long relationships = CountRows(dir, "SELECT COUNT(*) FROM relationships");
  server_->Stop();
  server_.reset();
  Start("", R"(,"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY R"("})", dir);
  const std::string log = server_->Output();
  EXPECT_NE(log.find("the embedded engine is loaded"), std::string::npos) << log;
  EXPECT_NE(log.find("\"relationships\":" + std::to_string(relationships)), std::string::npos)
      << log;
}

// With no retention the outbox keeps only its newest change, however many
// workspaces are made, and every answer stays right: the server's own index
// follows its writes, and a restarted one loads the relationships whole.
TEST_F(Provisioning, ThePrunedOutboxStaysSmallAndAnswersStayRight) {
  TempDir data;
  const std::string dir = data.path() + "/data";
  const std::string pruning = R"(,"spicedb":{"outbox_retention_hours":0,)"
                              R"("outbox_prune_interval_ms":20})";
  Start("", pruning, dir);
  HttpClient c(server_->port());
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    const auto body = Create(c, "Pruned " + std::to_string(i));
    ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
    made.push_back(Str(body, "workspace_id"));
  }
  const auto outbox = [&] { return CountRows(dir, "SELECT COUNT(*) FROM relationship_outbox"); };
  for (int i = 0; i < 250 && outbox() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(outbox(), 1);
  EXPECT_GT(CountRows(dir, "SELECT COUNT(*) FROM relationships"), 5 * 6);
  EXPECT_NE(server_->Output().find("outbox pruned"), std::string::npos);
  const auto answers = [&] {
    HttpClient h(server_->port());
    std::string out;
    for (const auto& ws : made) {
      out += std::to_string(h.Get("/v1/workspaces/" + ws, alice_).status) + " ";
      out += std::to_string(h.Get("/v1/workspaces/" + ws, server_->Token("mallory")).status) + ";";
    }
    return out;
  };
  const std::string want = answers();
  EXPECT_EQ(want, "200 404;200 404;200 404;200 404;200 404;");
  server_->Stop();
  server_.reset();
  Start("", pruning, dir);
  EXPECT_EQ(answers(), want);
}

TEST(SpiceDbConfiguration, AnEngineThatCannotBeLoadedStopsTheStartWithItsReason) {
  TempDir dir;
  const std::string config = dir.path() + "/config.json";
  std::ofstream(config) << R"({"spicedb":{"target":"embedded","library":"/nope/libspicedb.so"}})";
  const auto r = RunWorkspaced(
      {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path() + "/data", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("/nope/libspicedb.so"), std::string::npos) << r.out << r.err;
  std::ofstream(config) << R"({"spicedb":{"target":"carrier-pigeon"}})";
  const auto bad = RunWorkspaced({"serve", "--data-dir", dir.path() + "/data", "--config", config});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("spicedb.target"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace workspaced::testing
