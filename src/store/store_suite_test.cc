// The behaviour every Store backend must have, run once per backend
// (store/testing/backends.h).
#include "store/testing/store_suite.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace workspaced::store {
namespace {

using model::Workspace;
using testing::Id;
using testing::kAcme;
using testing::kGlobex;
using testing::MakeWorkspace;
using testing::StoreSuite;
using testing::TempDir;

INSTANTIATE_TEST_SUITE_P(Backends, StoreSuite, ::testing::ValuesIn(testing::Backends()),
                         testing::BackendName);

// --- schema ---

TEST_P(StoreSuite, MigrateIsIdempotent) {
  const StatusOr<int> before = store_->SchemaVersion();
  WS_ASSERT_OK(before);
  EXPECT_GE(*before, 1);
  WS_EXPECT_OK(store_->Migrate());
  const StatusOr<int> after = store_->SchemaVersion();
  WS_ASSERT_OK(after);
  EXPECT_EQ(*after, *before);
  // Data written before the second Migrate is untouched by it.
  WS_EXPECT_OK(Get([](Tx& tx) { return tx.GetAccount(kAcme); }));
}

TEST_P(StoreSuite, SchemaVersionIsZeroBeforeMigrate) {
  TempDir other;
  std::unique_ptr<Store> fresh = GetParam().open(other.path().string());
  ASSERT_NE(fresh, nullptr);
  const StatusOr<int> version = fresh->SchemaVersion();
  WS_ASSERT_OK(version);
  EXPECT_EQ(*version, 0);
}

TEST_P(StoreSuite, PingAnswers) { WS_EXPECT_OK(store_->Ping()); }

TEST_P(StoreSuite, AMigratedDatabasePassesItsIntegrityCheck) {
  const StatusOr<IntegrityReport> report = store_->CheckIntegrity(10'000'000);
  WS_ASSERT_OK(report);
  EXPECT_EQ(report->outcome, IntegrityReport::Outcome::kOk) << report->problem;
}

// --- accounts ---

TEST_P(StoreSuite, AccountRoundTrips) {
  const StatusOr<model::Account> got = Get([](Tx& tx) { return tx.GetAccount(kAcme); });
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->id, kAcme);
  EXPECT_EQ(got->name, "Acme");
  EXPECT_EQ(got->created_at, 1);
}

TEST_P(StoreSuite, InsertAccountWithExistingIdConflicts) {
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.InsertAccount({kAcme, "Again", 3});
                 }),
                 Code::kConflict);
}

TEST_P(StoreSuite, MissingAccountIsNotFound) {
  WS_EXPECT_CODE(Get([](Tx& tx) { return tx.GetAccount(Id(1)); }), Code::kNotFound);
}

TEST_P(StoreSuite, AccountMembersAreUpsertedListedAndDeleted) {
  WS_ASSERT_OK(Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.PutAccountMember({kAcme, "zoe", model::AccountRole::kMember, 10}));
    WS_RETURN_IF_ERROR(tx.PutAccountMember({kAcme, "bob", model::AccountRole::kMember, 11}));
    // A second Put changes the role and keeps the original created_at.
    return tx.PutAccountMember({kAcme, "zoe", model::AccountRole::kAdmin, 99});
  }));
  const auto members = Get([](Tx& tx) { return tx.ListAccountMembers(kAcme); });
  WS_ASSERT_OK(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].subject, "bob");
  EXPECT_EQ((*members)[1].subject, "zoe");
  EXPECT_EQ((*members)[1].role, model::AccountRole::kAdmin);
  EXPECT_EQ((*members)[1].created_at, 10);
  EXPECT_EQ((*members)[1].account_id, kAcme);

  const auto role = Get([](Tx& tx) { return tx.GetAccountRole(kAcme, "zoe"); });
  WS_ASSERT_OK(role);
  EXPECT_EQ(*role, model::AccountRole::kAdmin);
  const auto none = Get([](Tx& tx) { return tx.GetAccountRole(kGlobex, "zoe"); });
  WS_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());

  WS_EXPECT_OK(Write([](Tx& tx) { return tx.DeleteAccountMember(kAcme, "zoe"); }));
  WS_EXPECT_CODE(Write([](Tx& tx) { return tx.DeleteAccountMember(kAcme, "zoe"); }),
                 Code::kNotFound);
  const auto after = Get([](Tx& tx) { return tx.ListAccountMembers(kAcme); });
  WS_ASSERT_OK(after);
  EXPECT_EQ(after->size(), 1u);
}

TEST_P(StoreSuite, AccountMemberOfMissingAccountIsNotFound) {
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.PutAccountMember({Id(1), "bob", model::AccountRole::kMember, 1});
                 }),
                 Code::kNotFound);
}

// --- transactions ---

TEST_P(StoreSuite, WriteRollsBackWhenTheCallbackFails) {
  const Status s = Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.InsertAccount({Id(1), "Initech", 3}));
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(MakeWorkspace(Id(2), Id(1), "lost")));
    WS_RETURN_IF_ERROR(tx.PutMeta("k", "v"));
    return Conflict("changed my mind");
  });
  // The callback's own status comes back unchanged.
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(s.message(), "changed my mind");
  WS_EXPECT_CODE(Get([](Tx& tx) { return tx.GetAccount(Id(1)); }), Code::kNotFound);
  WS_EXPECT_CODE(Fetch(Id(2)), Code::kNotFound);
  const auto meta = Get([](Tx& tx) { return tx.GetMeta("k"); });
  WS_ASSERT_OK(meta);
  EXPECT_FALSE(meta->has_value());
}

// A caller may handle a failed statement and carry on in the same
// transaction, e.g. retrying a colliding slug with a suffix.
TEST_P(StoreSuite, AFailedStatementLeavesTheTransactionUsable) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "web")));
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    const Status first = tx.InsertWorkspace(MakeWorkspace(Id(2), kAcme, "web"));
    if (first.code() != Code::kConflict) return Internal("expected a conflict");
    return tx.InsertWorkspace(MakeWorkspace(Id(2), kAcme, "web-2"));
  }));
  const StatusOr<Workspace> got = Fetch(Id(2));
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->slug, "web-2");
}

TEST_P(StoreSuite, ReadTransactionsCannotWrite) {
  const Status s = store_->Read([](Tx& tx) { return tx.PutMeta("k", "v"); });
  EXPECT_FALSE(s.ok());
  const auto meta = Get([](Tx& tx) { return tx.GetMeta("k"); });
  WS_ASSERT_OK(meta);
  EXPECT_FALSE(meta->has_value());
}

// Writes committed while a Read is running are invisible to it.
TEST_P(StoreSuite, ReadSeesOneSnapshot) {
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.PutMeta("k", "before"); }));
  std::string first, second;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(auto v1, tx.GetMeta("k"));
    first = v1.value_or("");
    // Another thread's Write commits in the middle of this Read.
    std::thread writer([&] { WS_EXPECT_OK(Write([](Tx& w) { return w.PutMeta("k", "after"); })); });
    writer.join();
    WS_ASSIGN_OR_RETURN(auto v2, tx.GetMeta("k"));
    second = v2.value_or("");
    return Status::Ok();
  }));
  EXPECT_EQ(first, "before");
  EXPECT_EQ(second, "before");
  const auto now = Get([](Tx& tx) { return tx.GetMeta("k"); });
  WS_ASSERT_OK(now);
  EXPECT_EQ(now->value_or(""), "after");
}

// --- metadata ---

TEST_P(StoreSuite, MetaIsAbsentThenPutThenOverwritten) {
  const auto missing = Get([](Tx& tx) { return tx.GetMeta("default_account"); });
  WS_ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.PutMeta("default_account", "a"); }));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.PutMeta("default_account", "b"); }));
  const auto got = Get([](Tx& tx) { return tx.GetMeta("default_account"); });
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->value_or(""), "b");
}

// Replicas starting at once each offer a value; all of them end up with the
// one that committed first.
TEST_P(StoreSuite, PutMetaIfAbsentKeepsTheFirstValueEvenWhenRacing) {
  constexpr int kThreads = 4;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(got[t], tx.PutMetaIfAbsent("key", "value-" + std::to_string(t)));
        return Status::Ok();
      }));
    });
  }
  for (std::thread& t : threads) t.join();
  const auto stored = Get([](Tx& tx) { return tx.GetMeta("key"); });
  WS_ASSERT_OK(stored);
  ASSERT_TRUE(stored->has_value());
  for (const std::string& g : got) EXPECT_EQ(g, **stored);
  // Later offers change nothing.
  std::string later;
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(later, tx.PutMetaIfAbsent("key", "late"));
    return Status::Ok();
  }));
  EXPECT_EQ(later, **stored);
}

}  // namespace
}  // namespace workspaced::store
