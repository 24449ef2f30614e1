// The secrets pillar through crashes (docs/secrets.md, docs/pillars.md): at
// each point of the pillar protocol, during a delete, and amid concurrent
// reveals whose audit events commit together; key rotation under a running
// server and the quota under concurrent writers. The fixture and its
// instantiation (both cells, both backends) are secrets_test.cc's.
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/secrets_fixture.h"

namespace workspaced::testing {
namespace {

// The process dies after step 1 (the pending dataplane row): the write was
// never acknowledged, never audited, and is never shown.
TEST_P(Secrets, ACrashBeforeTheControlPlaneTransactionShowsNothingUnaudited) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "secrets_after_pending=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    const HttpResponse r = Put("CRASHY", ValueBody(kValue));
    ADD_FAILURE() << "answered " << r.status << " " << r.body;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  ExpectProblem(Call("GET", "/secrets/CRASHY", "alice"), 404);
  ExpectProblem(Call("POST", "/secrets/CRASHY/reveal", "alice"), 404);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(Events("secret.put"), 0);
  // The next write of the name works; its version follows the pending
  // one's, which took the name's first number: 200, not 201 (whether that
  // write will commit is not known yet; docs/secrets.md).
  const HttpResponse r = Put("CRASHY", ValueBody(kValue2));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("latest_version").as_int64(), 2);
  const HttpResponse shown = Call("POST", "/secrets/CRASHY/reveal", "alice");
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue2);
}

// The process dies after step 2 committed, before the row is marked: the
// write is committed and audited, and the first reader makes it visible.
TEST_P(Secrets, ACrashAfterTheControlPlaneTransactionLosesNothing) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "secrets_after_commit_record=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    (void)Put("DURABLE", ValueBody(kValue));
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("secret.put"), 1);
  const HttpResponse r = Call("GET", "/secrets/DURABLE", "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("latest_version").as_int64(), 1);
  const HttpResponse shown = Call("POST", "/secrets/DURABLE/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
}

// A crash during a delete: before step 2 the secret stays; after it, it is gone.
TEST_P(Secrets, ACrashDuringADeleteEndsEitherBeforeOrAfterIt) {
  for (const std::string point : {"secrets_after_pending", "secrets_after_commit_record"}) {
    SCOPED_TRACE(point);
    account_.clear();
    StartOn();
    CreateWorkspace();
    ASSERT_EQ(Put("DOOMED", ValueBody(kValue)).status, 201);
    const std::string dir = server_->data_dir();
    EXPECT_EQ(server_->Stop(), 0);
    ServerProcess::Options crashing;
    crashing.data_dir = dir;
    crashing.config_json = Config();
    crashing.env["WORKSPACED_FAILPOINTS"] = point + "=crash";
    auto stopped = std::move(server_);
    StartOn(crashing);
    try {
      (void)Call("DELETE", "/secrets/DOOMED", "alice");
    } catch (const std::exception&) {
    }
    EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
    ServerProcess::Options again;
    again.data_dir = dir;
    again.config_json = Config();
    auto dead = std::move(server_);
    StartOn(again);
    const bool deleted = point == "secrets_after_commit_record";
    EXPECT_EQ(Events("secret.delete"), deleted ? 1 : 0);
    EXPECT_EQ(Call("GET", "/secrets/DOOMED", "alice").status, deleted ? 404 : 200);
    server_.reset();
    stopped.reset();
    dead.reset();
  }
}

TEST_P(Secrets, KeysRotateRewrapsEveryDataKeyUnderARunningServer) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("ROTATED", ValueBody(kValue)).status, 201);
  const CommandResult rotated =
      RunWorkspaced({"keys", "rotate", "--data-dir", server_->data_dir()});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("rewrapped 1 data key"), std::string::npos) << rotated.out;
  int keks = 0;
  for (const auto& e : std::filesystem::directory_iterator(server_->data_dir()))
    keks += e.path().filename().string().rfind("kek-", 0) == 0;
  EXPECT_EQ(keks, 2);
  // The server meets a key wrapped by a KEK it did not load, and loads it.
  const HttpResponse shown = Call("POST", "/secrets/ROTATED/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
  EXPECT_EQ(Put("ROTATED", ValueBody(kValue2)).status, 200);
}

// secrets_per_workspace counts names, not versions: of concurrent writers of
// new names against a quota of 3, exactly 3 succeed (the count is kept in
// the transaction that commits each write); a new version of a held name
// still goes in, and a delete frees a place.
TEST_P(Secrets, TheSecretsQuotaCountsNamesNotVersionsUnderConcurrentWriters) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("HELD", ValueBody(kValue)).status, 201);
  const auto quotas = [&](const std::string& method, const std::string& body) {
    return CallAs(*c_, *server_, method, "/v1/accounts/" + account_ + "/quotas", "admin", body);
  };
  HttpResponse r = quotas("PUT", R"({"secrets_per_workspace":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("secrets_per_workspace")),
            R"({"allowed":3,"current":1})");
  constexpr int kWriters = 8;
  std::vector<int> statuses(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      HttpClient c(server_->port());
      statuses[i] =
          CallAs(c, *server_, "PUT", "/v1/workspaces/" + ws_ + "/secrets/NEW_" + std::to_string(i),
                 "alice", ValueBody(kValue))
              .status;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kWriters - 2);
  EXPECT_EQ(Json(Call("GET", "/secrets", "alice").body).as_array().size(), 3u);
  r = Put("ONE_MORE", ValueBody(kValue));
  ExpectProblem(r, 409);
  const auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("type").as_string(), "urn:workspaced:problem:quota-exceeded") << r.body;
  EXPECT_EQ(o.at("limit").as_string(), "secrets_per_workspace");
  EXPECT_EQ(o.at("allowed").as_int64(), 3);
  EXPECT_EQ(o.at("current").as_int64(), 3);
  EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(Put("HELD", ValueBody(kValue2)).status, 200);  // a version, not a name
  ASSERT_EQ(Call("DELETE", "/secrets/HELD", "alice").status, 204);
  EXPECT_EQ(Put("ONE_MORE", ValueBody(kValue)).status, 201);
  EXPECT_EQ(Events("secret.put"), 1 + 2 + 1 + 1);
  r = quotas("GET", "");
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("secrets_per_workspace")),
            R"({"allowed":3,"current":3})");
}

// The process dies in the reveal's audit commit, before it commits: the
// value never left and no reveal is on the record; the chain verifies.
TEST_P(Secrets, ACrashBeforeTheRevealsAuditCommitAnswersNothingAndRecordsNothing) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("GUARDED", ValueBody(kValue)).status, 201);
  const std::string dir = server_->data_dir();
  EXPECT_EQ(server_->Stop(), 0);
  ServerProcess::Options crashing;
  crashing.data_dir = dir;
  crashing.config_json = Config();
  crashing.env["WORKSPACED_FAILPOINTS"] = "audit_group_before_commit=crash";
  auto stopped = std::move(server_);
  StartOn(crashing);
  try {
    const HttpResponse r = Call("POST", "/secrets/GUARDED/reveal", "alice");
    ADD_FAILURE() << "answered " << r.status;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  EXPECT_EQ(server_->Output().find("s3cr3t-VALUE"), std::string::npos);
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("secret.reveal"), 0);
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// Reveals from several clients at once share audit commits; the server is
// killed (SIGKILL) among them. Every reveal that was answered is on the
// record after the restart, and the hash chain verifies.
TEST_P(Secrets, KilledAmidConcurrentRevealsEveryAnsweredRevealIsOnTheRecord) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("BUSY", ValueBody(kValue)).status, 201);
  constexpr int kClients = 8;
  std::atomic<long long> answered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      HttpClient c(server_->port());
      while (!stop.load()) {
        try {
          const HttpResponse r = CallAs(c, *server_, "POST",
                                        "/v1/workspaces/" + ws_ + "/secrets/BUSY/reveal", "alice");
          if (r.status == 200) answered.fetch_add(1);
        } catch (const std::exception&) {
          return;  // the server is gone
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return answered.load() >= 200; }));
  ::kill(server_->pid(), SIGKILL);
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_GE(Events("secret.reveal"), answered.load());
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", again.data_dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace workspaced::testing
