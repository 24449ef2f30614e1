#include "app/readiness.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite_store.h"

namespace workspaced::app {
namespace {

// A dataplane whose answer the test sets, counting the pings it gets.
class FakeDataplane final : public dataplane::Dataplane {
 public:
  Status Provision(const model::Workspace&) override { return Status::Ok(); }
  Status Deprovision(const model::Workspace&) override { return Status::Ok(); }
  StatusOr<bool> Exists(const model::Workspace&) override { return false; }
  Status Ping() override {
    ++pings;
    return answer;
  }
  Status answer = Status::Ok();
  std::atomic<int> pings{0};
};

class ReadinessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ws-ready-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::OpenSqliteStore({.path = (dir_ / "db").string()});
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  FakeDataplane dataplane_;
  ManualClock clock_;
};

TEST_F(ReadinessTest, ReportsEachCheckAndReusesTheResultForAnInterval) {
  Readiness readiness({.budget = 5'000'000, .interval = 60'000'000}, *store_, dataplane_, nullptr,
                      clock_);
  const auto first = readiness.Check();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->failure.empty()) << first->failure;
  using Checks = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(first->checks, (Checks{{"database", "ok"}, {"dataplanes", "ok"}}));
  EXPECT_EQ(dataplane_.pings, 1);
  // However many callers within the interval: the check ran once.
  for (int i = 0; i < 100; ++i) ASSERT_EQ(readiness.Check()->checked_at, first->checked_at);
  EXPECT_EQ(dataplane_.pings, 1);
  // A failure appears once the interval has passed, naming what failed.
  dataplane_.answer = Unavailable("the dataplane of region eu-west-1 is unreachable");
  clock_.Advance(59'000'000);
  EXPECT_TRUE(readiness.Check()->failure.empty());
  clock_.Advance(1'000'000);
  const auto later = readiness.Check();
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->failure, "the dataplane of region eu-west-1 is unreachable");
  EXPECT_EQ(dataplane_.pings, 2);
}

TEST_F(ReadinessTest, ADatabaseWithATableGoneFailsItsCheck) {
  Readiness readiness({.budget = 5'000'000, .interval = 1}, *store_, dataplane_, nullptr, clock_);
  ASSERT_TRUE(readiness.Check()->failure.empty());
  // Dropped behind the store's back, as an operator's mistake would.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "DROP TABLE leases", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  clock_.Advance(1);
  const auto r = readiness.Check();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failure, "the database failed its integrity check");
  EXPECT_EQ(r->checks.front(), (std::pair<std::string, std::string>{"database", "damaged"}));
}

}  // namespace
}  // namespace workspaced::app
