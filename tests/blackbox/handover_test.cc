// What a server leaves behind for the next one on the same database when it
// stops in the middle of work: the lease of a provisioning run (released on
// SIGTERM), and the reservation of an Idempotency-Key whose request died with
// the process (given up after 60 s).
#include <csignal>
#include <stdexcept>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

class Handover : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = data_.path() + "/data"; }

  void Start(const std::string& failpoints, int lease_ms = 1000) {
    ServerProcess::Options o;
    o.data_dir = dir_;
    o.config_json = FastSagaConfig(lease_ms);
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    if (acme_.empty()) acme_ = Seeder(dir_).Account("Acme", "alice");
    alice_ = server_->Token("alice");
  }

  TempDir data_;  // outlives every server on it
  std::string dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string acme_, alice_;
};

TEST_F(Handover, ASigtermMidRunReleasesTheLeaseAndTheNextServerContinuesAtOnce) {
  constexpr int kLeaseMs = 60'000;  // far longer than the test may take
  Start("provision_dataplane=delay(30000)", kLeaseMs);
  HttpClient c(server_->port());
  const HttpResponse created = PostWorkspace(c, alice_, CreateBody(acme_, "Handed Over"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto body = Json(created.body).as_object();
  const std::string run(body.at("provisioning_run_id").as_string());
  const std::string leased =
      "SELECT COUNT(*) FROM provisioning_runs WHERE id = '" + run + "' AND lease_owner <> ''";
  // The run is held inside provision_dataplane's delay.
  ASSERT_TRUE(Eventually([&] {
    const auto r = Json(c.Get("/v1/provisioning-runs/" + run, alice_).body).as_object();
    const auto& step = r.at("current_step");
    return step.is_string() && step.as_string() == "provision_dataplane" &&
           CountRows(dir_, leased) == 1;
  }));

  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  EXPECT_EQ(CountRows(dir_, leased), 0) << "the stopped server still holds the lease";

  const auto restarted = std::chrono::steady_clock::now();
  Start("", kLeaseMs);
  HttpClient c2(server_->port());
  const auto done = WaitRun(c2, alice_, run);
  EXPECT_EQ(done.at("state").as_string(), "succeeded") << boost::json::serialize(done);
  EXPECT_LT(std::chrono::steady_clock::now() - restarted, std::chrono::milliseconds(kLeaseMs / 3));
  // Released, not taken over from a lapsed lease; the step ran to the end once.
  EXPECT_EQ(CountRows(dir_,
                      "SELECT COUNT(*) FROM audit_events WHERE action = "
                      "'provisioning.run.taken_over'"),
            0);
  EXPECT_EQ(StepOf(done, "provision_dataplane").at("state").as_string(), "succeeded");
}

// The server's clock cannot be moved from outside; the reservation's own
// timestamp is moved back instead, which is what the rule compares with now.
TEST_F(Handover, AReservationWhoseRequestDiedIsGivenUpAfterSixtySeconds) {
  Start("create_request=delay(30000)");
  const std::string body = CreateBody(acme_, "Died Once");
  std::thread dying([&, port = server_->port()] {
    HttpClient c(port);
    try {
      const HttpResponse r = PostWorkspace(c, alice_, body, "k-died");
      ADD_FAILURE() << "the request was answered: " << r.status;
    } catch (const std::exception&) {
      // The server was killed under it, as expected.
    }
  });
  const std::string reserved =
      "SELECT COUNT(*) FROM idempotency_keys WHERE key = 'k-died' AND completed = 0";
  ASSERT_TRUE(Eventually([&] { return CountRows(dir_, reserved) == 1; }));
  server_->Stop(SIGKILL);
  dying.join();
  ASSERT_EQ(CountRows(dir_, reserved), 1);  // the dead request's reservation

  Start("");
  HttpClient c(server_->port());
  const HttpResponse busy = PostWorkspace(c, alice_, body, "k-died");
  ExpectProblem(busy, 409);
  EXPECT_EQ(busy.Header("Retry-After"), "1");
  const auto age = [&](int seconds) {
    ExecSql(dir_, "UPDATE idempotency_keys SET created_at = created_at - " +
                      std::to_string(seconds) + "000000 WHERE key = 'k-died'");
  };
  age(59);  // 59 s and a little: still in progress as far as anyone can tell
  ExpectProblem(PostWorkspace(c, alice_, body, "k-died"), 409);
  age(2);  // over 60 s: given up, and the request runs
  const HttpResponse ran = PostWorkspace(c, alice_, body, "k-died");
  ASSERT_EQ(ran.status, 202) << ran.body;
  EXPECT_TRUE(ran.Header("Idempotent-Replayed").empty());
  const HttpResponse replayed = PostWorkspace(c, alice_, body, "k-died");
  EXPECT_EQ(replayed.status, 202);
  EXPECT_EQ(replayed.body, ran.body);
  EXPECT_EQ(replayed.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(CountRows(dir_, "SELECT COUNT(*) FROM workspaces WHERE name = 'Died Once'"), 1);
}

}  // namespace
}  // namespace workspaced::testing
