// A workspace's environments and direct members.
#include <gtest/gtest.h>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using testing::Id;
using testing::kAcme;
using testing::MakeWorkspace;
using testing::StoreSuite;

// --- environments ---

TEST_P(StoreSuite, EnvironmentsAreListedInIdOrder) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  WS_ASSERT_OK(Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.InsertEnvironment({Id(12), Id(1), "prod", 30}));
    WS_RETURN_IF_ERROR(tx.InsertEnvironment({Id(10), Id(1), "dev", 10}));
    return tx.InsertEnvironment({Id(11), Id(1), "staging", 20});
  }));
  const auto envs = Get([](Tx& tx) { return tx.ListEnvironments(Id(1)); });
  WS_ASSERT_OK(envs);
  ASSERT_EQ(envs->size(), 3u);
  EXPECT_EQ((*envs)[0].name, "dev");
  EXPECT_EQ((*envs)[0].id, Id(10));
  EXPECT_EQ((*envs)[0].workspace_id, Id(1));
  EXPECT_EQ((*envs)[0].created_at, 10);
  EXPECT_EQ((*envs)[1].name, "staging");
  EXPECT_EQ((*envs)[2].name, "prod");
}

TEST_P(StoreSuite, EnvironmentIdAndNameWithinWorkspaceAreUnique) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(2), kAcme, "b")));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.InsertEnvironment({Id(10), Id(1), "dev", 1}); }));
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.InsertEnvironment({Id(10), Id(2), "qa", 1});
                 }),
                 Code::kConflict);
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.InsertEnvironment({Id(11), Id(1), "dev", 1});
                 }),
                 Code::kConflict);
  WS_EXPECT_OK(Write([](Tx& tx) { return tx.InsertEnvironment({Id(12), Id(2), "dev", 1}); }));
}

TEST_P(StoreSuite, EnvironmentOfMissingWorkspaceIsNotFound) {
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.InsertEnvironment({Id(10), Id(1), "dev", 1});
                 }),
                 Code::kNotFound);
}

TEST_P(StoreSuite, DeleteEnvironmentsRemovesOnlyThatWorkspacesAndToleratesNone) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(2), kAcme, "b")));
  WS_ASSERT_OK(Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.InsertEnvironment({Id(10), Id(1), "dev", 1}));
    WS_RETURN_IF_ERROR(tx.InsertEnvironment({Id(11), Id(1), "prod", 1}));
    return tx.InsertEnvironment({Id(12), Id(2), "dev", 1});
  }));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteEnvironments(Id(1)); }));
  const auto gone = Get([](Tx& tx) { return tx.ListEnvironments(Id(1)); });
  WS_ASSERT_OK(gone);
  EXPECT_TRUE(gone->empty());
  const auto kept = Get([](Tx& tx) { return tx.ListEnvironments(Id(2)); });
  WS_ASSERT_OK(kept);
  EXPECT_EQ(kept->size(), 1u);
  WS_EXPECT_OK(Write([](Tx& tx) { return tx.DeleteEnvironments(Id(1)); }));
  WS_EXPECT_OK(Write([](Tx& tx) { return tx.DeleteEnvironments(Id(3)); }));
}

// --- workspace members ---

TEST_P(StoreSuite, WorkspaceMembersAreUpsertedListedAndDeleted) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  WS_ASSERT_OK(Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({Id(1), "zoe", model::WorkspaceRole::kViewer, 10}));
    WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({Id(1), "bob", model::WorkspaceRole::kMember, 11}));
    return tx.PutWorkspaceMember({Id(1), "zoe", model::WorkspaceRole::kAdmin, 99});
  }));
  const auto members = Get([](Tx& tx) { return tx.ListWorkspaceMembers(Id(1)); });
  WS_ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].subject, "bob");
  EXPECT_EQ((*members)[0].role, model::WorkspaceRole::kMember);
  EXPECT_EQ((*members)[1].subject, "zoe");
  EXPECT_EQ((*members)[1].role, model::WorkspaceRole::kAdmin);
  EXPECT_EQ((*members)[1].created_at, 10);
  EXPECT_EQ((*members)[1].workspace_id, Id(1));

  const auto role = Get([](Tx& tx) { return tx.GetWorkspaceRole(Id(1), "zoe"); });
  WS_ASSERT_OK(role);
  EXPECT_EQ(*role, model::WorkspaceRole::kAdmin);
  const auto none = Get([](Tx& tx) { return tx.GetWorkspaceRole(Id(1), "carol"); });
  WS_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());

  WS_EXPECT_OK(Write([](Tx& tx) { return tx.DeleteWorkspaceMember(Id(1), "zoe"); }));
  WS_EXPECT_CODE(Write([](Tx& tx) { return tx.DeleteWorkspaceMember(Id(1), "zoe"); }),
                 Code::kNotFound);
  const auto after = Get([](Tx& tx) { return tx.GetWorkspaceRole(Id(1), "zoe"); });
  WS_ASSERT_OK(after);
  EXPECT_FALSE(after->has_value());
}

TEST_P(StoreSuite, WorkspaceMemberOfMissingWorkspaceIsNotFound) {
  WS_EXPECT_CODE(AddMember(Id(1), "bob"), Code::kNotFound);
}

}  // namespace
}  // namespace workspaced::store
