// The relationship index on PostgreSQL (relationship_index.h): it skips its
// replay while no other process committed (Store::ForeignDataVersion), so
// every commit of its own process must reach it through the commit
// observer, or be replayed when the observer could not apply it.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include "authz/relationship_index.h"
#include "model/relationships.h"
#include "store/pg_store.h"
#include "store/testing/postgres_server.h"

namespace workspaced::authz {
namespace {

using model::AccountRole;

// A statement on a connection of its own (an operator's psql).
std::string Psql(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::string out = PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK
                        ? "ok"
                        : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return out;
}

class RelationshipIndexPg : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = store::testing::FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
    // The fallback poll far away: only notifications and the observer count.
    auto opened = store::OpenPostgresStore(
        {.conninfo = conninfo_, .pool_size = 4, .poll_interval_ms = 600'000});
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    ASSERT_TRUE(store_->Migrate().ok());
    ASSERT_TRUE(index_.Attach(*store_).ok());
    ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.InsertAccount({kAccount, "Acme", 1}); })
                    .ok());
    // Until the feed listens, every check reads: wait for it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (*store_->ForeignDataVersion() != *store_->ForeignDataVersion() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  Status Grant(store::Store& s, const std::string& subject) {
    return s.Write([&](store::Tx& tx) {
      return tx.PutAccountMember({kAccount, subject, AccountRole::kAdmin, 2});
    });
  }

  // Whether the index, refreshed as before a check, holds `subject` as admin.
  bool Holds(const std::string& subject) {
    EXPECT_TRUE(index_.Refresh(*store_).ok());
    const model::Relationship r =
        model::AccountMemberRelationship(kAccount, AccountRole::kAdmin, subject);
    bool found = false;
    EXPECT_TRUE(index_
                    .ForEachSubject(r.resource_type, r.resource_id, r.relation,
                                    [&](const SubjectRef& s) {
                                      found = found || s.id == subject;
                                      return !found;
                                    })
                    .ok());
    return found;
  }

  static constexpr char kAccount[] = "01900000-0000-7000-8000-00000000000a";
  std::string conninfo_;
  std::unique_ptr<store::Store> store_;
  RelationshipIndex index_;
};

TEST_F(RelationshipIndexPg, OwnCommitsAreSeenAtOnceWithoutAReplay) {
  for (int i = 0; i < 5; ++i) {
    const std::string who = "own-" + std::to_string(i);
    ASSERT_TRUE(Grant(*store_, who).ok());
    EXPECT_TRUE(Holds(who)) << who;
  }
}

// The outbox's sequence skips numbers (a rolled-back transaction, here an
// operator's nextval): the observer cannot apply the next commit after the
// gap, and no other process's notification will come to prompt a replay.
TEST_F(RelationshipIndexPg, AnOwnCommitAfterAGapInTheOutboxSequenceIsReplayedAtTheNextCheck) {
  ASSERT_TRUE(Grant(*store_, "before").ok());
  ASSERT_TRUE(Holds("before"));
  ASSERT_EQ(Psql(conninfo_, "SELECT nextval(pg_get_serial_sequence('relationship_outbox', "
                            "'seq')) FROM generate_series(1, 3)"),
            "ok");
  ASSERT_TRUE(Grant(*store_, "after-gap").ok());
  EXPECT_TRUE(Holds("after-gap"));
}

TEST_F(RelationshipIndexPg, AnotherProcesssCommitIsSeenOnceItsNotificationArrives) {
  auto other = store::OpenPostgresStore({.conninfo = conninfo_, .pool_size = 2});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(Grant(**other, "remote").ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool seen = false;
  while (!(seen = Holds("remote")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace workspaced::authz
