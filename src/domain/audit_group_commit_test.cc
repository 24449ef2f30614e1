// AuditGroupCommit on every store backend: a lone event commits on its
// caller's thread before Append returns; events that arrive while a commit
// is in progress return at once and share the next transaction, committed
// by the thread already committing; an event of a workspace that is gone
// fails alone in its group; and the blocking form under many threads.
#include "domain/audit_group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "domain/actor.h"
#include "domain/domain_test_fixture.h"

namespace workspaced::domain::testing {
namespace {

class GroupCommit : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    group_ = std::make_unique<AuditGroupCommit>(*store_, failpoints_);
  }
  model::AuditEvent Reveal(const std::string& workspace_id, int n) {
    return AuditEventBy(alice_, clock_.Now(), "secret.reveal", "secret", "S" + std::to_string(n),
                        workspace_id);
  }
  std::size_t Reveals() {
    std::size_t n = 0;
    for (const auto& e : Chain()) n += e.action == "secret.reveal";
    return n;
  }
  std::unique_ptr<AuditGroupCommit> group_;
};

TEST_P(GroupCommit, ALoneEventCommitsOnItsCallersThreadBeforeAppendReturns) {
  std::optional<Status> outcome;
  std::thread::id ran_on;
  group_->Append(Reveal(ws_, 1), [&](Status s) {
    outcome = s;
    ran_on = std::this_thread::get_id();
  });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->ok()) << outcome->message();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(group_->commits(), 1u);
  EXPECT_EQ(Reveals(), 1u);
}

TEST_P(GroupCommit, EventsArrivingDuringACommitReturnAtOnceAndShareTheNextTransaction) {
  constexpr int kLate = 20;
  std::vector<std::optional<Status>> late(kLate);
  std::vector<std::thread::id> late_ran_on(kLate);
  int answered_before_return = 0;
  group_->Append(Reveal(ws_, 0), [&](Status first) {
    ASSERT_TRUE(first.ok()) << first.message();
    // Still the leader: what arrives now queues for the next transaction.
    for (int i = 0; i < kLate; ++i) {
      group_->Append(Reveal(ws_, i + 1), [&, i](Status s) {
        late[static_cast<std::size_t>(i)] = s;
        late_ran_on[static_cast<std::size_t>(i)] = std::this_thread::get_id();
      });
      answered_before_return += late[static_cast<std::size_t>(i)].has_value();
    }
  });
  EXPECT_EQ(answered_before_return, 0);  // none waited for its commit
  for (int i = 0; i < kLate; ++i) {
    ASSERT_TRUE(late[static_cast<std::size_t>(i)].has_value()) << i;
    EXPECT_TRUE(late[static_cast<std::size_t>(i)]->ok());
    EXPECT_EQ(late_ran_on[static_cast<std::size_t>(i)], std::this_thread::get_id());
  }
  EXPECT_EQ(group_->commits(), 2u);  // the first alone, the twenty together
  EXPECT_EQ(group_->events(), static_cast<std::uint64_t>(kLate + 1));
  const auto chain = Chain();
  ASSERT_GE(chain.size(), static_cast<std::size_t>(kLate + 1));
  // Arrival order is chain order.
  std::vector<std::string> targets;
  for (const auto& e : chain)
    if (e.action == "secret.reveal") targets.push_back(e.target_id);
  ASSERT_EQ(targets.size(), static_cast<std::size_t>(kLate + 1));
  for (int i = 0; i <= kLate; ++i)
    EXPECT_EQ(targets[static_cast<std::size_t>(i)], "S" + std::to_string(i));
}

TEST_P(GroupCommit, AnEventOfAWorkspaceThatIsGoneFailsAloneInItsGroup) {
  std::optional<Status> gone, kept;
  group_->Append(Reveal(ws_, 0), [&](Status) {
    group_->Append(Reveal(store::testing::Id(99), 1), [&](Status s) { gone = s; });
    group_->Append(Reveal(ws_, 2), [&](Status s) { kept = s; });
  });
  ASSERT_TRUE(gone.has_value() && kept.has_value());
  EXPECT_EQ(gone->code(), Code::kNotFound);
  EXPECT_TRUE(kept->ok()) << kept->message();
  EXPECT_EQ(group_->commits(), 2u);
  EXPECT_EQ(Reveals(), 2u);
  EXPECT_TRUE(ChainOf(store::testing::Id(99)).empty());
}

TEST_P(GroupCommit, ManyBlockingCallersAreEachAnsweredOnceTheirEventIsRecorded) {
  constexpr int kCallers = 24;
  const auto [ok, refused] =
      AtOnce(kCallers, [&](int i) { return group_->Append(Reveal(ws_, i)); });
  EXPECT_EQ(ok, kCallers);
  EXPECT_TRUE(refused.empty());
  EXPECT_EQ(Reveals(), static_cast<std::size_t>(kCallers));
  EXPECT_EQ(group_->events(), static_cast<std::uint64_t>(kCallers));
  EXPECT_LE(group_->commits(), static_cast<std::uint64_t>(kCallers));
}

INSTANTIATE_TEST_SUITE_P(Backends, GroupCommit,
                         ::testing::ValuesIn(store::testing::Backends(/*pool_size=*/8)),
                         store::testing::BackendName);

}  // namespace
}  // namespace workspaced::domain::testing
