// A permission asked again inside a write transaction (access.h GrantCheck)
// that no longer holds because the workspace's purge removed its
// relationships is answered by the workspace's status, not as a withdrawn
// permission (outside audit: restores and writes racing the purge on two
// replicas were 403 "the 'write' permission … was withdrawn"). The race
// itself is rare; the transaction's view it ends in is set up here whole.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/access.h"
#include "app/app.h"
#include "common/random.h"

namespace workspaced::api {
namespace {

class GrantCheckAfterPurge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / "ws-grants-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    app::Config config;
    config.data_dir = dir_ + "/data";
    auto app = app::App::Open(config);
    ASSERT_TRUE(app.ok()) << app.status().message();
    app_ = std::move(*app);
  }
  void TearDown() override {
    app_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A workspace in `status` where bob holds nothing (as after the purge's
  // remove_relationships), and the answer to bob's `write` grant on it
  // asked again in a write transaction.
  Status AskAgain(model::WorkspaceStatus status) {
    model::Workspace ws;
    ws.id = NewUuidV7(app_->random(), app_->clock());
    ws.account_id = app_->default_account_id();
    ws.name = ws.slug = "ws-" + ws.id.substr(ws.id.size() - 8);
    ws.region = "us-east-1";
    ws.status = status;
    EXPECT_TRUE(app_->store().Write([&](store::Tx& tx) { return tx.InsertWorkspace(ws); }).ok());
    const http::Request request;
    RequestContext ctx{request};
    auto bob = std::make_shared<auth::Principal>();
    bob->subject = "bob";
    ctx.principal = bob;
    ctx.grants.push_back({authz::ObjectType::kWorkspace, ws.id, authz::Permission::kWrite});
    GrantCheck check(app_->authorizer(), ctx);
    return app_->store().Write([&](store::Tx& tx) { return check.Check(tx); });
  }

  std::string dir_;
  std::unique_ptr<app::App> app_;
};

TEST_F(GrantCheckAfterPurge, AGoneWorkspaceIsAnsweredByItsStatus) {
  const Status deleted = AskAgain(model::WorkspaceStatus::kDeleted);
  EXPECT_EQ(deleted.code(), Code::kConflict) << deleted.message();
  EXPECT_NE(deleted.message().find("purge"), std::string::npos) << deleted.message();
  EXPECT_EQ(AskAgain(model::WorkspaceStatus::kDeleting).code(), Code::kConflict);
  const Status purged = AskAgain(model::WorkspaceStatus::kPurged);
  EXPECT_EQ(purged.code(), Code::kNotFound) << purged.message();
  // A permission taken from the caller on a live workspace is still 403.
  const Status active = AskAgain(model::WorkspaceStatus::kActive);
  EXPECT_EQ(active.code(), Code::kPermissionDenied) << active.message();
}

}  // namespace
}  // namespace workspaced::api
