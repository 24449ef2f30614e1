#include "dataplane/sqlite_dataplane.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace workspaced::dataplane
