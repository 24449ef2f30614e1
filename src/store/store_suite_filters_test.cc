// Filtered workspace listings: every criterion holds, the filter applies
// before the page is cut, and paging keeps the id order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::Workspace;
using model::WorkspaceStatus;
using testing::Id;
using testing::Ids;
using testing::kAcme;
using testing::kGlobex;
using testing::MakeWorkspace;
using testing::StoreSuite;

// Twelve workspaces of Acme, ids 1-12: even ones active, odd ones frozen;
// every third in us-east-1 (the rest eu-west-1); labels team=data on 1-6
// and tier=gold on the even ones; names "Prod n" for n <= 4, "prod n" for
// 5, "Staging n" after. Globex holds one that matches everything.
class Filters : public StoreSuite {
 protected:
  void SetUp() override {
    StoreSuite::SetUp();
    if (store_ == nullptr) return;
    for (int n = 1; n <= 12; ++n) {
      Workspace ws = MakeWorkspace(Id(n), kAcme, "ws-" + std::to_string(n));
      ws.status = n % 2 == 0 ? WorkspaceStatus::kActive : WorkspaceStatus::kFrozen;
      ws.region = n % 3 == 0 ? "us-east-1" : "eu-west-1";
      if (n <= 6) ws.labels["team"] = "data";
      if (n % 2 == 0) ws.labels["tier"] = "gold";
      ws.name = (n <= 4 ? "Prod " : n == 5 ? "prod " : "Staging ") + std::to_string(n);
      ws.group_mappings = {{"eng", model::WorkspaceRole::kViewer}};
      WS_ASSERT_OK(InsertGranted(ws));
      if (n % 4 != 0) WS_ASSERT_OK(AddMember(ws.id, "alice"));
    }
    Workspace other = MakeWorkspace(Id(50), kGlobex, "other");
    other.status = WorkspaceStatus::kActive;
    other.labels = {{"team", "data"}, {"tier", "gold"}};
    other.name = "Prod other";
    WS_ASSERT_OK(Insert(other));
    WS_ASSERT_OK(AddMember(other.id, "alice"));
  }

  std::vector<std::string> ByAccount(const WorkspaceFilter& f, Page page = {}) {
    const auto got =
        Get([&](Tx& tx) { return tx.ListWorkspacesByAccountMatching(kAcme, f, page); });
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? Ids(*got) : std::vector<std::string>{};
  }
  std::vector<std::string> Mine(const std::vector<std::string>& groups, const WorkspaceFilter& f,
                                Page page = {}) {
    const auto got =
        Get([&](Tx& tx) { return tx.ListWorkspacesForSubjectMatching("alice", groups, f, page); });
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? Ids(*got) : std::vector<std::string>{};
  }
  static std::vector<std::string> IdsOf(std::initializer_list<int> ns) {
    std::vector<std::string> out;
    for (int n : ns) out.push_back(Id(n));
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, Filters, ::testing::ValuesIn(testing::Backends()),
                         testing::BackendName);

TEST_P(Filters, EachCriterionAloneAndAllTogether) {
  EXPECT_EQ(ByAccount({}), IdsOf({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(ByAccount({.status = WorkspaceStatus::kActive}), IdsOf({2, 4, 6, 8, 10, 12}));
  EXPECT_EQ(ByAccount({.region = "us-east-1"}), IdsOf({3, 6, 9, 12}));
  EXPECT_EQ(ByAccount({.labels = {{"team", "data"}}}), IdsOf({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(ByAccount({.labels = {{"team", "data"}, {"tier", "gold"}}}), IdsOf({2, 4, 6}));
  EXPECT_TRUE(ByAccount({.labels = {{"team", "ops"}}}).empty());
  EXPECT_TRUE(ByAccount({.labels = {{"missing", ""}}}).empty()) << "an absent label is not empty";
  EXPECT_EQ(ByAccount({.name_prefix = "Prod"}), IdsOf({1, 2, 3, 4})) << "case-sensitive";
  EXPECT_EQ(ByAccount({.name_prefix = "Prod 4"}), IdsOf({4}));
  EXPECT_TRUE(ByAccount({.name_prefix = "Prod 44"}).empty());
  EXPECT_EQ(ByAccount({.status = WorkspaceStatus::kActive,
                       .region = "us-east-1",
                       .labels = {{"team", "data"}},
                       .name_prefix = "Staging"}),
            IdsOf({6}));
}

TEST_P(Filters, TheFilterAppliesBeforeThePageIsCut) {
  // Active ones are every other id: a page of 2 still holds 2.
  const WorkspaceFilter active{.status = WorkspaceStatus::kActive};
  EXPECT_EQ(ByAccount(active, {"", 2}), IdsOf({2, 4}));
  EXPECT_EQ(ByAccount(active, {Id(4), 2}), IdsOf({6, 8}));
  EXPECT_EQ(ByAccount(active, {Id(8), 2}), IdsOf({10, 12}));
  EXPECT_TRUE(ByAccount(active, {Id(12), 2}).empty());
  // A position that the filter does not match is a position all the same.
  EXPECT_EQ(ByAccount(active, {Id(5), 1}), IdsOf({6}));
}

TEST_P(Filters, TheCallersListIsFilteredThroughMembershipsAndGroups) {
  // alice is a direct member of 1-3, 5-7, 9-11 (and Globex's), the group
  // "eng" reaches all twelve of Acme.
  const WorkspaceFilter active{.status = WorkspaceStatus::kActive};
  EXPECT_EQ(Mine({}, active), (std::vector{Id(2), Id(6), Id(10), Id(50)}));
  EXPECT_EQ(Mine({"eng"}, active),
            (std::vector{Id(2), Id(4), Id(6), Id(8), Id(10), Id(12), Id(50)}));
  EXPECT_EQ(Mine({"eng", "x') OR 1=1 --"}, active, {Id(4), 2}), IdsOf({6, 8}));
  EXPECT_EQ(Mine({}, {.labels = {{"tier", "gold"}}, .name_prefix = "Prod"}),
            (std::vector{Id(2), Id(50)}));
  EXPECT_TRUE(Mine({"ops"}, {.name_prefix = "Staging 8"}).empty())
      << "alice is not a member of 8 and ops grants nothing";
}

TEST_P(Filters, ValuesAreDataNeverSql) {
  Workspace odd = MakeWorkspace(Id(20), kAcme, "odd");
  odd.name = "50% off_'\"";
  odd.labels = {{"a.b/c-d_e", "x' OR '1'='1"}, {"pct", "%_"}};
  WS_ASSERT_OK(Insert(odd));
  EXPECT_EQ(ByAccount({.labels = {{"a.b/c-d_e", "x' OR '1'='1"}}}), IdsOf({20}));
  EXPECT_EQ(ByAccount({.labels = {{"pct", "%_"}}}), IdsOf({20}));
  EXPECT_TRUE(ByAccount({.labels = {{"pct", "%"}}}).empty());
  EXPECT_EQ(ByAccount({.name_prefix = "50% off_'"}), IdsOf({20}));
  EXPECT_TRUE(ByAccount({.name_prefix = "5_%"}).empty()) << "no LIKE wildcards";
}

}  // namespace
}  // namespace workspaced::store
