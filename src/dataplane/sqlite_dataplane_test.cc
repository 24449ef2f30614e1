#include "dataplane/sqlite_dataplane.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "dataplane/secret_rows_testing.h"
#include "dataplane/sqlite_connection_cache.h"

namespace workspaced::dataplane {
namespace {
namespace fs = std::filesystem;

class SqliteDataplaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The dataplane's root one level down in a directory of the test's
    // own, so "outside the root" is a place no one else writes to.
    base_ = fs::temp_directory_path() /
            ("ws-dp-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_);
    root_ = base_ / "root";
    dp_ = NewSqliteDataplane(root_.string());
  }
  void TearDown() override { fs::remove_all(base_); }

  static model::Workspace Ws(const std::string& id, model::TenancyModel t) {
    model::Workspace ws;
    ws.id = id;
    ws.region = "eu-west-1";
    ws.tenancy_model = t;
    return ws;
  }

  fs::path base_;
  fs::path root_;
  std::unique_ptr<Dataplane> dp_;
};

TEST_F(SqliteDataplaneTest, DedicatedGetsItsOwnDatabaseIdempotently) {
  auto ws = Ws("01900000-0000-7000-8000-000000000001", model::TenancyModel::kDedicated);
  EXPECT_FALSE(*dp_->Exists(ws));
  ASSERT_TRUE(dp_->Provision(ws).ok());
  ASSERT_TRUE(dp_->Provision(ws).ok());
  EXPECT_TRUE(*dp_->Exists(ws));
  EXPECT_TRUE(fs::exists(root_ / "eu-west-1" / (ws.id + ".db")));
  ASSERT_TRUE(dp_->Deprovision(ws).ok());
  ASSERT_TRUE(dp_->Deprovision(ws).ok());
  EXPECT_FALSE(*dp_->Exists(ws));
  EXPECT_TRUE(fs::is_empty(root_ / "eu-west-1"));
}

TEST_F(SqliteDataplaneTest, SharedWorkspacesAreRowsOfOneDatabase) {
  auto a = Ws("01900000-0000-7000-8000-00000000000a", model::TenancyModel::kShared);
  auto b = Ws("01900000-0000-7000-8000-00000000000b", model::TenancyModel::kShared);
  ASSERT_TRUE(dp_->Provision(a).ok());
  ASSERT_TRUE(dp_->Provision(b).ok());
  ASSERT_TRUE(dp_->Provision(a).ok());
  EXPECT_TRUE(*dp_->Exists(a));
  EXPECT_TRUE(fs::exists(root_ / "eu-west-1" / "shared.db"));
  ASSERT_TRUE(dp_->Deprovision(a).ok());
  EXPECT_FALSE(*dp_->Exists(a));
  EXPECT_TRUE(*dp_->Exists(b));
}

TEST_F(SqliteDataplaneTest, AHalfBuiltDatabaseFromACrashIsReplaced) {
  auto ws = Ws("01900000-0000-7000-8000-000000000002", model::TenancyModel::kDedicated);
  fs::create_directories(root_ / "eu-west-1");
  { std::ofstream(root_ / "eu-west-1" / (ws.id + ".db.tmp")) << "garbage"; }
  EXPECT_FALSE(*dp_->Exists(ws));
  ASSERT_TRUE(dp_->Provision(ws).ok());
  EXPECT_TRUE(*dp_->Exists(ws));
  EXPECT_FALSE(fs::exists(root_ / "eu-west-1" / (ws.id + ".db.tmp")));
}

TEST_F(SqliteDataplaneTest, RefusesIdsAndRegionsThatAreNotOurs) {
  auto ws = Ws("../../etc/passwd", model::TenancyModel::kDedicated);
  EXPECT_FALSE(dp_->Provision(ws).ok());
  ws = Ws("01900000-0000-7000-8000-000000000003", model::TenancyModel::kDedicated);
  ws.region = "../x";
  EXPECT_FALSE(dp_->Provision(ws).ok());
  EXPECT_FALSE(fs::exists(base_ / "x"));
}

TEST_F(SqliteDataplaneTest, SecretsOfAPurgedWorkspaceAreGoneWhenItsIdComesBack) {
  auto ws = Ws("01900000-0000-7000-8000-000000000004", model::TenancyModel::kDedicated);
  ASSERT_TRUE(dp_->Provision(ws).ok());
  SecretRow row;
  row.name = "A";
  row.operation_id = "op-1";
  ASSERT_TRUE(dp_->AddPendingSecret(ws, row, [](std::int64_t) { return std::string("x"); }).ok());
  ASSERT_EQ(dp_->ListSecretRows(ws, {})->size(), 1u);  // the connection is now cached
  ASSERT_TRUE(dp_->Deprovision(ws).ok());
  EXPECT_EQ(dp_->ListSecretRows(ws, {}).status().code(), Code::kConflict);
  ASSERT_TRUE(dp_->Provision(ws).ok());  // a new file at the same path
  EXPECT_TRUE(dp_->ListSecretRows(ws, {})->empty());
}

TEST_F(SqliteDataplaneTest, AWriteCommittedAfterADeleteNumberedAfterItIsDeleted) {
  for (const auto tenancy : {model::TenancyModel::kDedicated, model::TenancyModel::kShared}) {
    auto ws =
        Ws(tenancy == model::TenancyModel::kDedicated ? "01900000-0000-7000-8000-000000000005"
                                                      : "01900000-0000-7000-8000-000000000006",
           tenancy);
    ASSERT_TRUE(dp_->Provision(ws).ok());
    testing::ExpectTheNumberingOrderDecides(*dp_, ws);
  }
}

class ConnectionCacheTest : public SqliteDataplaneTest {
 protected:
  std::string MakeDb(const std::string& name) {
    const std::string path = (base_ / name).string();
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    const std::string sql = "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('" + name + "')";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return path;
  }
  static std::string Value(Connection& conn) {
    auto stmt = conn.Statement("SELECT v FROM t");
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok() || sqlite3_step(*stmt) != SQLITE_ROW) return "";
    std::string v(reinterpret_cast<const char*>(sqlite3_column_text(*stmt, 0)));
    sqlite3_reset(*stmt);
    return v;
  }
  int opened_ = 0;
  Status CountOpen(Connection&) {
    ++opened_;
    return Status::Ok();
  }
};

TEST_F(ConnectionCacheTest, KeepsAtMostItsCapacityAndReusesWhatItKeeps) {
  ConnectionCache cache(2);
  const auto setup = [&](Connection& c) { return CountOpen(c); };
  const std::string a = MakeDb("a.db"), b = MakeDb("b.db"), c = MakeDb("c.db");
  for (const auto& p : {a, b, a, b}) ASSERT_TRUE(cache.Acquire(p, setup).ok());
  EXPECT_EQ(opened_, 2);
  ASSERT_TRUE(cache.Acquire(c, setup).ok());  // evicts a, the least recently used
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_TRUE(cache.Acquire(b, setup).ok());
  EXPECT_EQ(opened_, 3);
  ASSERT_TRUE(cache.Acquire(a, setup).ok());
  EXPECT_EQ(opened_, 4);
}

TEST_F(ConnectionCacheTest, ConcurrentLeasesOfOneDatabaseEachGetAConnection) {
  ConnectionCache cache(2);
  const auto setup = [&](Connection& c) { return CountOpen(c); };
  const std::string a = MakeDb("a.db");
  {
    auto first = cache.Acquire(a, setup);
    auto second = cache.Acquire(a, setup);  // does not wait for the first
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(&first->conn(), &second->conn());
    EXPECT_EQ(Value(second->conn()), "a.db");
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache.Acquire(a, setup).ok());
  EXPECT_EQ(opened_, 2);  // both kept idle, reused
}

// The default worker pool is 4 threads per core: 8 concurrent reveals of one
// workspace on 2 cores used to close half their connections each time and
// open (and prepare) them again on the next burst.
TEST_F(ConnectionCacheTest, KeepsAsManyIdleAsOneBurstOfConcurrentLeasesUsed) {
  ConnectionCache cache(2);
  const auto setup = [&](Connection& c) { return CountOpen(c); };
  const std::string a = MakeDb("a.db");
  for (int burst = 0; burst < 3; ++burst) {
    std::vector<ConnectionCache::Lease> leases;
    for (int i = 0; i < 8; ++i) {
      auto lease = cache.Acquire(a, setup);
      ASSERT_TRUE(lease.ok());
      leases.push_back(std::move(*lease));
    }
  }
  EXPECT_EQ(opened_, 8);  // opened for the first burst, reused by the others
  // Never more than a burst used: one lease at a time opens nothing more.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(cache.Acquire(a, setup).ok());
  EXPECT_EQ(opened_, 8);
}

TEST_F(ConnectionCacheTest, NeverCreatesAFileAndNoticesOneReplacedBehindIt) {
  ConnectionCache cache(4);
  const auto setup = [&](Connection& c) { return CountOpen(c); };
  EXPECT_EQ(cache.Acquire((base_ / "none.db").string(), setup).status().code(), Code::kConflict);
  EXPECT_FALSE(fs::exists(base_ / "none.db"));
  const std::string a = MakeDb("a.db");
  {
    auto lease = cache.Acquire(a, setup);
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(Value(lease->conn()), "a.db");
  }
  // Another process removes the file and one with other contents takes its
  // place: the cached handle (to the removed file) is not used.
  fs::remove(a);
  fs::rename(MakeDb("other.db"), a);
  auto lease = cache.Acquire(a, setup);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(Value(lease->conn()), "other.db");
  EXPECT_EQ(opened_, 2);
}

TEST_F(ConnectionCacheTest, RemoveWaitsForTheLeaseInUseAndLeavesNothingToReopen) {
  ConnectionCache cache(4);
  const auto setup = [&](Connection& c) { return CountOpen(c); };
  const std::string a = MakeDb("a.db");
  auto acquired = cache.Acquire(a, setup);
  ASSERT_TRUE(acquired.ok());
  std::optional<ConnectionCache::Lease> lease(std::move(*acquired));
  std::atomic<bool> removed{false};
  std::thread remover([&] {
    EXPECT_TRUE(cache
                    .Remove(a,
                            [&] {
                              fs::remove(a);
                              removed = true;
                              return Status::Ok();
                            })
                    .ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(removed.load());  // the request in flight finishes first
  EXPECT_EQ(Value(lease->conn()), "a.db");
  lease.reset();
  remover.join();
  EXPECT_TRUE(removed.load());
  EXPECT_EQ(cache.Acquire(a, setup).status().code(), Code::kConflict);
  EXPECT_EQ(cache.size(), 1u);  // an empty entry at most, no open file
}

}  // namespace
}  // namespace workspaced::dataplane
