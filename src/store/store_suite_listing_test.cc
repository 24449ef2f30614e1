// Listing workspaces: keyset pagination and the subject's workspaces through
// direct membership or group mappings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::Workspace;
using testing::Id;
using testing::Ids;
using testing::kAcme;
using testing::kGlobex;
using testing::MakeWorkspace;
using testing::StoreSuite;

Workspace WithGroups(Workspace ws, std::vector<std::string> groups) {
  for (std::string& g : groups)
    ws.group_mappings.push_back({std::move(g), model::WorkspaceRole::kViewer});
  return ws;
}

TEST_P(StoreSuite, ListWorkspacesByAccountPagesInIdOrder) {
  // Inserted out of order, with another account's workspace among them.
  for (int n : {5, 1, 7, 3, 2, 6, 4}) {
    WS_ASSERT_OK(Insert(MakeWorkspace(Id(n * 10), kAcme, "ws-" + std::to_string(n))));
  }
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(45), kGlobex, "other")));
  auto page = [&](const std::string& after) {
    return Get([&](Tx& tx) { return tx.ListWorkspacesByAccount(kAcme, {after, 3}); });
  };
  const auto p1 = page("");
  WS_ASSERT_OK(p1);
  EXPECT_EQ(Ids(*p1), (std::vector{Id(10), Id(20), Id(30)}));
  const auto p2 = page(p1->back().id);  // `after` is exclusive
  WS_ASSERT_OK(p2);
  EXPECT_EQ(Ids(*p2), (std::vector{Id(40), Id(50), Id(60)}));
  const auto p3 = page(p2->back().id);
  WS_ASSERT_OK(p3);
  EXPECT_EQ(Ids(*p3), (std::vector{Id(70)}));
  const auto p4 = page(p3->back().id);
  WS_ASSERT_OK(p4);
  EXPECT_TRUE(p4->empty());
}

TEST_P(StoreSuite, ListingsStampEachWorkspaceWithItsVersionAndUpdateTime) {
  Workspace ws = WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops"});
  WS_ASSERT_OK(InsertGranted(ws));
  const auto stamps = [&] {
    const auto by_account = Get([](Tx& tx) { return tx.ListWorkspacesByAccount(kAcme, {}); });
    const auto by_group = ForSubject("nobody", {"ops"}, {});
    EXPECT_TRUE(by_account.ok() && by_group.ok());
    EXPECT_EQ(*by_account, *by_group);
    return *by_account;
  };
  EXPECT_EQ(stamps(), (std::vector<WorkspaceStamp>{{ws.id, ws.version, ws.updated_at}}));
  ws.name = "renamed";
  ws.version += 1;
  ws.updated_at += 5;
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.UpdateWorkspace(ws); }));
  EXPECT_EQ(stamps(), (std::vector<WorkspaceStamp>{{ws.id, ws.version, ws.updated_at}}));
}

TEST_P(StoreSuite, ListingRejectsANonPositiveLimit) {
  WS_EXPECT_CODE(Get([](Tx& tx) {
                   return tx.ListWorkspacesByAccount(kAcme, {"", 0});
                 }),
                 Code::kInvalidArgument);
  WS_EXPECT_CODE(ForSubject("alice", {}, {"", -1}), Code::kInvalidArgument);
}

TEST_P(StoreSuite, SubjectSeesWorkspacesOfDirectMembership) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(2), kGlobex, "b")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(3), kAcme, "c")));
  WS_ASSERT_OK(AddMember(Id(3), "alice"));
  WS_ASSERT_OK(AddMember(Id(2), "alice"));
  WS_ASSERT_OK(AddMember(Id(1), "bob"));
  const auto list = ForSubject("alice", {});
  WS_ASSERT_OK(list);
  // Across accounts, in id order.
  EXPECT_EQ(Ids(*list), (std::vector{Id(2), Id(3)}));
}

TEST_P(StoreSuite, SubjectSeesWorkspacesOfItsGroups) {
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops"})));
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(2), kAcme, "b"), {"dev", "qa"})));
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(3), kAcme, "c"), {"finance"})));
  const auto list = ForSubject("alice", {"qa", "ops"});
  WS_ASSERT_OK(list);
  EXPECT_EQ(Ids(*list), (std::vector{Id(1), Id(2)}));
}

TEST_P(StoreSuite, SubjectSeesAWorkspaceOnceWhenReachedBothWays) {
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops", "dev"})));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(2), kAcme, "b")));
  WS_ASSERT_OK(AddMember(Id(1), "alice"));
  WS_ASSERT_OK(AddMember(Id(2), "alice"));
  const auto list = ForSubject("alice", {"ops", "dev", "ops"});
  WS_ASSERT_OK(list);
  EXPECT_EQ(Ids(*list), (std::vector{Id(1), Id(2)}));
}

TEST_P(StoreSuite, SubjectDoesNotSeeOtherSubjectsOrGroupsWorkspaces) {
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops"})));
  WS_ASSERT_OK(AddMember(Id(1), "bob"));
  const auto list = ForSubject("alice", {"dev", "OPS", "op"});
  WS_ASSERT_OK(list);
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreSuite, SubjectListingPages) {
  for (int n = 1; n <= 7; ++n) {
    // Odd ones through a group, even ones directly, 3 through both.
    const std::vector<std::string> groups =
        n % 2 == 1 ? std::vector<std::string>{"ops"} : std::vector<std::string>{};
    WS_ASSERT_OK(
        InsertGranted(WithGroups(MakeWorkspace(Id(n), kAcme, "ws-" + std::to_string(n)), groups)));
    if (n % 2 == 0 || n == 3) WS_ASSERT_OK(AddMember(Id(n), "alice"));
  }
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 3; ++pages) {
    const auto page = ForSubject("alice", {"ops"}, {after, 3});
    WS_ASSERT_OK(page);
    EXPECT_LE(page->size(), 3u);
    for (const WorkspaceStamp& ws : *page) seen.push_back(ws.id);
    after = page->back().id;
  }
  EXPECT_EQ(seen, (std::vector{Id(1), Id(2), Id(3), Id(4), Id(5), Id(6), Id(7)}));
  const auto end = ForSubject("alice", {"ops"}, {after, 3});
  WS_ASSERT_OK(end);
  EXPECT_TRUE(end->empty());
}

// A workspace that several of the caller's groups (or roles) reach fills
// one place of a page, not one per mapping: a full page is a full page.
TEST_P(StoreSuite, SubjectListingPagesThroughWorkspacesReachedByManyGroups) {
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops", "dev", "qa"})));
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(2), kAcme, "b"), {"ops"})));
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(3), kAcme, "c"), {"dev"})));
  const std::vector<std::string> groups = {"ops", "dev", "qa"};
  const auto first = ForSubject("alice", groups, {"", 2});
  WS_ASSERT_OK(first);
  EXPECT_EQ(Ids(*first), (std::vector{Id(1), Id(2)}));
  const auto second = ForSubject("alice", groups, {Id(2), 2});
  WS_ASSERT_OK(second);
  EXPECT_EQ(Ids(*second), (std::vector{Id(3)}));
}

// A mapping grants through its relationship, which provisioning writes at
// write_relationships and its compensation removes: the stored mapping alone
// (before that step, or after a failed run) lists nothing.
TEST_P(StoreSuite, AGroupMappingListsNothingUntilItsRelationshipExists) {
  const Workspace ws = WithGroups(MakeWorkspace(Id(1), kAcme, "a"), {"ops"});
  WS_ASSERT_OK(Insert(ws));
  auto list = ForSubject("alice", {"ops"});
  WS_ASSERT_OK(list);
  EXPECT_TRUE(list->empty()) << "listed before write_relationships";
  const auto rel = model::GroupMappingRelationship(ws.id, ws.group_mappings.at(0), model::DefaultTrustedIssuers().at(0));
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.TouchRelationships({rel}); }));
  list = ForSubject("alice", {"ops"});
  WS_ASSERT_OK(list);
  EXPECT_EQ(Ids(*list), (std::vector{Id(1)}));
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.DeleteRelationships({rel}); }));
  list = ForSubject("alice", {"ops"});
  WS_ASSERT_OK(list);
  EXPECT_TRUE(list->empty()) << "listed after compensation";
  EXPECT_EQ(Fetch(Id(1))->group_mappings.size(), 1u) << "the mapping itself stays";
}

// Group names come from tokens: any text must be matched as data, never
// interpreted as SQL or JSON.
TEST_P(StoreSuite, GroupNamesWithMetacharactersAreMatchedLiterally) {
  const std::vector<std::string> nasty = {
      "o'brien", "\"quoted\"", "a\\b",           "x') OR 1=1 --", "%",
      "_",       "[\"json\"]", "tab\tnewline\n", "emoji 🚀",       ""};
  for (std::size_t i = 0; i < nasty.size(); ++i) {
    WS_ASSERT_OK(InsertGranted(WithGroups(
        MakeWorkspace(Id(static_cast<int>(i) + 1), kAcme, "ws-" + std::to_string(i)), {nasty[i]})));
  }
  WS_ASSERT_OK(InsertGranted(WithGroups(MakeWorkspace(Id(99), kAcme, "plain"), {"plain"})));
  for (std::size_t i = 0; i < nasty.size(); ++i) {
    const auto list = ForSubject("nobody", {nasty[i]});
    WS_ASSERT_OK(list);
    EXPECT_EQ(Ids(*list), (std::vector{Id(static_cast<int>(i) + 1)})) << "group: " << nasty[i];
  }
  const auto wildcard = ForSubject("nobody", {"%", "_"});
  WS_ASSERT_OK(wildcard);
  EXPECT_EQ(wildcard->size(), 2u);
  // Round-trips byte for byte.
  const auto got = Fetch(Id(4));
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->group_mappings.at(0).group_name, "x') OR 1=1 --");
}

}  // namespace
}  // namespace workspaced::store
