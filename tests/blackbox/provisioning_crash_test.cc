// The process dies (like kill -9) on the production commit path of every
// step: after the step's external effect, if it has one, and before the one
// transaction that applies and records it — forward, and again while
// compensating. A restart without the fault must take the run over and
// finish it: never stuck, never half-built, nothing made or undone twice.
#include <algorithm>
#include <iostream>
#include <optional>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

constexpr int kLeaseMs = 300;

const std::vector<std::string>& StepNames() {
  static const std::vector<std::string> kSteps = {"bind_account",        "configure_account",
                                                  "create_environments", "provision_dataplane",
                                                  "write_relationships", "activate"};
  return kSteps;
}

int StepIndex(const std::string& step) {
  const auto& steps = StepNames();
  return static_cast<int>(std::find(steps.begin(), steps.end(), step) - steps.begin());
}

// What a test of the crashed process needs after the restart.
struct Crashed {
  std::unique_ptr<ServerProcess> server;  // dead; owns the data directory
  std::string dir;
  std::string account;
  int pid = -1;  // of the process that died
  std::optional<HttpResponse> first;
};

const std::string kRequestExtra = R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])";

// Starts a server with `failpoints`, creates one workspace with `key` and
// waits for the failpoint to kill the process.
Crashed CreateAndCrash(const std::string& failpoints, const std::string& key) {
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(kLeaseMs);
  o.env["WORKSPACED_FAILPOINTS"] = failpoints;
  Crashed out;
  out.server = ServerProcess::Start(o);
  ServerProcess* server = out.server.get();
  out.dir = server->data_dir();
  out.pid = server->pid();
  {
    Seeder seed(out.dir);
    out.account = seed.Account("Acme", "alice");
  }
  // With an Idempotency-Key: the crash may beat the 202 out of the door (the
  // first step starts as soon as the create commits), and the same request
  // after the restart must then answer what the first one would have.
  try {
    HttpClient c(server->port());
    out.first = PostWorkspace(c, server->Token("alice"),
                              CreateBody(out.account, "Crashy", kRequestExtra), key);
    EXPECT_EQ(out.first->status, 202) << out.first->body;
  } catch (const std::exception& e) {
    std::cerr << "the create's answer was lost in the crash: " << e.what() << "\n";
  }
  EXPECT_EQ(server->Wait(20'000), 128 + SIGKILL) << server->Output();
  EXPECT_NE(server->Output().find("failpoint crash"), std::string::npos) << server->Output();
  // The dead owner still holds the run's lease.
  EXPECT_EQ(CountRows(out.dir,
                      "SELECT COUNT(*) FROM provisioning_runs WHERE state IN ('running', "
                      "'compensating') AND lease_owner != ''"),
            1);
  return out;
}

// Restarts on the crashed data directory without failpoints, replays the
// create and waits for its run to end.
struct Finished {
  std::unique_ptr<ServerProcess> server;
  std::string token, ws, run;
  boost::json::object done;
};

Finished RestartAndFinish(const Crashed& crashed, const std::string& key) {
  ServerProcess::Options again;
  again.data_dir = crashed.dir;
  again.config_json = FastSagaConfig(kLeaseMs);
  Finished out;
  out.server = ServerProcess::Start(again);
  HttpClient c(out.server->port());
  out.token = out.server->Token("alice");
  const HttpResponse replayed =
      PostWorkspace(c, out.token, CreateBody(crashed.account, "Crashy", kRequestExtra), key);
  EXPECT_EQ(replayed.status, 202) << replayed.body;
  if (crashed.first) {
    EXPECT_EQ(replayed.body, crashed.first->body);
  }
  const auto accepted = Json(replayed.body).as_object();
  out.ws = std::string(accepted.at("workspace_id").as_string());
  out.run = std::string(accepted.at("provisioning_run_id").as_string());
  out.done = WaitRun(c, out.token, out.run);
  return out;
}

long long Events(const std::string& dir, const std::string& action) {
  return CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
}

long long StepEvents(const std::string& dir, const std::string& action, const std::string& step) {
  return CountRows(dir, "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "' AND " +
                            SqlJsonField(dir, "details", "step") + " = '" + step + "'");
}

long long WorkspaceRelationshipRows(const std::string& dir) {
  // One workspace per test: its rows and its environments'.
  return CountRows(dir,
                   "SELECT COUNT(*) FROM relationships WHERE resource_type IN ('workspace', "
                   "'environment')");
}

class ProvisioningCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(ProvisioningCrash, ARestartFinishesTheRunWithEverythingExactlyOnce) {
  const std::string step = GetParam();
  const int i = StepIndex(step);
  const std::string key = "crash-" + step;
  const Crashed crashed = CreateAndCrash(step + "=crash", key);
  const std::string& dir = crashed.dir;
  // The process died on the way to the step's transaction: every step before
  // it is recorded, nothing of it (or after it) is — but its external
  // effect, when it has one (provision_dataplane), is done.
  EXPECT_EQ(CountRows(dir, "SELECT current_step FROM provisioning_runs"), i);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM provisioning_steps WHERE state = 'succeeded'"), i);
  // The creator is its admin from the create on.
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_members"), 1);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), i > 2 ? 3 : 0);
  EXPECT_EQ(DataplaneFiles(dir), i >= 3 ? 1 : 0);
  EXPECT_EQ(WorkspaceRelationshipRows(dir), i > 4 ? 6 : 2);  // the account's and the admin's

  const Finished f = RestartAndFinish(crashed, key);
  ASSERT_EQ(f.done.at("state").as_string(), "succeeded") << boost::json::serialize(f.done);
  for (const auto& s : f.done.at("steps").as_array())
    EXPECT_EQ(s.as_object().at("state").as_string(), "succeeded");

  // Exactly once: three environments, one dataplane, each relationship once,
  // the creator once, each step recorded once.
  HttpClient c(f.server->port());
  const auto envs =
      Json(c.Get("/v1/workspaces/" + f.ws + "/environments", f.token).body).as_array();
  EXPECT_EQ(envs.size(), 3u);
  EXPECT_TRUE(DataplaneFileExists(dir, f.ws));
  EXPECT_EQ(DataplaneFiles(dir), 1);
  EXPECT_EQ(RelationshipRows(dir, f.ws), 6);  // account, admin, group, 3 environments
  EXPECT_EQ(
      CountRows(dir, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = '" + f.ws + "'"),
      1);
  for (const std::string& s : StepNames())
    EXPECT_EQ(StepEvents(dir, "provisioning.step.succeeded", s), 1) << s;
  const auto got = Json(c.Get("/v1/workspaces/" + f.ws, f.token).body).as_object();
  EXPECT_EQ(got.at("status").as_string(), "active");
  EXPECT_EQ(got.at("provisioning_phase").as_string(), "ready");
  // The second process took the run over from the one that died.
  EXPECT_EQ(TakeoversFrom(dir, f.run, crashed.pid), 1);
  EXPECT_EQ(Events(dir, "provisioning.run.succeeded"), 1);
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM provisioning_runs WHERE state NOT IN "
                      "('succeeded', 'failed')"),
            0);
}

INSTANTIATE_TEST_SUITE_P(Steps, ProvisioningCrash, ::testing::ValuesIn(StepNames()),
                         [](const auto& info) { return info.param; });

// The last step fails for good, and the process dies while compensating a
// step — after undoing its external effect (the dataplane), if it has one,
// before the transaction that records the compensation. The next process
// takes the run over and finishes compensating: every step undone and
// recorded exactly once.
class ProvisioningCompensationCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(ProvisioningCompensationCrash, ARestartFinishesTheCompensationExactlyOnce) {
  const std::string step = GetParam();
  const int i = StepIndex(step);
  const std::string key = "compensation-crash-" + step;
  const Crashed crashed = CreateAndCrash("activate=fatal;" + step + ".compensate=crash", key);
  const std::string& dir = crashed.dir;
  // Compensation runs backwards: the steps after this one are undone and
  // recorded; this one's database effect is not undone, its dataplane (when
  // it is provision_dataplane) already is.
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'compensating'"),
            1);
  EXPECT_EQ(Events(dir, "provisioning.step.compensated"), 5 - i);
  EXPECT_EQ(StepEvents(dir, "provisioning.step.compensated", step), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_members"), 1);  // the create's
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), i >= 2 ? 3 : 0);
  EXPECT_EQ(DataplaneFiles(dir), i > 3 ? 1 : 0);
  EXPECT_EQ(WorkspaceRelationshipRows(dir), i >= 4 ? 6 : 2);  // the account's and the admin's

  const Finished f = RestartAndFinish(crashed, key);
  ASSERT_EQ(f.done.at("state").as_string(), "failed") << boost::json::serialize(f.done);
  EXPECT_EQ(TakeoversFrom(dir, f.run, crashed.pid), 1);
  for (const std::string& s : StepNames())
    EXPECT_EQ(StepEvents(dir, "provisioning.step.compensated", s), 1) << s;
  EXPECT_EQ(Events(dir, "provisioning.run.failed"), 1);
  HttpClient c(f.server->port());
  EXPECT_EQ(c.Get("/v1/workspaces/" + f.ws + "/environments", f.token).body, "[]");
  EXPECT_EQ(DataplaneFiles(dir), 0);
  // Its account link and its creator's membership, kept with the row.
  EXPECT_EQ(RelationshipRows(dir, f.ws), 2);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_members"), 1);
  EXPECT_EQ(
      Json(c.Get("/v1/workspaces/" + f.ws, f.token).body).as_object().at("status").as_string(),
      "error");
}

INSTANTIATE_TEST_SUITE_P(Steps, ProvisioningCompensationCrash, ::testing::ValuesIn(StepNames()),
                         [](const auto& info) { return info.param; });

// A process killed in the middle of a run — while write_relationships is held
// by a delay, after the dataplane was built — leaves the run to the next
// process, which takes it over, meets a fatal fault and must still compensate
// everything the first process built.
TEST(ProvisioningCrashCompensation, AKilledProcessLeavesCompensationToTheNext) {
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(kLeaseMs);
  o.env["WORKSPACED_FAILPOINTS"] = "write_relationships=delay(60000)";
  auto server = ServerProcess::Start(o);
  const std::string dir = server->data_dir();
  const int pid = server->pid();
  std::string account;
  {
    Seeder seed(dir);
    account = seed.Account("Acme", "alice");
  }
  std::string ws, run;
  {
    HttpClient c(server->port());
    const std::string token = server->Token("alice");
    const HttpResponse r = PostWorkspace(c, token, CreateBody(account, "Killed"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto body = Json(r.body).as_object();
    ws = std::string(body.at("workspace_id").as_string());
    run = std::string(body.at("provisioning_run_id").as_string());
    // Kill only once the run is held inside the delay: the steps before it
    // are recorded, the lease is this process's.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string current;
    while (current != "write_relationships" && std::chrono::steady_clock::now() < deadline) {
      const auto got = Json(c.Get("/v1/provisioning-runs/" + run, token).body).as_object();
      if (got.at("current_step").is_string()) current = got.at("current_step").as_string();
      if (current != "write_relationships")
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(current, "write_relationships") << server->Output();
  }
  EXPECT_TRUE(DataplaneFileExists(dir, ws));
  const long long version_at_kill =
      CountRows(dir, "SELECT lease_version FROM provisioning_runs WHERE id = '" + run + "'");
  server->Stop(SIGKILL);

  // The next process still has the fatal fault: the run fails and is fully
  // compensated.
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = FastSagaConfig(kLeaseMs);
  again.env["WORKSPACED_FAILPOINTS"] = "activate=fatal";
  auto restarted = ServerProcess::Start(again);
  HttpClient c(restarted->port());
  const std::string token = restarted->Token("alice");
  const auto done = WaitRun(c, token, run);
  ASSERT_EQ(done.at("state").as_string(), "failed") << boost::json::serialize(done);
  // The run changed hands: a newer lease, the takeover on record, and the
  // step the first process was held in done once, by the second.
  EXPECT_GT(CountRows(dir, "SELECT lease_version FROM provisioning_runs WHERE id = '" + run + "'"),
            version_at_kill);
  EXPECT_EQ(TakeoversFrom(dir, run, pid), 1);
  EXPECT_EQ(StepEvents(dir, "provisioning.step.succeeded", "write_relationships"), 1);
  EXPECT_EQ(StepEvents(dir, "provisioning.step.succeeded", "provision_dataplane"), 1);
  for (const std::string& s : StepNames())
    EXPECT_EQ(StepEvents(dir, "provisioning.step.compensated", s), 1) << s;
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", token).body, "[]");
  EXPECT_FALSE(DataplaneFileExists(dir, ws));
  EXPECT_EQ(RelationshipRows(dir, ws), 2);  // its account link and its creator's, kept
  EXPECT_EQ(Json(c.Get("/v1/workspaces/" + ws, token).body).as_object().at("status").as_string(),
            "error");
}

}  // namespace
}  // namespace workspaced::testing

namespace workspaced::testing {
namespace {

// Two processes on one data directory share the runs: each run is done once,
// every step exactly one attempt, nothing built twice.
TEST(ProvisioningSharedWork, TwoProcessesOnOneDatabaseDoEachRunOnce) {
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(2000);
  auto first = ServerProcess::Start(o);
  ServerProcess::Options second_options = o;
  second_options.data_dir = first->data_dir();
  auto second = ServerProcess::Start(second_options);
  const std::string dir = first->data_dir();
  std::string account;
  {
    Seeder seed(dir);
    account = seed.Account("Acme", "alice");
  }
  std::vector<std::string> runs;
  HttpClient a(first->port()), b(second->port());
  const std::string token = first->Token("alice");
  const std::string owners = "SELECT COUNT(DISTINCT " + SqlJsonField(dir, "details", "owner") +
                             ") FROM audit_events WHERE action = 'provisioning.run.started'";
  // Rounds of 30 creates until both processes have taken part (the claims
  // name their owners): on a loaded machine one process can take a whole
  // round before the other's worker wakes. Each run is checked either way.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 30; ++i) {
      HttpClient& c = i % 2 == 0 ? a : b;
      const HttpResponse r = PostWorkspace(
          c, token, CreateBody(account, "ws " + std::to_string(round) + "-" + std::to_string(i)));
      ASSERT_EQ(r.status, 202) << r.body;
      runs.emplace_back(Json(r.body).as_object().at("provisioning_run_id").as_string());
    }
    for (std::size_t k = runs.size() - 30; k < runs.size(); ++k) {
      const auto done = WaitRun(a, token, runs[k]);
      ASSERT_EQ(done.at("state").as_string(), "succeeded") << boost::json::serialize(done);
      for (const auto& s : done.at("steps").as_array())
        EXPECT_EQ(s.as_object().at("attempts").as_int64(), 1);
    }
    if (CountRows(dir, owners) == 2) break;
  }
  const long long n = static_cast<long long>(runs.size());
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), 3 * n);
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM audit_events WHERE action = "
                      "'provisioning.step.succeeded'"),
            6 * n);
  EXPECT_EQ(CountRows(dir, owners), 2);
}

}  // namespace
}  // namespace workspaced::testing
