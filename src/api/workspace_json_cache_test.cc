// The cache of rendered workspaces over a real SQLite store: renderings are
// reused only for the very state they were made from.
#include "api/workspace_json_cache.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/json_views.h"
#include "store/sqlite_store.h"
#include "store/testing/store_suite.h"
#include "store/testing/temp_dir.h"

namespace workspaced::api {
namespace {

using store::testing::Id;
using store::testing::kAcme;
using store::testing::MakeWorkspace;

class WorkspaceJsonCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(store::OpenSqliteStore({.path = (dir_.path() / "db").string()})).value();
    ASSERT_TRUE(store_->Migrate().ok());
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertAccount({kAcme, "Acme", 1}));
                      for (int n = 1; n <= 3; ++n) {
                        workspaces_.push_back(
                            MakeWorkspace(Id(n), kAcme, "ws-" + std::to_string(n)));
                        WS_RETURN_IF_ERROR(tx.InsertWorkspace(workspaces_.back()));
                      }
                      return Status::Ok();
                    })
                    .ok());
  }

  // The account's workspaces as the listing renders them.
  std::string List(WorkspaceJsonCache& cache) {
    std::string body;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(const auto stamps, tx.ListWorkspacesByAccount(kAcme, {}));
                      WS_ASSIGN_OR_RETURN(body, cache.RenderList(tx, stamps));
                      return Status::Ok();
                    })
                    .ok());
    return body;
  }
  // What rendering every workspace afresh gives.
  std::string Fresh() {
    std::string out = "[";
    for (const auto& ws : workspaces_) out += (out.size() > 1 ? "," : "") + WorkspaceJson(ws);
    return out + "]";
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<model::Workspace> workspaces_;
};

TEST_F(WorkspaceJsonCacheTest, ReusesRenderingsUntilTheWorkspaceChanges) {
  WorkspaceJsonCache cache;
  EXPECT_EQ(List(cache), Fresh());
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_EQ(List(cache), Fresh());
  EXPECT_EQ(cache.hits(), 3u);
  EXPECT_EQ(cache.misses(), 3u);
  ASSERT_TRUE(boost::json::parse(List(cache)).is_array());

  // An update (here by another connection, as another replica would): only
  // that workspace is read and rendered again, and the list shows it.
  auto other = std::move(store::OpenSqliteStore({.path = (dir_.path() / "db").string()})).value();
  model::Workspace& ws = workspaces_[1];
  ws.name = "Renamed \"quoted\"";
  ws.version += 1;
  ws.updated_at += 1;
  ASSERT_TRUE(other->Write([&](store::Tx& tx) { return tx.UpdateWorkspace(ws); }).ok());
  EXPECT_EQ(List(cache), Fresh());
  EXPECT_EQ(cache.misses(), 4u);
  EXPECT_EQ(cache.hits(), 8u);  // 3 + 3 before, 2 of 3 after
}

TEST_F(WorkspaceJsonCacheTest, AWorkspaceIsFoundWithoutAReadOnlyAtTheDataVersionItWasConfirmedAt) {
  WorkspaceJsonCache cache;
  const std::string id = workspaces_[0].id;
  const auto render = [&](std::optional<std::uint64_t> version) {
    WorkspaceJsonCache::Rendered r;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(r, cache.Render(tx, id, version));
                      return Status::Ok();
                    })
                    .ok());
    return r;
  };
  EXPECT_FALSE(cache.FindCurrent(id, 7));
  render(std::nullopt);  // cached, but not confirmed at any version
  EXPECT_FALSE(cache.FindCurrent(id, 7));
  const auto confirmed = render(7);  // a hit, now confirmed at 7
  const auto found = cache.FindCurrent(id, 7);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->json, confirmed.json);
  EXPECT_EQ(found->stamp, confirmed.stamp);
  // Anything committed since (another version): read again.
  EXPECT_FALSE(cache.FindCurrent(id, 8));
  // Rendered afresh for a list, the confirmation is gone with the old entry.
  model::Workspace& ws = workspaces_[0];
  ws.name = "Renamed";
  ws.version += 1;
  ws.updated_at += 1;
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.UpdateWorkspace(ws); }).ok());
  (void)List(cache);
  EXPECT_FALSE(cache.FindCurrent(id, 7));
}

TEST_F(WorkspaceJsonCacheTest, AFullCacheStartsOverAndStaysRight) {
  WorkspaceJsonCache tiny(WorkspaceJson(workspaces_[0]).size() + 1);  // room for one
  for (int i = 0; i < 3; ++i) EXPECT_EQ(List(tiny), Fresh());
  EXPECT_EQ(tiny.hits() + tiny.misses(), 9u);
  EXPECT_GE(tiny.misses(), 6u);
}

}  // namespace
}  // namespace workspaced::api
