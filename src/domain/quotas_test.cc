// Quotas on both backends: checked inside the creating transaction, so
// concurrent creates never overshoot, and refused with one problem that says
// which limit, what it allows and what the account has.
#include "domain/quotas.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <thread>

#include "domain/domain_test_fixture.h"

namespace workspaced::domain {
namespace {

using store::testing::Id;
using store::testing::kAcme;

// The problem members of a quota refusal, as JSON text: limit, allowed, current.
std::vector<std::string> Refusal(const Status& s) {
  EXPECT_EQ(s.code(), Code::kConflict) << s.message();
  const ProblemExtension* e = s.extension();
  if (e == nullptr) return {"no problem extension: " + s.message()};
  EXPECT_EQ(e->type, "quota-exceeded");
  std::vector<std::string> out;
  for (const ProblemMember& m : e->members) out.push_back(m.name + "=" + m.json);
  return out;
}

class QuotasTest : public testing::DomainFixture {
 protected:
  Status SetQuotas(std::optional<std::int64_t> workspaces,
                   std::optional<std::int64_t> members = std::nullopt,
                   std::optional<std::vector<std::string>> regions = std::nullopt) {
    return quotas_->Put(root_, {kAcme, workspaces, members, std::move(regions)}).status();
  }

  Status Create(const std::string& name, const std::string& region = "us-east-1") {
    NewWorkspace request;
    request.account_id = kAcme;
    request.name = name;
    request.region = region;
    return workspaces_
        ->Create(alice_, request, [](store::Tx&, const Accepted&) { return Status::Ok(); })
        .status();
  }

  std::int64_t WorkspaceCount() {
    const auto usage = quotas_->Get(kAcme);
    EXPECT_TRUE(usage.ok()) << usage.status().message();
    return usage.ok() ? usage->workspaces : -1;
  }

  const Actor root_{.subject = "root", .auth = "dev", .request_id = "req_root"};
};

INSTANTIATE_TEST_SUITE_P(Backends, QuotasTest,
                         ::testing::ValuesIn(store::testing::Backends(/*pool_size=*/8)),
                         store::testing::BackendName);

TEST_P(QuotasTest, AnAccountWithoutQuotasIsUnlimited) {
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Create("w" + std::to_string(i), "us-west-2").ok());
  const auto usage = quotas_->Get(kAcme);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->workspaces, 6);
  EXPECT_FALSE(usage->limits.workspaces || usage->limits.members_per_workspace ||
               usage->limits.regions);
  EXPECT_EQ(usage->regions, (std::vector<std::string>{"eu-west-1", "us-west-2"}));
}

TEST_P(QuotasTest, FiftyConcurrentCreatesAgainstAQuotaOfTenLeaveTenWorkspaces) {
  // The account holds one (ws_) already: nine more fit.
  ASSERT_TRUE(SetQuotas(10).ok());
  const auto [created, refused] =
      AtOnce(50, [&](int i) { return Create("c" + std::to_string(i)); });
  EXPECT_EQ(created, 9);
  ASSERT_EQ(refused.size(), 41u);
  for (const Status& s : refused)
    EXPECT_EQ(Refusal(s),
              (std::vector<std::string>{R"(limit="workspaces")", "allowed=10", "current=10"}));
  EXPECT_EQ(WorkspaceCount(), 10);
}

// The first quota of an account, set while creates are in flight: a create
// either commits before the limit (the answer's usage then counts it) or is
// held to it. On PostgreSQL creates without a quota row locked nothing: the
// limit's own snapshot counted 0 and four creates of sixteen committed
// after it against a limit of two (outside audit).
TEST_P(QuotasTest, AFirstLimitSetWhileCreatesAreInFlightHolds) {
  std::int64_t counted_by_the_limit = -1;
  const auto [done, refused] = AtOnce(17, [&](int i) -> Status {
    if (i != 0) return Create("f" + std::to_string(i));
    auto usage = quotas_->Put(root_, {kAcme, 3});
    if (usage.ok()) counted_by_the_limit = usage->workspaces;
    return usage.status();
  });
  ASSERT_GE(counted_by_the_limit, 1) << "the limit was not set";
  for (const Status& s : refused) EXPECT_EQ(s.code(), Code::kConflict) << s.message();
  // Those that committed before the limit are counted by its answer; none
  // after it goes past it.
  EXPECT_LE(WorkspaceCount(), std::max<std::int64_t>(3, counted_by_the_limit));
}

TEST_P(QuotasTest, ConcurrentNewcomersNeverOvershootTheMemberQuota) {
  ASSERT_TRUE(SetQuotas(std::nullopt, 5).ok());
  const auto [added, refused] = AtOnce(20, [&](int i) {
    return members_->Put(alice_, MemberScope::kWorkspace, ws_, "m" + std::to_string(i), "viewer")
        .status();
  });
  EXPECT_EQ(added, 4) << "alice is the first of five";
  ASSERT_EQ(refused.size(), 16u);
  for (const Status& s : refused)
    EXPECT_EQ(Refusal(s), (std::vector<std::string>{R"(limit="members_per_workspace")", "allowed=5",
                                                    "current=5"}));
  const auto members = members_->List(MemberScope::kWorkspace, ws_, "", 1000);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 5u);
}

TEST_P(QuotasTest, TheMemberQuotaCountsNewcomersOnly) {
  ASSERT_TRUE(SetQuotas(std::nullopt, 2).ok());
  ASSERT_TRUE(members_->Put(alice_, MemberScope::kWorkspace, ws_, "bob", "viewer").ok());
  const auto full = members_->Put(alice_, MemberScope::kWorkspace, ws_, "carol", "viewer");
  EXPECT_EQ(Refusal(full.status()), (std::vector<std::string>{R"(limit="members_per_workspace")",
                                                              "allowed=2", "current=2"}));
  EXPECT_NE(full.status().message().find("platform admin"), std::string::npos);
  // A member changing role takes no new place; accounts have no member quota.
  EXPECT_TRUE(members_->Put(alice_, MemberScope::kWorkspace, ws_, "bob", "member").ok());
  for (const char* s : {"carol", "dave", "erin"})
    EXPECT_TRUE(members_->Put(alice_, MemberScope::kAccount, kAcme, s, "member").ok());
  ASSERT_TRUE(members_->Delete(alice_, MemberScope::kWorkspace, ws_, "bob").ok());
  EXPECT_TRUE(members_->Put(alice_, MemberScope::kWorkspace, ws_, "carol", "viewer").ok());
  const auto usage = quotas_->Get(kAcme);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->largest_membership, 2);
}

TEST_P(QuotasTest, ARegionTheQuotasDoNotAllowIsRefused) {
  ASSERT_TRUE(SetQuotas(std::nullopt, std::nullopt, std::vector<std::string>{"us-west-2"}).ok());
  EXPECT_EQ(Refusal(Create("x", "us-east-1")),
            (std::vector<std::string>{R"(limit="regions")", R"(allowed=["us-west-2"])",
                                      R"(current=["eu-west-1"])"}));
  EXPECT_TRUE(Create("y", "us-west-2").ok());
  // An empty list allows no region at all.
  ASSERT_TRUE(SetQuotas(std::nullopt, std::nullopt, std::vector<std::string>{}).ok());
  EXPECT_EQ(Create("z", "us-west-2").code(), Code::kConflict);
  EXPECT_EQ(WorkspaceCount(), 2);
}

TEST_P(QuotasTest, ALimitBelowTheUsageKeepsWhatExistsAndRefusesMore) {
  ASSERT_TRUE(Create("a").ok());
  ASSERT_TRUE(Create("b").ok());
  ASSERT_TRUE(SetQuotas(1).ok());
  EXPECT_EQ(Refusal(Create("c")),
            (std::vector<std::string>{R"(limit="workspaces")", "allowed=1", "current=3"}));
  const auto usage = quotas_->Get(kAcme);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->limits.workspaces, 1);
  EXPECT_EQ(usage->workspaces, 3);
  ASSERT_TRUE(SetQuotas(std::nullopt).ok());
  EXPECT_TRUE(Create("c").ok());
}

TEST_P(QuotasTest, PutValidatesEveryLimitAndChangesNothingWhenOneIsWrong) {
  const auto bad = quotas_->Put(
      root_, {kAcme, -1, 0, std::vector<std::string>{"us-east-1", "mars-1", "us-east-1"}});
  ASSERT_EQ(bad.status().code(), Code::kUnprocessable);
  std::vector<std::string> fields;
  for (const auto& f : bad.status().field_errors()) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"workspaces", "members_per_workspace", "regions[1]",
                                              "regions[2]"}));
  EXPECT_EQ(quotas_->Put(root_, {kAcme, kMaxWorkspacesQuota + 1}).status().code(),
            Code::kUnprocessable);
  EXPECT_EQ(quotas_->Put(root_, {kAcme, std::nullopt, kMaxMembersQuota + 1}).status().code(),
            Code::kUnprocessable);
  EXPECT_EQ(quotas_->Put(root_, {Id(404), 1}).status().code(), Code::kNotFound);
  EXPECT_EQ(quotas_->Get(Id(404)).status().code(), Code::kNotFound);
  const auto usage = quotas_->Get(kAcme);
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->limits.updated_by, "") << "nothing was stored";
}

TEST_P(QuotasTest, PutIsAuditedWithBeforeAndAfter) {
  ASSERT_TRUE(SetQuotas(10, std::nullopt, std::vector<std::string>{"eu-west-1"}).ok());
  const auto put = quotas_->Put(root_, {kAcme, std::nullopt, 7});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->limits.members_per_workspace, 7);
  EXPECT_EQ(put->limits.updated_by, "root");
  const std::vector<model::AuditEvent> events = ChainOf("");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action, "account.quotas.put");
  EXPECT_EQ(events[1].actor, "root");
  EXPECT_EQ(events[1].target_id, kAcme);
  EXPECT_EQ(events[1].details,
            R"({"before":{"workspaces":10,"members_per_workspace":null,"regions":["eu-west-1"],)"
            R"("secrets_per_workspace":null,"vault_records_per_workspace":null},)"
            R"("after":{"workspaces":null,"members_per_workspace":7,"regions":null,)"
            R"("secrets_per_workspace":null,"vault_records_per_workspace":null}})");
}

}  // namespace
}  // namespace workspaced::domain
