// Account quotas and the usage they are compared with; listing accounts for
// platform admins and, by relationship, for everyone else.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::AccountQuotas;
using testing::Id;
using testing::Ids;
using testing::kAcme;
using testing::kGlobex;
using testing::MakeWorkspace;
using testing::StoreSuite;

TEST_P(StoreSuite, AnAccountHasNoQuotasUntilTheyArePut) {
  const auto none = Get([](Tx& tx) { return tx.GetAccountQuotas(kAcme); });
  WS_ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreSuite, QuotasRoundTripWithUnlimitedAsNull) {
  AccountQuotas q{kAcme,
                  10,
                  std::nullopt,
                  std::vector<std::string>{"eu-west-1", "us-east-1"},
                  1'700'000'000'000'001,
                  "admin"};
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.PutAccountQuotas(q); }));
  auto got = Get([](Tx& tx) { return tx.GetAccountQuotas(kAcme); });
  WS_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, q);

  // Replaced whole: what was set becomes unlimited, an empty region list
  // stays a list that allows none.
  q = AccountQuotas{kAcme, std::nullopt, 3, std::vector<std::string>{}, 1'700'000'000'000'002,
                    "root"};
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.PutAccountQuotas(q); }));
  got = Get([](Tx& tx) { return tx.GetAccountQuotas(kAcme); });
  WS_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, q);
  EXPECT_TRUE((*got)->regions.has_value());

  const auto other = Get([](Tx& tx) { return tx.GetAccountQuotas(kGlobex); });
  WS_ASSERT_OK(other);
  EXPECT_FALSE(other->has_value());
}

TEST_P(StoreSuite, QuotasOfAnAbsentAccountAreNotFound) {
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.PutAccountQuotas({Id(777), 1, 1, std::nullopt, 1, "admin"});
                 }),
                 Code::kNotFound);
}

TEST_P(StoreSuite, UsageCountsTheAccountsWorkspacesMembersAndRegions) {
  const auto usage = [&](const std::string& account) {
    std::int64_t count = -1, largest = -1;
    std::vector<std::string> regions;
    EXPECT_TRUE(store_
                    ->Read([&](Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(count, tx.CountWorkspaces(account));
                      WS_ASSIGN_OR_RETURN(largest, tx.LargestWorkspaceMembership(account));
                      WS_ASSIGN_OR_RETURN(regions, tx.RegionsInUse(account));
                      return Status::Ok();
                    })
                    .ok());
    return std::tuple{count, largest, regions};
  };
  EXPECT_EQ(usage(kAcme), (std::tuple{0, 0, std::vector<std::string>{}}));
  model::Workspace a = MakeWorkspace(Id(1), kAcme, "a");
  model::Workspace b = MakeWorkspace(Id(2), kAcme, "b");
  b.region = "us-east-1";
  model::Workspace c = MakeWorkspace(Id(3), kAcme, "c");
  WS_ASSERT_OK(Insert(a));
  WS_ASSERT_OK(Insert(b));
  WS_ASSERT_OK(Insert(c));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(4), kGlobex, "g")));
  for (const char* s : {"ann", "bob", "cy"}) WS_ASSERT_OK(AddMember(b.id, s));
  WS_ASSERT_OK(AddMember(a.id, "ann"));
  WS_ASSERT_OK(AddMember(Id(4), "x"));
  WS_ASSERT_OK(AddMember(Id(4), "y"));
  WS_ASSERT_OK(AddMember(Id(4), "z"));
  WS_ASSERT_OK(AddMember(Id(4), "w"));
  EXPECT_EQ(usage(kAcme), (std::tuple{3, 3, std::vector<std::string>{"eu-west-1", "us-east-1"}}));
  EXPECT_EQ(usage(kGlobex), (std::tuple{1, 4, std::vector<std::string>{"eu-west-1"}}));
}

std::vector<std::string> AccountIds(const std::vector<model::Account>& list) {
  std::vector<std::string> ids;
  for (const auto& a : list) ids.push_back(a.id);
  return ids;
}

TEST_P(StoreSuite, ListAccountsPagesEveryAccountInIdOrder) {
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int n : {903, 902}) WS_RETURN_IF_ERROR(tx.InsertAccount({Id(n), "n", 3}));
    return Status::Ok();
  }));
  const auto p1 = Get([](Tx& tx) { return tx.ListAccounts({"", 3}); });
  WS_ASSERT_OK(p1);
  EXPECT_EQ(AccountIds(*p1), (std::vector{kAcme, kGlobex, Id(902)}));
  EXPECT_EQ(p1->front().name, "Acme");
  EXPECT_EQ(p1->front().trusted_issuers, model::DefaultTrustedIssuers());
  const auto p2 = Get([&](Tx& tx) { return tx.ListAccounts({p1->back().id, 3}); });
  WS_ASSERT_OK(p2);
  EXPECT_EQ(AccountIds(*p2), (std::vector{Id(903)}));
}

TEST_P(StoreSuite, ASubjectsAccountsAreThoseItsRelationshipsGrantRead) {
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int n : {902, 903, 904}) WS_RETURN_IF_ERROR(tx.InsertAccount({Id(n), "n", 3}));
    WS_RETURN_IF_ERROR(tx.PutAccountMember({kAcme, "alice", model::AccountRole::kAdmin, 1}));
    WS_RETURN_IF_ERROR(tx.PutAccountMember({Id(903), "alice", model::AccountRole::kMember, 1}));
    WS_RETURN_IF_ERROR(tx.PutAccountMember({kGlobex, "bob", model::AccountRole::kAdmin, 1}));
    // A group holding a role on an account (the schema allows it).
    WS_RETURN_IF_ERROR(
        tx.TouchRelationships({{"account", Id(904), "member", "group", "ops", "member"}}));
    // A workspace membership grants nothing on its account.
    model::Workspace ws = MakeWorkspace(Id(1), Id(902), "w");
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
    return tx.PutWorkspaceMember({ws.id, "alice", model::WorkspaceRole::kAdmin, 1});
  }));
  const auto list = [&](const std::string& subject, const std::vector<std::string>& groups,
                        Page page = {}) {
    const auto got = Get([&](Tx& tx) { return tx.ListAccountsForSubject(subject, groups, page); });
    EXPECT_TRUE(got.ok()) << got.status().message();
    return got.ok() ? AccountIds(*got) : std::vector<std::string>{};
  };
  EXPECT_EQ(list("alice", {}), (std::vector{kAcme, Id(903)}));
  EXPECT_EQ(list("alice", {"ops"}), (std::vector{kAcme, Id(903), Id(904)}));
  EXPECT_EQ(list("alice", {"ops"}, {kAcme, 1}), (std::vector{Id(903)}));
  EXPECT_EQ(list("alice", {"ops"}, {Id(903), 5}), (std::vector{Id(904)}));
  EXPECT_EQ(list("carol", {"ops", "x') OR 1=1 --"}), (std::vector{Id(904)}));
  EXPECT_EQ(list("bob", {}), (std::vector{kGlobex}));
  EXPECT_TRUE(list("nobody", {}).empty());
  // A subject named like a group holds nothing through the group.
  EXPECT_TRUE(list("ops", {}).empty());
  // Membership removed: the account is gone from the list.
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteAccountMember(Id(903), "alice"); }));
  EXPECT_EQ(list("alice", {}), (std::vector{kAcme}));
}

// pillar_items: what the secrets quota counts (domain/quotas.h), per
// workspace and pillar; the largest count of an account's workspaces.
TEST_P(StoreSuite, PillarItemsAreCountedPerWorkspaceAndAddedOnce) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(11), kAcme, "a")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(12), kAcme, "b")));
  const auto add = [&](const std::string& ws, const std::string& item, std::int64_t version = 1) {
    StatusOr<bool> added = Internal("not run");
    WS_EXPECT_OK(Write([&](Tx& tx) {
      added = tx.AddPillarItem(ws, "secret", item, version);
      return added.status();
    }));
    return added.ok() && *added;
  };
  EXPECT_TRUE(add(Id(11), "A"));
  EXPECT_FALSE(add(Id(11), "A", 2));  // held already: a new version
  EXPECT_TRUE(add(Id(11), "B"));
  EXPECT_TRUE(add(Id(12), "A"));
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.AddPillarItem(Id(12), "vault", "r1", 0).status(); }));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(11), "secret"); }), 2);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(12), "secret"); }), 1);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.LargestPillarCount(kAcme, "secret"); }), 2);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.LargestPillarCount(kGlobex, "secret"); }), 0);
  WS_ASSERT_OK(
      Write([&](Tx& tx) { return tx.RemovePillarItem(Id(11), "secret", "A", 3).status(); }));
  WS_ASSERT_OK(
      Write([&](Tx& tx) { return tx.RemovePillarItem(Id(11), "secret", "gone", 1).status(); }));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(11), "secret"); }), 1);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.LargestPillarCount(kAcme, "secret"); }), 1);
  EXPECT_TRUE(add(Id(11), "A", 4));
  // An item without versions (a vault record) is added and removed at 0.
  WS_ASSERT_OK(
      Write([&](Tx& tx) { return tx.RemovePillarItem(Id(12), "vault", "r1", 0).status(); }));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(12), "vault"); }), 0);
}

// Two DELETEs of one item: the one that commits second finds it released
// already (false), in either numbering order, and the domain answers it
// 404; an item never recorded (a secret from before migration 16) or held
// by a higher version committed first is not "released already" (true).
TEST_P(StoreSuite, ASecondRemovalOfAnItemFindsItReleased) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(18), kAcme, "h")));
  const auto remove = [&](const std::string& pillar, const std::string& item,
                          std::int64_t version) {
    StatusOr<bool> released = Internal("not run");
    WS_EXPECT_OK(Write([&](Tx& tx) {
      released = tx.RemovePillarItem(Id(18), pillar, item, version);
      return released.status();
    }));
    return released.ok() && *released;
  };
  const auto add = [&](const std::string& item, std::int64_t version) {
    WS_ASSERT_OK(
        Write([&](Tx& tx) { return tx.AddPillarItem(Id(18), "secret", item, version).status(); }));
  };
  add("S", 3);
  EXPECT_TRUE(remove("secret", "S", 4));
  EXPECT_FALSE(remove("secret", "S", 5));  // numbered after the first, committed after it
  add("T", 3);
  EXPECT_TRUE(remove("secret", "T", 5));
  EXPECT_FALSE(remove("secret", "T", 4));  // numbered before, committed after: as released
  add("U", 3);
  add("U", 6);                            // a PUT numbered after the DELETE, committed first
  EXPECT_TRUE(remove("secret", "U", 5));  // it destroys the versions below 5: still a DELETE
  EXPECT_TRUE(remove("secret", "never", 1));
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.AddPillarItem(Id(18), "vault", "r", 0).status(); }));
  EXPECT_TRUE(remove("vault", "r", 0));
  EXPECT_FALSE(remove("vault", "r", 0));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(18), "secret"); }), 1);  // U at 6
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(18), "vault"); }), 0);
}

// A secret's DELETE (tombstone 8) and a PUT numbered after it (9) commit in
// either order: the higher version decides. Removing the item whatever the
// order left version 9 held but uncounted (outside audit, PostgreSQL).
TEST_P(StoreSuite, APillarItemIsDecidedByItsHighestVersionInEitherCommitOrder) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(13), kAcme, "c")));
  const auto count = [&] {
    return *Get([&](Tx& tx) { return tx.CountPillarItems(Id(13), "secret"); });
  };
  const auto put = [&](const std::string& item, std::int64_t version) {
    StatusOr<bool> added = Internal("not run");
    WS_EXPECT_OK(Write([&](Tx& tx) {
      added = tx.AddPillarItem(Id(13), "secret", item, version);
      return added.status();
    }));
    return added.ok() && *added;
  };
  const auto remove = [&](const std::string& item, std::int64_t version) {
    WS_EXPECT_OK(Write(
        [&](Tx& tx) { return tx.RemovePillarItem(Id(13), "secret", item, version).status(); }));
  };
  // The PUT of 9 first, then the DELETE at 8: 9 survives, still counted.
  ASSERT_TRUE(put("S", 7));
  EXPECT_FALSE(put("S", 9));
  remove("S", 8);
  EXPECT_EQ(count(), 1);
  // The DELETE at 8 first, then a PUT of 9: held again, a new item.
  ASSERT_TRUE(put("T", 7));
  remove("T", 8);
  EXPECT_EQ(count(), 1);
  EXPECT_TRUE(put("T", 9));
  EXPECT_EQ(count(), 2);
  // A PUT numbered before the DELETE, committed after it: its version is
  // destroyed by the tombstone; not held.
  ASSERT_TRUE(put("U", 1));
  remove("U", 3);
  EXPECT_FALSE(put("U", 2));
  EXPECT_EQ(count(), 2);
}

// The count a quota reads is kept, not recounted (pillar_counts): after
// any sequence of decisions, in any version order, across two workspaces
// and two pillars, it is the number of items the highest version holds;
// the largest per account follows; a purge's DeletePillarRows ends it.
TEST_P(StoreSuite, KeptPillarCountsFollowEveryDecisionInAnyOrder) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(14), kAcme, "d")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(15), kAcme, "e")));
  struct Decided {
    std::int64_t version = -1;
    bool held = false;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Decided> model;
  std::mt19937 rng(20261207);
  const std::string workspaces[] = {Id(14), Id(15)};
  const std::string pillars[] = {"secret", "vault"};
  for (int step = 0; step < 300; ++step) {
    const std::string& ws = workspaces[rng() % 2];
    const std::string& pillar = pillars[rng() % 2];
    const std::string item = "i" + std::to_string(rng() % 12);
    const std::int64_t version = static_cast<std::int64_t>(rng() % 20);
    const bool hold = rng() % 3 != 0;
    WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
      if (hold) return tx.AddPillarItem(ws, pillar, item, version).status();
      return tx.RemovePillarItem(ws, pillar, item, version).status();
    }));
    Decided& d = model[{ws, pillar, item}];
    if (d.version <= version) d = {version, hold};
  }
  std::map<std::pair<std::string, std::string>, std::int64_t> expected;
  for (const auto& [key, d] : model)
    if (d.held) ++expected[{std::get<0>(key), std::get<1>(key)}];
  for (const std::string& pillar : pillars) {
    std::int64_t largest = 0;
    for (const std::string& ws : workspaces) {
      const std::int64_t want = expected[{ws, pillar}];
      EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(ws, pillar); }), want)
          << ws << " " << pillar;
      largest = std::max(largest, want);
    }
    ASSERT_GT(largest, 0);  // the sequence left items held: the test can fail
    EXPECT_EQ(*Get([&](Tx& tx) { return tx.LargestPillarCount(kAcme, pillar); }), largest);
  }
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.DeletePillarRows(Id(14)); }));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(14), "secret"); }), 0);
  const std::int64_t kept = expected[{Id(15), "secret"}];
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(15), "secret"); }), kept);
}

// The purge deletes a workspace's items a batch at a time: at most
// `limit` each, only that workspace's, whatever their decision; then none,
// and DeletePillarRows leaves no count.
TEST_P(StoreSuite, PillarItemsAreDeletedABatchAtATime) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(16), kAcme, "f")));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(17), kAcme, "g")));
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    for (int i = 0; i < 5; ++i)
      WS_RETURN_IF_ERROR(tx.AddPillarItem(Id(16), "secret", "s" + std::to_string(i), 1).status());
    WS_RETURN_IF_ERROR(tx.RemovePillarItem(Id(16), "secret", "gone", 2).status());
    WS_RETURN_IF_ERROR(tx.AddPillarItem(Id(16), "vault", "r", 0).status());
    return tx.AddPillarItem(Id(17), "secret", "kept", 1).status();
  }));
  const auto batch = [&](int limit) {
    std::int64_t deleted = -1;
    WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(deleted, tx.DeletePillarItems(Id(16), limit));
      return Status::Ok();
    }));
    return deleted;
  };
  EXPECT_EQ(batch(3), 3);
  EXPECT_EQ(batch(3), 3);
  EXPECT_EQ(batch(3), 1);  // 7 items, held or not
  EXPECT_EQ(batch(3), 0);
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.DeletePillarRows(Id(16)); }));
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(16), "secret"); }), 0);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(16), "vault"); }), 0);
  EXPECT_EQ(*Get([&](Tx& tx) { return tx.CountPillarItems(Id(17), "secret"); }), 1);
}

// Recorded outcomes of pillar operations are pruned by age, per workspace,
// but for those whose rows are still pending (docs/pillars.md).
TEST_P(StoreSuite, PillarOperationOutcomesArePrunedByAgeButThoseStillNeeded) {
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.RecordPillarOperation("op-old-1", Id(21), true, 100));
    WS_RETURN_IF_ERROR(tx.RecordPillarOperation("op-old-2", Id(21), false, 200));
    WS_RETURN_IF_ERROR(tx.RecordPillarOperation("op-old-pending", Id(21), true, 300));
    WS_RETURN_IF_ERROR(tx.RecordPillarOperation("op-new", Id(21), true, 5000));
    return tx.RecordPillarOperation("op-other-ws", Id(22), true, 100);
  }));
  const auto prune = [&](int limit) {
    std::int64_t pruned = -1;
    WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(pruned,
                          tx.PrunePillarOperations(Id(21), 1000, {"op-old-pending"}, limit));
      return Status::Ok();
    }));
    return pruned;
  };
  EXPECT_EQ(prune(1), 1);  // a batch at a time
  EXPECT_EQ(prune(100), 1);
  EXPECT_EQ(prune(100), 0);
  const auto outcome = [&](const std::string& id) {
    return *Get([&](Tx& tx) { return tx.GetPillarOperation(id); });
  };
  EXPECT_FALSE(outcome("op-old-1").has_value());
  EXPECT_FALSE(outcome("op-old-2").has_value());
  EXPECT_EQ(outcome("op-old-pending"), std::optional<bool>(true));
  EXPECT_EQ(outcome("op-new"), std::optional<bool>(true));
  EXPECT_EQ(outcome("op-other-ws"), std::optional<bool>(true));
}

}  // namespace
}  // namespace workspaced::store
