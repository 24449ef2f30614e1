// Denials (denials.h): who is chained and who is counted, what a flood of
// sources costs, counts that survive a failed flush, and refusals that are
// chained after their answer, in a bounded queue drained at stop.
#include "domain/denials.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "common/text.h"
#include "store/sqlite_store.h"
#include "store/testing/store_suite.h"

namespace workspaced::domain {
namespace {

using store::testing::Id;
using store::testing::kAcme;

constexpr Micros kChainInterval = DenialOptions{}.chain_interval;

// The real store, whose writes fail while `failing` is set (a database away,
// a full disk), and wait at a gate while it is held (a slow commit).
class FlakyStore final : public store::Store {
 public:
  explicit FlakyStore(store::Store& s) : s_(s) {}
  Status Migrate() override { return s_.Migrate(); }
  StatusOr<int> SchemaVersion() override { return s_.SchemaVersion(); }
  Status Ping() override { return s_.Ping(); }
  Status Read(FunctionRef<Status(store::Tx&)> fn) override { return s_.Read(fn); }
  Status Write(FunctionRef<Status(store::Tx&)> fn) override {
    {
      std::unique_lock lock(gate_mu_);
      ++waiting_;
      gate_.notify_all();
      gate_.wait(lock, [this] { return !held_; });
      --waiting_;
    }
    if (failing)
      return Unavailable("sqlite: database or disk is full").WithCause(Cause::kStorageFull);
    return s_.Write(fn);
  }
  StatusOr<std::uint64_t> DataVersion() override { return s_.DataVersion(); }
  StatusOr<store::IntegrityReport> CheckIntegrity(Micros budget) override {
    return s_.CheckIntegrity(budget);
  }
  void SetCommitObserver(store::CommitObserver* o) override { s_.SetCommitObserver(o); }
  std::atomic<bool> failing = false;

  // Writes wait from Hold() until Release().
  void Hold() {
    std::lock_guard lock(gate_mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(gate_mu_);
    held_ = false;
    gate_.notify_all();
  }
  // Whether a write waits at the held gate (false after 30 s: a bug).
  bool AwaitWriter() {
    std::unique_lock lock(gate_mu_);
    return gate_.wait_for(lock, std::chrono::seconds(30), [this] { return held_ && waiting_ > 0; });
  }

 private:
  store::Store& s_;
  std::mutex gate_mu_;
  std::condition_variable gate_;
  bool held_ = false;  // guarded by gate_mu_
  int waiting_ = 0;    // guarded by gate_mu_
};

class DenialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore({.path = dir_.path().string() + "/db"});
    ASSERT_TRUE(store.ok());
    real_ = std::move(*store);
    ASSERT_TRUE(real_->Migrate().ok());
    model::Workspace ws = store::testing::MakeWorkspace(Id(1), kAcme, "ws");
    ASSERT_TRUE(real_
                    ->Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertAccount({kAcme, "Acme", 1}));
                      return tx.InsertWorkspace(ws);
                    })
                    .ok());
    clock_.Advance(1'780'000'000'000'000);
    store_ = std::make_unique<FlakyStore>(*real_);
    DenialOptions o;
    o.keys_per_window = 10;
    o.max_pending = 15;
    o.max_queued = 8;
    denials_ = std::make_unique<Denials>(o, *store_, clock_, *random_, failpoints_);
  }
  void TearDown() override { store_->Release(); }

  // A refusal of `subject` on workspace `ws` (which may not exist).
  static Denied OnWorkspace(const std::string& ws, const std::string& subject = "mallory") {
    Denied d = Refused("10.0.0.1", subject, 404);
    d.object_type = "workspace";
    d.object_id = ws;
    d.permission = "read";
    return d;
  }

  static Denied Refused(std::string source, std::string subject = "", int status = 401) {
    Denied d;
    d.actor.subject = std::move(subject);
    d.actor.auth = d.actor.subject.empty() ? "" : "jwt";
    d.actor.source_ip = std::move(source);
    d.actor.user_agent = "agent\n" + std::string(1000, 'a');
    d.actor.request_id = "req_1";
    d.status = status;
    d.method = "GET";
    d.route = "/v1/workspaces/{workspace_id}";
    d.reason = status == 401 ? "signature mismatch" : "workspace not found";
    return d;
  }

  std::vector<model::DenialCount> Rows() {
    std::vector<model::DenialCount> out;
    EXPECT_TRUE(real_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(out, tx.ListDenialCounts({.limit = 1000}));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }
  std::int64_t Sum() {
    std::int64_t n = 0;
    for (const auto& r : Rows()) n += r.count;
    return n;
  }
  std::size_t Events() {
    std::size_t n = 0;
    EXPECT_TRUE(real_
                    ->Read([&](store::Tx& tx) -> Status {
                      for (const std::string& scope : std::vector<std::string>{"", Id(1)}) {
                        WS_ASSIGN_OR_RETURN(
                            auto events,
                            tx.ScanAuditChain(scope, 0, 1000, store::Tx::kNoByteLimit));
                        n += events.size();
                      }
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> real_;
  std::unique_ptr<FlakyStore> store_;
  ManualClock clock_;
  saga::Failpoints failpoints_;
  std::unique_ptr<Random> random_ = NewSeededRandom(3);
  std::unique_ptr<Denials> denials_;
};

TEST_F(DenialsTest, AnonymousRefusalsAreCountedPerKeyWithBoundedEscapedStrings) {
  for (int i = 0; i < 1000; ++i) denials_->Record(Refused("10.0.0.1"));
  EXPECT_TRUE(Rows().empty());  // nothing written per request
  ASSERT_TRUE(denials_->Flush().ok());
  const auto rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 1000);
  EXPECT_EQ(rows[0].subject, "");
  EXPECT_LE(rows[0].user_agent.size(), 256u);
  EXPECT_EQ(rows[0].user_agent.rfind("agent\\x0aaaa", 0), 0u);
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(denials_->counted(), 1000);
}

// The API hands the user agent over made safe (BoundedText): counting cuts
// it, and does not escape its backslashes a second time.
TEST_F(DenialsTest, AUserAgentMadeSafeByTheApiIsNotEscapedTwice) {
  Denied d = Refused("10.0.0.2");
  d.actor.user_agent = BoundedText("curl\\8 \x01", 512);  // curl\\8 \x01
  denials_->Record(d);
  ASSERT_TRUE(denials_->Flush().ok());
  const auto rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].user_agent, d.actor.user_agent);
}

TEST_F(DenialsTest, ManySourcesInOneWindowCostAtMostTheLimitPlusAnOverflowRow) {
  for (int i = 0; i < 500; ++i) denials_->Record(Refused("10.0.1." + std::to_string(i)));
  ASSERT_TRUE(denials_->Flush().ok());
  const auto rows = Rows();
  EXPECT_EQ(rows.size(), 11u);  // 10 keys, then "*"
  EXPECT_EQ(Sum(), 500);
  // The next window starts afresh.
  clock_.Advance(300'000'000);
  denials_->Record(Refused("10.0.2.1"));
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Rows().size(), 12u);
}

TEST_F(DenialsTest, AnAuthenticatedRefusalIsChainedWhenTheObjectExistsAndCountedWhenNot) {
  const std::string ws = Id(1);
  Denied real = OnWorkspace(ws);
  const std::string long_path = "/v1/workspaces/" + std::string(4000, 'p');
  real.path = long_path;
  const std::string other = Id(99);
  Denied made_up = real;
  made_up.object_id = other;
  // A real object and a made-up one take the same path: queued, nothing
  // read or written until the queue is drained.
  denials_->Record(real);
  denials_->Record(made_up);
  EXPECT_EQ(denials_->queued(), 2);
  EXPECT_EQ(denials_->counted(), 0);
  EXPECT_EQ(Events(), 0u);
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(denials_->queued(), 0);
  EXPECT_EQ(Events(), 1u);
  std::vector<model::AuditEvent> events;
  ASSERT_TRUE(real_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(events,
                                        tx.ScanAuditChain(ws, 0, 10, store::Tx::kNoByteLimit));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].actor, "mallory");
  EXPECT_EQ(events[0].time, clock_.Now());     // when it was refused
  EXPECT_LT(events[0].details.size(), 1500u);  // the path is cut
  // ...and marked as cut, though the queue kept only what the cut needs.
  EXPECT_NE(events[0].details.find(std::string(1000, 'p') + "\xe2\x80\xa6\""), std::string::npos);
  // The made-up one is counted, with who asked.
  ASSERT_EQ(Rows().size(), 1u);
  EXPECT_EQ(Rows()[0].subject, "mallory");
  EXPECT_EQ(Rows()[0].count, 1);
}

// Anyone who can name a workspace (a slug is guessable) is refused on it:
// each caller's refusals of one object are chained chains_per_key times a
// window, the rest counted, so its chain does not grow at the caller's will.
TEST_F(DenialsTest, ACallersRefusalsOfOneObjectAreChainedAtMostThePerKeyBoundAWindow) {
  DenialOptions o;
  o.max_queued = 100;
  o.chains_per_key = 3;
  denials_ = std::make_unique<Denials>(o, *store_, clock_, *random_, failpoints_);
  for (int i = 0; i < 6; ++i) denials_->Record(OnWorkspace(Id(1), "mallory"));
  for (int i = 0; i < 2; ++i) denials_->Record(OnWorkspace(Id(1), "eve"));
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Events(), 5u);  // mallory's first three, eve's two
  EXPECT_EQ(Sum(), 3);      // mallory's other three, counted
  // A later pass of the same window keeps the bound; the next window
  // starts again.
  denials_->Record(OnWorkspace(Id(1), "mallory"));
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Events(), 5u);
  EXPECT_EQ(Sum(), 4);
  clock_.Advance(o.window);
  denials_->Record(OnWorkspace(Id(1), "mallory"));
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Events(), 6u);
}

TEST_F(DenialsTest, ARefusalIsAnsweredWhileItsRecordIsStillBeingWritten) {
  denials_->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // the loop is idle
  store_->Hold();
  // Record is all a refused request waits for: it returns at once, and the
  // write that chains the refusal comes at the loop's next pass (held here).
  denials_->Record(OnWorkspace(Id(1)));
  EXPECT_EQ(denials_->queued(), 1);
  clock_.Advance(kChainInterval);
  ASSERT_TRUE(store_->AwaitWriter());
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(denials_->queued(), 1);  // in flight
  store_->Release();
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // the loop has written it and sleeps
  EXPECT_EQ(Events(), 1u);
  EXPECT_EQ(denials_->queued(), 0);
}

TEST_F(DenialsTest, APassThatFindsARefusedObjectMissingWritesItsCountAtOnce) {
  // So a pass writes whether the refused objects exist or not: what later
  // requests meet does not tell them apart.
  denials_->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  denials_->Record(OnWorkspace(Id(99)));  // no such workspace
  clock_.Advance(kChainInterval);         // well before the next flush
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Events(), 0u);
  EXPECT_EQ(Sum(), 1);
}

TEST_F(DenialsTest, AFloodOfRefusalsQueuesAtMostTheCapAndCountsTheRest) {
  denials_->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  store_->Hold();
  denials_->Record(OnWorkspace(Id(1)));
  clock_.Advance(kChainInterval);
  ASSERT_TRUE(store_->AwaitWriter());  // one in flight, held
  for (int i = 0; i < 100; ++i) denials_->Record(OnWorkspace(Id(1)));
  // Eight wait (max_queued: the one in flight and seven more); the rest
  // were counted instead, each counted as dropped from the chain.
  EXPECT_EQ(denials_->queued(), 8);
  EXPECT_EQ(denials_->chain_dropped(), 93);
  EXPECT_EQ(denials_->counted(), 93);
  store_->Release();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Events(), 8u);
  EXPECT_EQ(denials_->queued(), 0);
  denials_->Stop();
  EXPECT_EQ(Sum(), 93);
  // Drained, the queue takes refusals again.
  denials_->Record(OnWorkspace(Id(1)));
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Events(), 9u);
  EXPECT_EQ(denials_->chain_dropped(), 93);
}

TEST_F(DenialsTest, StopChainsEveryRefusalStillQueued) {
  denials_->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  store_->Hold();
  denials_->Record(OnWorkspace(Id(1)));
  clock_.Advance(kChainInterval);
  ASSERT_TRUE(store_->AwaitWriter());
  for (int i = 0; i < 5; ++i) denials_->Record(OnWorkspace(Id(1)));
  denials_->Record(OnWorkspace(Id(99)));  // no such workspace
  EXPECT_EQ(denials_->queued(), 7);
  std::thread stop([&] { denials_->Stop(); });
  store_->Release();
  stop.join();
  EXPECT_EQ(denials_->queued(), 0);
  EXPECT_EQ(Events(), 6u);
  EXPECT_EQ(Sum(), 1);
}

TEST_F(DenialsTest, RefusalsAChainingWriteCouldNotMakeAreKeptForTheNext) {
  store_->failing = true;
  denials_->Record(OnWorkspace(Id(1)));
  denials_->Record(OnWorkspace(Id(1), "eve"));
  EXPECT_FALSE(denials_->Flush().ok());
  EXPECT_EQ(denials_->queued(), 2);
  store_->failing = false;
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Events(), 2u);
  std::vector<model::AuditEvent> events;
  ASSERT_TRUE(real_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(events,
                                        tx.ScanAuditChain(Id(1), 0, 10, store::Tx::kNoByteLimit));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].actor, "mallory");  // in the order they came
  EXPECT_EQ(events[1].actor, "eve");
}

TEST_F(DenialsTest, TheChainingFailpointFailsTheFirstNTransactions) {
  auto failpoints = saga::Failpoints::Parse("denials_chain=error(1)");
  ASSERT_TRUE(failpoints.ok());
  Denials denials({}, *store_, clock_, *random_, *failpoints);
  denials.Record(OnWorkspace(Id(1)));
  EXPECT_FALSE(denials.Flush().ok());
  EXPECT_EQ(denials.queued(), 1);
  ASSERT_TRUE(denials.Flush().ok());
  EXPECT_EQ(Events(), 1u);
}

TEST_F(DenialsTest, CountsAFlushCouldNotWriteAreKeptBoundedForTheNext) {
  store_->failing = true;
  for (int i = 0; i < 100; ++i) denials_->Record(Refused("10.0.0.1"));
  EXPECT_FALSE(denials_->Flush().ok());
  for (int i = 0; i < 100; ++i) denials_->Record(Refused("10.0.0.1"));
  EXPECT_EQ(denials_->pending(), 1);
  // Windows go by while the database is away: at most max_pending keys wait.
  for (int w = 0; w < 30; ++w) {
    clock_.Advance(300'000'000);
    denials_->Record(Refused("10.0.0.1"));
  }
  EXPECT_EQ(denials_->pending(), 15);
  EXPECT_EQ(denials_->dropped(), 16);
  store_->failing = false;
  ASSERT_TRUE(denials_->Flush().ok());
  EXPECT_EQ(Sum(), 200 + 14);
  EXPECT_EQ(denials_->pending(), 0);
}

}  // namespace
}  // namespace workspaced::domain
