// Two server processes on one PostgreSQL: how long a change committed on one
// replica stays invisible on the other (docs/postgresql.md, Freshness).
// Replicas learn of each other's commits by LISTEN/NOTIFY, with a fallback
// poll; here the poll is set to a minute, so a change seen within seconds
// was seen through a notification, and the tests fail when notifications
// are broken. The bound asserted is generous (the machine is shared); the
// figures measured are printed.
#include <chrono>
#include <iostream>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Far below the one-minute fallback poll of these servers.
constexpr auto kBound = std::chrono::seconds(10);

class Freshness : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = store::testing::FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
    // One data directory: the dev signing key (tokens work on both).
    ServerProcess::Options o;
    o.data_dir = dir_.path() + "/data";
    o.config_json = FastSagaConfig(1000, R"(,"database_poll_ms":60000)");
    o.extra_args = {"--database", conninfo_};
    SetBlackboxDatabase(o.data_dir, conninfo_);
    a_ = ServerProcess::Start(o);
    b_ = ServerProcess::Start(o);
    account_ = DefaultAccount(a_->Output());
    ASSERT_FALSE(account_.empty()) << a_->Output();
    ca_ = std::make_unique<HttpClient>(a_->port());
    cb_ = std::make_unique<HttpClient>(b_->port());
    // A replica listens from its first check on.
    ASSERT_EQ(HttpStatus(*ca_, *a_, AccountPath(), "admin"), 200);
    ASSERT_EQ(HttpStatus(*cb_, *b_, AccountPath(), "admin"), 200);
    ASSERT_TRUE(Eventually([&] { return ListenerPid(*a_) != 0 && ListenerPid(*b_) != 0; }, 10))
        << "a replica never listened";
  }

  void TearDown() override {
    if (!HasFailure()) return;
    std::cerr << "==== replica A ====\n" << a_->Output() << "\n==== replica B ====\n"
              << b_->Output() << "\n";
  }

  // The status of GET `path` as `who` on `c`.
  int HttpStatus(HttpClient& c, const ServerProcess& s, const std::string& path,
             const std::string& who) {
    return CallAs(c, s, "GET", path, who).status;
  }

  // How long until GET `path` as `who` on B answers `want` (kBound + 1 s
  // when it never does within kBound).
  std::chrono::milliseconds UntilOnB(const std::string& path, const std::string& who, int want) {
    const auto start = SteadyClock::now();
    const std::string token = b_->Token(who);
    while (SteadyClock::now() - start < kBound) {
      if (cb_->Get(path, token).status == want)
        return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(kBound + std::chrono::seconds(1));
  }

  // A membership of `who` on the account, granted (or revoked) on A: at
  // once visible on A, within the bound on B.
  void GrantOnA(const std::string& who) {
    const auto r = CallAs(*ca_, *a_, "PUT", AccountPath() + "/members/" + who, "admin",
                          R"({"role":"member"})");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    EXPECT_EQ(HttpStatus(*ca_, *a_, AccountPath(), who), 200) << "stale on the replica that wrote";
  }
  void RevokeOnA(const std::string& who) {
    const auto r = CallAs(*ca_, *a_, "DELETE", AccountPath() + "/members/" + who, "admin");
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(HttpStatus(*ca_, *a_, AccountPath(), who), 404) << "stale on the replica that wrote";
  }

  // The workspace's status as `who` sees it through `c` ("" when not shown).
  std::string WorkspaceStatus(HttpClient& c, const ServerProcess& s, const std::string& path,
                              const std::string& who) {
    const auto r = CallAs(c, s, "GET", path, who);
    if (r.status != 200) return "";
    return std::string(Json(r.body).as_object().at("status").as_string());
  }

  // pg_terminate_backend on the listening connection of `s`; how many.
  long long KillListener(const ServerProcess& s) {
    return QueryNumber(a_->data_dir(),
                       "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                       "application_name = " + ListenerName(s));
  }
  // The backend pid of the listening connection of `s` (0: none).
  long long ListenerPid(const ServerProcess& s) {
    return QueryNumber(a_->data_dir(),
                       "SELECT COALESCE(MAX(pid), 0) FROM pg_stat_activity WHERE "
                       "application_name = " + ListenerName(s));
  }
  static std::string ListenerName(const ServerProcess& s) {
    return "'workspaced listen " + std::to_string(s.pid()) + "'";
  }

  std::string AccountPath() const { return "/v1/accounts/" + account_; }

  TempDir dir_;
  std::string conninfo_;
  std::unique_ptr<ServerProcess> a_, b_;
  std::unique_ptr<HttpClient> ca_, cb_;
  std::string account_;
};

TEST_F(Freshness, AGrantOrRevokeOnOneReplicaIsSeenOnTheOtherByNotificationWellWithinTheBound) {
  std::chrono::milliseconds worst{0};
  for (int round = 0; round < 5; ++round) {
    const std::string who = "carol" + std::to_string(round);
    // B has checked (and cached) the answer before the change.
    ASSERT_EQ(HttpStatus(*cb_, *b_, AccountPath(), who), 404);
    GrantOnA(who);
    const auto granted = UntilOnB(AccountPath(), who, 200);
    EXPECT_LT(granted, kBound) << "a grant on A was never seen on B";
    RevokeOnA(who);
    const auto revoked = UntilOnB(AccountPath(), who, 404);
    EXPECT_LT(revoked, kBound) << "a revoke on A was never seen on B";
    worst = std::max({worst, granted, revoked});
  }
  std::cout << "cross-replica staleness, worst of 10 changes: " << worst.count() << " ms\n";
}

TEST_F(Freshness, AFrozenOrDeletedWorkspaceIsNeverServedStaleByTheReplicaThatChangedIt) {
  const auto created = PostWorkspace(*ca_, a_->Token("admin"), CreateBody(account_, "fresh"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto body = Json(created.body).as_object();
  const std::string ws(body.at("workspace_id").as_string());
  WaitRun(*ca_, a_->Token("admin"), std::string(body.at("provisioning_run_id").as_string()));
  const std::string path = "/v1/workspaces/" + ws;
  ASSERT_EQ(CallAs(*ca_, *a_, "PUT", path + "/members/vic", "admin", R"({"role":"viewer"})").status /
                100,
            2);
  // Both replicas have the workspace, active, in their caches.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(HttpStatus(*ca_, *a_, path, "vic"), 200);
    ASSERT_EQ(HttpStatus(*cb_, *b_, path, "vic"), 200);
  }
  ASSERT_EQ(CallAs(*ca_, *a_, "PATCH", path + "/status", "admin", R"({"status":"frozen"})").status,
            200);
  // At once on A; on B within the bound.
  EXPECT_EQ(WorkspaceStatus(*ca_, *a_, path, "vic"), "frozen");
  const auto start = SteadyClock::now();
  EXPECT_TRUE(Eventually([&] { return WorkspaceStatus(*cb_, *b_, path, "vic") == "frozen"; }, 10));
  std::cout << "freeze seen on the other replica after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)
                   .count()
            << " ms\n";
  // A deleted workspace is hidden from a viewer at once on the replica that
  // deleted it (administer is needed to see it).
  ASSERT_EQ(CallAs(*cb_, *b_, "PATCH", path + "/status", "admin", R"({"status":"active"})").status,
            200);
  EXPECT_EQ(WorkspaceStatus(*cb_, *b_, path, "vic"), "active");
  const auto deleted = CallAs(*cb_, *b_, "DELETE", path, "admin");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  EXPECT_EQ(HttpStatus(*cb_, *b_, path, "vic"), 404);
  EXPECT_LT(UntilOnB(path, "vic", 404), kBound);
}

TEST_F(Freshness, AReplicaWhoseListeningConnectionIsKilledIsNeverStaleAndListensAgain) {
  const long long killed = ListenerPid(*b_);
  ASSERT_EQ(HttpStatus(*cb_, *b_, AccountPath(), "dave"), 404);
  ASSERT_EQ(KillListener(*b_), 1);
  // Without its listener, B reads the database at every check.
  GrantOnA("dave");
  EXPECT_LT(UntilOnB(AccountPath(), "dave", 200), kBound);
  // It listens again, and notifications work again: with a one-minute
  // poll, only they can make the next changes visible this soon.
  ASSERT_TRUE(Eventually(
      [&] {
        const long long now = ListenerPid(*b_);
        return now != 0 && now != killed;
      },
      10))
      << "B never listened again";
  for (int round = 0; round < 3; ++round) {
    const std::string who = "erin" + std::to_string(round);
    ASSERT_EQ(HttpStatus(*cb_, *b_, AccountPath(), who), 404);
    GrantOnA(who);
    EXPECT_LT(UntilOnB(AccountPath(), who, 200), kBound);
  }
  RevokeOnA("dave");
  EXPECT_LT(UntilOnB(AccountPath(), "dave", 404), kBound);
  EXPECT_NE(b_->Output().find("stopped listening"), std::string::npos);
}

}  // namespace
}  // namespace workspaced::testing
