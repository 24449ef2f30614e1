#include "authz/membership_authorizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/random.h"
#include "store/sqlite_store.h"

namespace workspaced::authz {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

class MembershipAuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ws-authz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    store::SqliteOptions o;
    o.path = (dir_ / "db.sqlite").string();
    std::filesystem::remove(o.path);
    store_ = std::move(store::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertAccount({account_, "Acme", 1}));
                      WS_RETURN_IF_ERROR(tx.InsertAccount({other_account_, "Globex", 1}));
                      WS_RETURN_IF_ERROR(
                          tx.PutAccountMember({account_, "acct-admin", AccountRole::kAdmin, 1}));
                      WS_RETURN_IF_ERROR(
                          tx.PutAccountMember({account_, "acct-member", AccountRole::kMember, 1}));
                      WS_RETURN_IF_ERROR(tx.PutAccountMember(
                          {other_account_, "rival-admin", AccountRole::kAdmin, 1}));
                      model::Workspace ws;
                      ws.id = ws_;
                      ws.account_id = account_;
                      ws.name = ws.slug = "w";
                      ws.region = "us-east-1";
                      ws.group_mappings = {{"eng", WorkspaceRole::kMember},
                                           {"leads", WorkspaceRole::kAdmin}};
                      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
                      WS_RETURN_IF_ERROR(
                          tx.PutWorkspaceMember({ws_, "ws-admin", WorkspaceRole::kAdmin, 1}));
                      WS_RETURN_IF_ERROR(
                          tx.PutWorkspaceMember({ws_, "ws-member", WorkspaceRole::kMember, 1}));
                      return tx.PutWorkspaceMember({ws_, "ws-viewer", WorkspaceRole::kViewer, 1});
                    })
                    .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Answers(const std::string& subject, std::vector<std::string> groups = {}) {
    auth::Principal p;
    p.subject = subject;
    p.groups = std::move(groups);
    MembershipAuthorizer authz(*store_, {"root"});
    std::string out;
    for (Permission perm : {Permission::kRead, Permission::kWrite, Permission::kAdminister}) {
      out.push_back(authz.Check(p, perm, {ObjectType::kWorkspace, ws_}) == Decision::kAllow ? 'y'
                                                                                            : '-');
    }
    out.push_back('/');
    for (Permission perm : {Permission::kRead, Permission::kAdminister}) {
      out.push_back(
          authz.Check(p, perm, {ObjectType::kAccount, account_}) == Decision::kAllow ? 'y' : '-');
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  const std::string account_ = "01900000-0000-7000-8000-00000000000a";
  const std::string other_account_ = "01900000-0000-7000-8000-00000000000b";
  const std::string ws_ = "01900000-0000-7000-8000-0000000000f1";
};

// Columns: workspace read, write, administer / account read, administer.
TEST_F(MembershipAuthorizerTest, RoleMatrix) {
  EXPECT_EQ(Answers("ws-viewer"), "y--/--");
  EXPECT_EQ(Answers("ws-member"), "yy-/--");
  EXPECT_EQ(Answers("ws-admin"), "yyy/--");
  EXPECT_EQ(Answers("acct-member"), "y--/y-");
  EXPECT_EQ(Answers("acct-admin"), "yyy/yy");
  EXPECT_EQ(Answers("rival-admin"), "---/--");
  EXPECT_EQ(Answers("nobody"), "---/--");
  EXPECT_EQ(Answers("root"), "yyy/yy");  // a platform admin
}

TEST_F(MembershipAuthorizerTest, APlatformAdminGetsNothingOnAnAccountThatDoesNotExist) {
  auth::Principal root;
  root.subject = "root";
  MembershipAuthorizer authz(*store_, {"root"});
  EXPECT_EQ(authz.Check(root, Permission::kRead,
                        {ObjectType::kAccount, "01900000-0000-7000-8000-0000000000ff"}),
            Decision::kDeny);
}

TEST_F(MembershipAuthorizerTest, GroupMappingsGrantTheStrongestMappedRole) {
  EXPECT_EQ(Answers("x", {"eng"}), "yy-/--");
  EXPECT_EQ(Answers("x", {"eng", "leads"}), "yyy/--");
  EXPECT_EQ(Answers("ws-viewer", {"leads"}), "yyy/--");
  EXPECT_EQ(Answers("x", {"Eng"}), "---/--");  // group names are exact
}

TEST_F(MembershipAuthorizerTest, UnknownObjectsAreDenied) {
  auth::Principal p;
  p.subject = "acct-admin";
  MembershipAuthorizer authz(*store_);
  EXPECT_EQ(authz.Check(p, Permission::kRead,
                        {ObjectType::kWorkspace, "01900000-0000-7000-8000-0000000000ff"}),
            Decision::kDeny);
}

TEST_F(MembershipAuthorizerTest, ChangesAreSeenImmediately) {
  EXPECT_EQ(Answers("late"), "---/--");
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "late", WorkspaceRole::kViewer, 2});
                  })
                  .ok());
  EXPECT_EQ(Answers("late"), "y--/--");
}

}  // namespace
}  // namespace workspaced::authz
