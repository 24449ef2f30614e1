#include "authz/schema_authorizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/random.h"
#include "model/relationships.h"
#include "store/sqlite_store.h"

namespace workspaced::authz {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

class SchemaAuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ws-authz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    store::SqliteOptions o;
    o.path = (dir_ / "db.sqlite").string();
    std::filesystem::remove(o.path);
    store_ = std::move(store::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    auto schema = ParseSchema(EmbeddedSchemaText());
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    schema_ = *schema;
    ASSERT_TRUE(index_.Attach(*store_).ok());
    ASSERT_TRUE(
        store_
            ->Write([&](store::Tx& tx) -> Status {
              WS_RETURN_IF_ERROR(tx.InsertAccount({account_, "Acme", 1}));
              WS_RETURN_IF_ERROR(tx.InsertAccount({other_account_, "Globex", 1}));
              WS_RETURN_IF_ERROR(
                  tx.PutAccountMember({account_, "acct-admin", AccountRole::kAdmin, 1}));
              WS_RETURN_IF_ERROR(
                  tx.PutAccountMember({account_, "acct-member", AccountRole::kMember, 1}));
              WS_RETURN_IF_ERROR(
                  tx.PutAccountMember({other_account_, "rival-admin", AccountRole::kAdmin, 1}));
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
              WS_RETURN_IF_ERROR(
                  tx.PutWorkspaceMember({ws_, "ws-viewer", WorkspaceRole::kViewer, 1}));
              // As the saga's write_relationships step does.
              WS_RETURN_IF_ERROR(tx.TouchRelationships(model::WorkspaceRelationships(ws, {}, model::DefaultTrustedIssuers())));
              return tx.TouchRelationships({model::PlatformAdmin("root")});
            })
            .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Answers(const std::string& subject, std::vector<std::string> groups = {}) {
    auth::Principal p;
    p.subject = subject;
    p.groups = std::move(groups);
    SchemaAuthorizer authz(schema_, index_, *store_);
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
  Schema schema_;
  RelationshipIndex index_;
  const std::string account_ = "01900000-0000-7000-8000-00000000000a";
  const std::string other_account_ = "01900000-0000-7000-8000-00000000000b";
  const std::string ws_ = "01900000-0000-7000-8000-0000000000f1";
};

// Columns: workspace read, write, administer / account read, administer.
TEST_F(SchemaAuthorizerTest, RoleMatrix) {
  EXPECT_EQ(Answers("ws-viewer"), "y--/--");
  EXPECT_EQ(Answers("ws-member"), "yy-/--");
  EXPECT_EQ(Answers("ws-admin"), "yyy/--");
  EXPECT_EQ(Answers("acct-member"), "y--/y-");
  EXPECT_EQ(Answers("acct-admin"), "yyy/yy");
  EXPECT_EQ(Answers("rival-admin"), "---/--");
  EXPECT_EQ(Answers("nobody"), "---/--");
  EXPECT_EQ(Answers("root"), "yyy/yy");  // a platform admin
}

TEST_F(SchemaAuthorizerTest, APlatformAdminGetsNothingOnAnAccountThatDoesNotExist) {
  auth::Principal root;
  root.subject = "root";
  SchemaAuthorizer authz(schema_, index_, *store_);
  EXPECT_EQ(authz.Check(root, Permission::kRead,
                        {ObjectType::kAccount, "01900000-0000-7000-8000-0000000000ff"}),
            Decision::kDeny);
}

TEST_F(SchemaAuthorizerTest, GroupMappingsGrantTheStrongestMappedRole) {
  EXPECT_EQ(Answers("x", {"eng"}), "yy-/--");
  EXPECT_EQ(Answers("x", {"eng", "leads"}), "yyy/--");
  EXPECT_EQ(Answers("ws-viewer", {"leads"}), "yyy/--");
  EXPECT_EQ(Answers("x", {"Eng"}), "---/--");  // group names are exact
}

TEST_F(SchemaAuthorizerTest, UnknownObjectsAreDenied) {
  auth::Principal p;
  p.subject = "acct-admin";
  SchemaAuthorizer authz(schema_, index_, *store_);
  EXPECT_EQ(authz.Check(p, Permission::kRead,
                        {ObjectType::kWorkspace, "01900000-0000-7000-8000-0000000000ff"}),
            Decision::kDeny);
}

TEST_F(SchemaAuthorizerTest, ChangesAreSeenImmediately) {
  EXPECT_EQ(Answers("late"), "---/--");
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "late", WorkspaceRole::kViewer, 2});
                  })
                  .ok());
  EXPECT_EQ(Answers("late"), "y--/--");
  // A role change replaces the old role; a removal takes everything away.
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "late", WorkspaceRole::kAdmin, 2});
                  })
                  .ok());
  EXPECT_EQ(Answers("late"), "yyy/--");
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "late", WorkspaceRole::kViewer, 2});
                  })
                  .ok());
  EXPECT_EQ(Answers("late"), "y--/--");
  ASSERT_TRUE(
      store_->Write([&](store::Tx& tx) { return tx.DeleteWorkspaceMember(ws_, "late"); }).ok());
  EXPECT_EQ(Answers("late"), "---/--");
  ASSERT_TRUE(
      store_->Write([&](store::Tx& tx) { return tx.DeleteAccountMember(account_, "acct-admin"); })
          .ok());
  EXPECT_EQ(Answers("acct-admin"), "---/--");
}

TEST_F(SchemaAuthorizerTest, WritesByAnotherProcessAreSeenAtTheNextCheck) {
  // Another store on the same file is what a second process (a CLI, a
  // replica) looks like: its commits reach this index through the outbox.
  store::SqliteOptions o;
  o.path = (dir_ / "db.sqlite").string();
  auto other = std::move(store::OpenSqliteStore(o)).value();
  ASSERT_TRUE(other
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "remote", WorkspaceRole::kMember, 2});
                  })
                  .ok());
  EXPECT_EQ(Answers("remote"), "yy-/--");
  ASSERT_TRUE(other
                  ->Write([&](store::Tx& tx) -> Status {
                    WS_RETURN_IF_ERROR(tx.DeleteWorkspaceMember(ws_, "remote"));
                    return tx.PutWorkspaceMember({ws_, "remote", WorkspaceRole::kViewer, 3});
                  })
                  .ok());
  // Interleaved with a write of this process, replayed in commit order.
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.PutWorkspaceMember({ws_, "remote", WorkspaceRole::kAdmin, 4});
                  })
                  .ok());
  EXPECT_EQ(Answers("remote"), "yyy/--");
}

TEST_F(SchemaAuthorizerTest, AnIndexBehindAPrunedOutboxReloadsEverything) {
  // Another process grants and revokes, then the outbox is pruned past
  // what this index has replayed: replaying what is left would miss the
  // grant of "early" and the revocation of "ws-member".
  store::SqliteOptions o;
  o.path = (dir_ / "db.sqlite").string();
  auto other = std::move(store::OpenSqliteStore(o)).value();
  ASSERT_TRUE(other
                  ->Write([&](store::Tx& tx) -> Status {
                    WS_RETURN_IF_ERROR(tx.DeleteWorkspaceMember(ws_, "ws-member"));
                    return tx.PutWorkspaceMember({ws_, "early", WorkspaceRole::kAdmin, 2});
                  })
                  .ok());
  ASSERT_TRUE(
      other
          ->Write([&](store::Tx& tx) -> Status {
            WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({ws_, "late", WorkspaceRole::kViewer, 3}));
            const Micros later = SystemClock().Now() + 3'600'000'000;
            WS_ASSIGN_OR_RETURN(const int pruned, tx.PruneRelationshipChanges(later, false, 1000));
            EXPECT_GT(pruned, 2);
            return Status::Ok();
          })
          .ok());
  EXPECT_EQ(Answers("late"), "y--/--");
  EXPECT_EQ(Answers("early"), "yyy/--");
  EXPECT_EQ(Answers("ws-member"), "---/--");
}

TEST_F(SchemaAuthorizerTest, AWriteThatRollsBackChangesNothing) {
  const Status s = store_->Write([&](store::Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({ws_, "ghost", WorkspaceRole::kAdmin, 2}));
    return Conflict("changed my mind");
  });
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(Answers("ghost"), "---/--");
}

// Two commits of this process whose observer calls come in the other order
// (two threads just after their commits): the later one is held until the
// earlier one arrives, then both apply in seq order, without a replay.
TEST_F(SchemaAuthorizerTest, CommitsReportedOutOfOrderAreHeldThenAppliedInOrder) {
  std::int64_t latest = 0;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(latest, tx.LatestRelationshipChange());
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(index_.Refresh(*store_).ok());
  const auto grant = [&](const std::string& who) {
    return model::WorkspaceMemberRelationship(ws_, WorkspaceRole::kViewer, who);
  };
  // Not in the database: only the observer can have put them in the index.
  index_.OnRelationshipsCommitted({{latest + 2, true, grant("second")}});
  EXPECT_EQ(Answers("second"), "---/--");  // held: "first" comes before it
  index_.OnRelationshipsCommitted({{latest + 1, true, grant("first")}});
  EXPECT_EQ(Answers("first"), "y--/--");
  EXPECT_EQ(Answers("second"), "y--/--");
  // A report of what is already applied changes nothing.
  index_.OnRelationshipsCommitted({{latest + 2, false, grant("second")}});
  EXPECT_EQ(Answers("second"), "y--/--");
}

TEST_F(SchemaAuthorizerTest, AFreshIndexLoadsWhatIsStored) {
  const std::size_t held = index_.size();
  EXPECT_GT(held, 8u);
  RelationshipIndex fresh;
  ASSERT_TRUE(fresh.Attach(*store_).ok());
  EXPECT_EQ(fresh.size(), held);
  index_.OnRelationshipsCommitted({});  // still usable; the store now feeds `fresh`
  SchemaAuthorizer authz(schema_, fresh, *store_);
  auth::Principal p;
  p.subject = "ws-member";
  EXPECT_EQ(authz.Check(p, Permission::kWrite, {ObjectType::kWorkspace, ws_}), Decision::kAllow);
  EXPECT_EQ(authz.Check(p, Permission::kAdminister, {ObjectType::kWorkspace, ws_}),
            Decision::kDeny);
}

}  // namespace
}  // namespace workspaced::authz
