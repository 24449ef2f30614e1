// Where requests run: handlers on a bounded worker pool, never on the I/O
// threads. A liveness probe stays fast while every worker is busy and
// readers stall exports; a full queue is refused at once with 503.
#include <unistd.h>

#include <atomic>
#include <future>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

// Holds a request on a worker: the create_request failpoint sleeps after the
// Idempotency-Key is reserved (the reservation row shows it has begun).
constexpr int kSlowMs = 4000;

class Execution : public ::testing::Test {
 protected:
  void Start(int workers, int queued) {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig(
        1000, R"(,"workers":)" + std::to_string(workers) + R"(,"threads":2,"limits":{"queued_requests":)" +
                  std::to_string(queued) + "}");
    o.env["WORKSPACED_FAILPOINTS"] = "create_request=delay(" + std::to_string(kSlowMs) + ")";
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    alice_ = server_->Token("alice");
  }

  // Starts `n` slow creates and returns once each holds a worker.
  std::vector<std::future<int>> HoldWorkers(int n) {
    std::vector<std::future<int>> slow;
    for (int i = 0; i < n; ++i) {
      slow.push_back(std::async(std::launch::async, [this, i] {
        HttpClient c(server_->port());
        return PostWorkspace(c, alice_, CreateBody(acme_, "Slow" + std::to_string(i)),
                             "slow-" + std::to_string(i))
            .status;
      }));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kSlowMs / 2000);
    while (CountRows(server_->data_dir(), "SELECT COUNT(*) FROM idempotency_keys") < n) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the slow requests did not reach the workers";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return slow;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, alice_;
};

TEST_F(Execution, HealthzAnswersWithinASecondWhileEveryWorkerIsBusyAndExportsStall) {
  Start(/*workers=*/2, /*queued=*/64);
  const std::string ws = seed_->Workspace(acme_, "Big");
  // Enough audit events that an export overflows the socket buffers.
  seed_->AuditEvents(ws, 20'000, R"({"role":"viewer"})");
  std::vector<int> stalled;
  for (int i = 0; i < 20; ++i) stalled.push_back(RequestExportAndStall(server_->port(), ws, alice_));

  auto slow = HoldWorkers(2);
  // A request that needs a worker waits behind the slow ones…
  auto queued = std::async(std::launch::async, [this] {
    HttpClient c(server_->port());
    return c.Get("/readyz").status;
  });
  // …while the liveness probe does not.
  HttpClient probe(server_->port());
  for (int i = 0; i < 5; ++i) {
    const auto began = std::chrono::steady_clock::now();
    const HttpResponse r = probe.Get("/healthz");
    const auto took = std::chrono::steady_clock::now() - began;
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(took, std::chrono::seconds(1)) << "healthz waited for a worker";
  }
  EXPECT_EQ(queued.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the workers were not busy: this test proved nothing";
  for (auto& s : slow) EXPECT_EQ(s.get(), 202);
  EXPECT_EQ(queued.get(), 200);
  for (int fd : stalled) ::close(fd);
}

TEST_F(Execution, AFullQueueIsRefusedAtOnceWith503AndRetryAfter) {
  Start(/*workers=*/1, /*queued=*/1);
  auto slow = HoldWorkers(1);
  // Six requests while the only worker is busy: one takes the one queue
  // slot, whichever comes first; the other five find no room.
  struct Answer {
    HttpResponse response;
    std::chrono::steady_clock::duration took;
  };
  std::vector<std::future<Answer>> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(std::async(std::launch::async, [this] {
      HttpClient c(server_->port());
      const auto began = std::chrono::steady_clock::now();
      HttpResponse r = c.Get("/v1/workspaces", alice_);
      return Answer{std::move(r), std::chrono::steady_clock::now() - began};
    }));
  }
  int refused = 0, served = 0;
  for (auto& f : requests) {
    const Answer a = f.get();
    if (a.response.status == 503) {
      ++refused;
      EXPECT_LT(a.took, std::chrono::seconds(1)) << "a refusal waited";
      EXPECT_EQ(a.response.Header("Retry-After"), "1");
      EXPECT_EQ(a.response.Header("Content-Type"), "application/problem+json");
      EXPECT_EQ(Json(a.response.body).as_object().at("status").as_int64(), 503);
    } else {
      ++served;
      EXPECT_EQ(a.response.status, 200) << a.response.body;
    }
  }
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(served, 1) << "the queued request was not answered";
  // Operators see it.
  const std::string metrics = HttpClient(server_->port()).Get("/metrics").body;
  EXPECT_NE(metrics.find("\nworkspaced_http_busy_refusals 5\n"), std::string::npos) << metrics;
  // What was admitted is answered; nothing was lost.
  EXPECT_EQ(slow[0].get(), 202);
  HttpClient c(server_->port());
  EXPECT_EQ(c.Get("/v1/workspaces", alice_).status, 200);
}

}  // namespace
}  // namespace workspaced::testing
