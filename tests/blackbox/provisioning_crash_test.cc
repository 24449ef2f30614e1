// The process dies (like kill -9) at every step of the saga, after the step's
// side effect and before its record; a restart without the fault must finish
// every run — never stuck, never half-built, nothing made twice.
#include <iostream>
#include <optional>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

class ProvisioningCrash : public ::testing::TestWithParam<std::string> {};

TEST_P(ProvisioningCrash, ARestartFinishesTheRunWithEverythingExactlyOnce) {
  const std::string step = GetParam();
  constexpr int kLeaseMs = 300;
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(kLeaseMs);
  o.env["WORKSPACED_FAILPOINTS"] = step + "=crash";
  auto server = ServerProcess::Start(o);
  const std::string dir = server->data_dir();
  std::string account;
  {
    Seeder seed(dir);
    account = seed.Account("Acme", "alice");
  }
  // With an Idempotency-Key: the crash may beat the 202 out of the door (the
  // first step starts as soon as the create commits), and the same request
  // after the restart must then answer what the first one would have.
  const std::string key = "crash-" + step;
  const std::string request =
      CreateBody(account, "Crashy", R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])");
  const std::string alice = server->Token("alice");
  std::optional<HttpResponse> first;
  try {
    HttpClient c(server->port());
    first = PostWorkspace(c, alice, request, key);
    ASSERT_EQ(first->status, 202) << first->body;
  } catch (const std::exception& e) {
    std::cerr << "the create's answer was lost in the crash: " << e.what() << "\n";
  }
  // The failpoint kills the process as soon as the engine reaches the step.
  EXPECT_EQ(server->Wait(20'000), 128 + SIGKILL) << server->Output();
  EXPECT_NE(server->Output().find("failpoint crash"), std::string::npos);
  // The dead owner still holds the run's lease, and the step's effect is
  // committed without its record.
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'running' AND "
                      "lease_owner != ''"),
            1);

  // Restart on the same data directory, without failpoints.
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = FastSagaConfig(kLeaseMs);
  auto restarted = ServerProcess::Start(again);
  HttpClient c(restarted->port());
  const std::string token = restarted->Token("alice");
  const HttpResponse replayed = PostWorkspace(c, token, request, key);
  ASSERT_EQ(replayed.status, 202) << replayed.body;
  if (first) {
    EXPECT_EQ(replayed.body, first->body);
  }
  const auto accepted = Json(replayed.body).as_object();
  const std::string ws(accepted.at("workspace_id").as_string());
  const std::string run(accepted.at("provisioning_run_id").as_string());
  const auto done = WaitRun(c, token, run);
  ASSERT_EQ(done.at("state").as_string(), "succeeded") << boost::json::serialize(done);
  for (const auto& s : done.at("steps").as_array())
    EXPECT_EQ(s.as_object().at("state").as_string(), "succeeded");

  // Exactly once: three environments, one dataplane, each relationship once,
  // the creator once.
  const auto envs = Json(c.Get("/v1/workspaces/" + ws + "/environments", token).body).as_array();
  EXPECT_EQ(envs.size(), 3u);
  EXPECT_TRUE(DataplaneFileExists(dir, ws));
  EXPECT_EQ(RelationshipRows(dir, ws), 6);  // account, admin, group, 3 environments
  EXPECT_EQ(
      CountRows(dir, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = '" + ws + "'"),
      1);
  const auto got = Json(c.Get("/v1/workspaces/" + ws, token).body).as_object();
  EXPECT_EQ(got.at("status").as_string(), "active");
  EXPECT_EQ(got.at("provisioning_phase").as_string(), "ready");
  // The takeover is on record.
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM audit_events WHERE action = "
                      "'provisioning.run.taken_over' AND target_id = '" +
                          run + "'"),
            1);
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM provisioning_runs WHERE state NOT IN "
                      "('succeeded', 'failed')"),
            0);
}

INSTANTIATE_TEST_SUITE_P(Steps, ProvisioningCrash,
                         ::testing::Values("bind_account", "configure_account",
                                           "create_environments", "provision_dataplane",
                                           "write_relationships", "activate"),
                         [](const auto& info) { return info.param; });

// A process killed in the middle of a run (here: while a step is held by a
// delay) leaves the run to the next process, which meets a fatal fault and
// must still compensate everything the first process built.
TEST(ProvisioningCrashCompensation, AKilledProcessLeavesCompensationToTheNext) {
  constexpr int kLeaseMs = 300;
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(kLeaseMs);
  o.env["WORKSPACED_FAILPOINTS"] = "write_relationships=delay(400);activate=fatal";
  auto server = ServerProcess::Start(o);
  const std::string dir = server->data_dir();
  std::string account;
  {
    Seeder seed(dir);
    account = seed.Account("Acme", "alice");
  }
  std::string ws, run;
  {
    HttpClient c(server->port());
    const HttpResponse r = PostWorkspace(c, server->Token("alice"), CreateBody(account, "Killed"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto body = Json(r.body).as_object();
    ws = std::string(body.at("workspace_id").as_string());
    run = std::string(body.at("provisioning_run_id").as_string());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // inside the delay
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
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", token).body, "[]");
  EXPECT_FALSE(DataplaneFileExists(dir, ws));
  EXPECT_EQ(RelationshipRows(dir, ws), 1);  // its account link, kept with the row
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
  for (int i = 0; i < 30; ++i) {
    HttpClient& c = i % 2 == 0 ? a : b;
    const HttpResponse r = PostWorkspace(c, token, CreateBody(account, "ws " + std::to_string(i)));
    ASSERT_EQ(r.status, 202) << r.body;
    runs.emplace_back(Json(r.body).as_object().at("provisioning_run_id").as_string());
  }
  for (const std::string& run : runs) {
    const auto done = WaitRun(a, token, run);
    ASSERT_EQ(done.at("state").as_string(), "succeeded") << boost::json::serialize(done);
    for (const auto& s : done.at("steps").as_array())
      EXPECT_EQ(s.as_object().at("attempts").as_int64(), 1);
  }
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM environments"), 90);
  EXPECT_EQ(CountRows(dir,
                      "SELECT COUNT(*) FROM audit_events WHERE action = "
                      "'provisioning.step.succeeded'"),
            180);
  // Both processes took part (the claims name their owners).
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(DISTINCT " + SqlJsonField(dir, "details", "owner") +
                               ") FROM audit_events WHERE action = 'provisioning.run.started'"),
            2);
}

}  // namespace
}  // namespace workspaced::testing
