// What PgStore::DataVersion promises (pg_change_feed.h), on a real
// PostgreSQL: two stores on one schema stand for two replicas.
#include "store/pg_change_feed.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "store/pg_store.h"
#include "store/testing/postgres_server.h"

namespace workspaced::store {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Runs `sql` on a connection of its own (an operator's psql: no notification).
std::string Psql(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string out;
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
  if (PQresultStatus(r) == PGRES_COMMAND_OK) out = "ok";
  if (out.empty()) out = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return out;
}

template <typename F>
bool Within(std::chrono::milliseconds limit, F done) {
  const auto deadline = SteadyClock::now() + limit;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class PgChangeFeedTest : public ::testing::Test {
 protected:
  // Two stores on one schema; `poll_ms` for the first.
  void Open(int poll_ms) {
    auto conninfo = testing::FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
    auto a = OpenPostgresStore({.conninfo = conninfo_, .pool_size = 2, .poll_interval_ms = poll_ms});
    auto b = OpenPostgresStore({.conninfo = conninfo_, .pool_size = 2});
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = std::move(a).value();
    b_ = std::move(b).value();
    ASSERT_TRUE(a_->Migrate().ok());
    ASSERT_TRUE(Listening(*a_));
  }

  // True once two DataVersion calls in a row agree (the feed listens).
  static bool Listening(Store& s) {
    return Within(std::chrono::seconds(10), [&] { return *s.DataVersion() == *s.DataVersion(); });
  }
  static bool Moved(Store& s, std::uint64_t from, std::chrono::milliseconds limit) {
    return Within(limit, [&] { return *s.DataVersion() != from; });
  }
  static Status Put(Store& s, const std::string& value) {
    return s.Write([&](Tx& tx) { return tx.PutMeta("k", value); });
  }
  // The application name of the feed of this process's stores.
  static std::string ListenerName() { return "workspaced listen " + std::to_string(getpid()); }

  std::string conninfo_;
  std::unique_ptr<Store> a_, b_;
};

TEST_F(PgChangeFeedTest, AnotherStoresCommitMovesTheVersionByNotificationNotByThePoll) {
  Open(/*poll_ms=*/600'000);
  EXPECT_TRUE(a_->DataVersionCoversEveryWrite());
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_TRUE(Put(*b_, "1").ok());
  EXPECT_TRUE(Moved(*a_, before, std::chrono::seconds(5)));
}

TEST_F(PgChangeFeedTest, AStoresOwnCommitMovesItsVersionBeforeWriteReturns) {
  Open(600'000);
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_TRUE(Put(*a_, "1").ok());
  EXPECT_NE(*a_->DataVersion(), before);
}

// The relationship index skips its replay while ForeignDataVersion stands:
// a store's own commits (which its commit observer hands over) must not move
// it, even when their notifications come back to its own listener; another
// store's must, by notification.
TEST_F(PgChangeFeedTest, OnlyAnotherStoresCommitMovesTheForeignVersion) {
  Open(600'000);
  ASSERT_TRUE(Listening(*b_));
  const std::uint64_t own_before = *a_->ForeignDataVersion();
  const std::uint64_t all_before = *a_->DataVersion();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put(*a_, "own " + std::to_string(i)).ok());
  EXPECT_NE(*a_->DataVersion(), all_before);
  // Its notifications arrive within milliseconds; they are recognised.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(*a_->ForeignDataVersion(), own_before);
  // B hears A's commits as foreign ones.
  const std::uint64_t b_before = *b_->ForeignDataVersion();
  ASSERT_TRUE(Put(*a_, "for b").ok());
  EXPECT_TRUE(Within(std::chrono::seconds(5), [&] { return *b_->ForeignDataVersion() != b_before; }));
  // And A hears B's.
  ASSERT_TRUE(Put(*b_, "from b").ok());
  EXPECT_TRUE(
      Within(std::chrono::seconds(5), [&] { return *a_->ForeignDataVersion() != own_before; }));
}

TEST_F(PgChangeFeedTest, AWriteThatChangedNothingIsNotAnnounced) {
  Open(600'000);
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_TRUE(b_->Write([](Tx& tx) { return tx.GetMeta("k").status(); }).ok());
  // A notification would arrive within milliseconds; none does.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(*a_->DataVersion(), before);
  ASSERT_TRUE(Put(*b_, "x").ok());
  EXPECT_TRUE(Moved(*a_, before, std::chrono::seconds(5)));
}

// A command of the CLI writes and exits without ever listening: its
// commits carry their own notification.
TEST_F(PgChangeFeedTest, AStoreThatNeverListensNotifiesWithItsCommits) {
  Open(600'000);
  auto cli = OpenPostgresStore({.conninfo = conninfo_, .pool_size = 1});
  ASSERT_TRUE(cli.ok());
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_TRUE(Put(**cli, "from the cli").ok());
  cli->reset();  // the command exits at once
  EXPECT_TRUE(Moved(*a_, before, std::chrono::seconds(5)));
}

TEST_F(PgChangeFeedTest, ACommitThatSentNoNotificationIsFoundByThePoll) {
  Open(/*poll_ms=*/100);
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_EQ(Psql(conninfo_, "INSERT INTO meta (key, value) VALUES ('psql', 'x')"), "ok");
  EXPECT_TRUE(Moved(*a_, before, std::chrono::seconds(5)));
}

TEST_F(PgChangeFeedTest, AKilledListeningConnectionIsReplacedAndHearsCommitsAgain) {
  Open(600'000);
  ASSERT_TRUE(Listening(*b_));
  const std::string listeners = "SELECT COALESCE(string_agg(pid::text, ',' ORDER BY pid), '') "
                                "FROM pg_stat_activity WHERE application_name = '" +
                                ListenerName() + "'";
  const std::string killed = Psql(conninfo_, listeners);
  ASSERT_EQ(Psql(conninfo_, "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE application_name = '" + ListenerName() + "'"),
            "2");  // both stores' (one process)
  // While it is gone nothing is trusted (a new version at every call); then
  // a new connection listens, and B's commits reach A by notification again.
  ASSERT_TRUE(Within(std::chrono::seconds(10), [&] {
    (void)a_->DataVersion();
    (void)b_->DataVersion();
    const std::string now = Psql(conninfo_, listeners);
    return now.find(',') != std::string::npos && now != killed;
  }));
  ASSERT_TRUE(Listening(*a_));
  const std::uint64_t before = *a_->DataVersion();
  ASSERT_TRUE(Put(*b_, "2").ok());
  EXPECT_TRUE(Moved(*a_, before, std::chrono::seconds(5)));
}

// A connection of the test's own LISTENing on `channel`: counts the
// notifications carrying `payload`.
class Listener {
 public:
  Listener(const std::string& conninfo, const std::string& channel, std::string payload)
      : conn_(PQconnectdb(conninfo.c_str())), payload_(std::move(payload)) {
    PQclear(PQexec(conn_, ("LISTEN \"" + channel + "\"").c_str()));
  }
  ~Listener() { PQfinish(conn_); }
  // Takes in what arrives for `ms`; the count so far.
  int CountFor(int ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(ms);
    while (SteadyClock::now() < deadline) {
      pollfd fd{PQsocket(conn_), POLLIN, 0};
      (void)poll(&fd, 1, 5);
      PQconsumeInput(conn_);
      while (PGnotify* n = PQnotifies(conn_)) {
        if (n->extra != nullptr && payload_ == n->extra) ++count_;
        PQfreemem(n);
      }
    }
    return count_;
  }

 private:
  PGconn* conn_;
  const std::string payload_;
  int count_ = 0;
};

class PgChangeFeedAnnounceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = testing::FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
    feed_ = std::make_unique<PgChangeFeed>(PgChangeFeed::Options{
        .conninfo = conninfo_,
        .channel = channel_,
        .poll_interval = 600'000'000,
        .announce_interval = 5'000,
        .application_name = name_,
        .own_payload = "feed-under-test",
    });
    listener_ = std::make_unique<Listener>(conninfo_, channel_, "feed-under-test");
    ASSERT_TRUE(Within(std::chrono::seconds(10), [&] {
      (void)feed_->Version();
      return feed_->listening();
    }));
  }

  const std::string channel_ = "announce test " + std::to_string(getpid());
  const std::string name_ = "announce test " + std::to_string(getpid());
  std::string conninfo_;
  std::unique_ptr<PgChangeFeed> feed_;
  std::unique_ptr<Listener> listener_;
};

// A burst of commits costs one NOTIFY or two, not one each (every NOTIFY
// takes PostgreSQL's notify lock at commit and wakes every listener); a
// commit after the burst is announced all the same.
TEST_F(PgChangeFeedAnnounceTest, ABurstOfCommitsIsAnnouncedByAFewNotificationsAndALaterOneAgain) {
  for (int i = 0; i < 200; ++i) feed_->Committed();
  const int burst = listener_->CountFor(300);
  EXPECT_GE(burst, 1) << "the burst was never announced";
  EXPECT_LE(burst, 3) << "200 commits at once were announced one by one";
  feed_->Committed();
  EXPECT_EQ(listener_->CountFor(300), burst + 1) << "a commit after the burst was not announced";
}

// Commits spread over 200 ms: at most one NOTIFY per announce_interval
// (5 ms here), however often they come.
TEST_F(PgChangeFeedAnnounceTest, SpreadCommitsAreAnnouncedAtMostOncePerInterval) {
  const auto start = SteadyClock::now();
  int commits = 0;
  while (SteadyClock::now() - start < std::chrono::milliseconds(200)) {
    feed_->Committed();
    ++commits;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
  const int sent = listener_->CountFor(300);
  EXPECT_GE(sent, 2) << commits << " commits over " << took << " ms";
  EXPECT_LE(sent, took / 5 + 2) << commits << " commits over " << took << " ms";
}

// A process that stops right after a commit (a command of the CLI, a
// replica shutting down) announces it before it goes, without waiting out
// the interval.
TEST_F(PgChangeFeedAnnounceTest, ACommitNotYetAnnouncedIsAnnouncedWhenTheFeedStops) {
  feed_.reset();
  feed_ = std::make_unique<PgChangeFeed>(PgChangeFeed::Options{
      .conninfo = conninfo_,
      .channel = channel_,
      .poll_interval = 600'000'000,
      .announce_interval = 60'000'000,  // a minute: only the first goes at once
      .application_name = name_,
      .own_payload = "feed-under-test",
  });
  ASSERT_TRUE(Within(std::chrono::seconds(10), [&] {
    (void)feed_->Version();
    return feed_->listening();
  }));
  feed_->Committed();
  ASSERT_EQ(listener_->CountFor(300), 1);
  feed_->Committed();  // due in a minute
  EXPECT_EQ(listener_->CountFor(100), 1);
  feed_.reset();
  EXPECT_EQ(listener_->CountFor(300), 2) << "the last commit was never announced";
}

// A commit whose answer was lost may have happened: it is announced all
// the same (the others only look again).
TEST_F(PgChangeFeedAnnounceTest, ACommitWhoseAnswerWasLostIsAnnouncedAsIfItHappened) {
  const std::uint64_t foreign = feed_->ForeignVersion();
  feed_->Uncertain();
  EXPECT_NE(feed_->ForeignVersion(), foreign);
  EXPECT_EQ(listener_->CountFor(300), 1);
}

// A PostgreSQL that stops answering (here the listening backend, stopped
// with SIGSTOP) does not hold up a stopping process for more than about a
// second: the last announcement is given up.
TEST_F(PgChangeFeedAnnounceTest, AStopIsNotHeldUpByAPostgresThatDoesNotAnswer) {
  const std::string pid = Psql(conninfo_, "SELECT pid FROM pg_stat_activity WHERE "
                                          "application_name = '" + name_ + "'");
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(std::system(("kill -STOP " + pid).c_str()), 0);
  feed_->Committed();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its announcement is in flight
  feed_->Committed();
  const auto start = SteadyClock::now();
  feed_.reset();
  const auto took = SteadyClock::now() - start;
  ASSERT_EQ(std::system(("kill -CONT " + pid).c_str()), 0);
  EXPECT_LT(took, std::chrono::seconds(10)) << "the stop waited on PostgreSQL";
}

// A commit made while the connection that announces is gone is announced
// once it is back: other replicas do not wait for their fallback poll.
TEST_F(PgChangeFeedAnnounceTest, ACommitMadeWhileTheConnectionIsLostIsAnnouncedOnceItIsBack) {
  ASSERT_EQ(Psql(conninfo_, "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE application_name = '" + name_ + "'"),
            "1");
  // The feed listens again within milliseconds; under load it may be back
  // before this test looks, and then there is no "while lost" to test.
  if (!Within(std::chrono::seconds(10), [&] { return !feed_->listening(); }))
    GTEST_SKIP() << "the feed was listening again before the test saw it lost";
  feed_->Committed();
  ASSERT_TRUE(Within(std::chrono::seconds(10), [&] {
    (void)feed_->Version();
    return feed_->listening();
  }));
  EXPECT_EQ(listener_->CountFor(500), 1);
}

}  // namespace
}  // namespace workspaced::store
