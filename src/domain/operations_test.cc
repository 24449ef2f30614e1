// The domain operations on both backends: every rule inside the change's own
// transaction — a freeze racing member, group-mapping and field changes never
// lets one of them commit to a frozen workspace.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "domain/accounts.h"
#include "domain/domain_test_fixture.h"

namespace workspaced::domain {
namespace {

using store::testing::Id;
using store::testing::kAcme;

class Operations : public testing::DomainFixture {};

INSTANTIATE_TEST_SUITE_P(Backends, Operations,
                         ::testing::ValuesIn(store::testing::Backends(/*pool_size=*/8)),
                         store::testing::BackendName);

TEST_P(Operations, AFrozenWorkspaceRefusesEveryChangeButUnfreezing) {
  ASSERT_TRUE(workspaces_
                  ->SetStatus(alice_, ws_, model::WorkspaceStatus::kFrozen, "legal hold", nullptr)
                  .ok());
  const auto put = members_->Put(alice_, MemberScope::kWorkspace, ws_, "bob", "member");
  EXPECT_EQ(put.status().code(), Code::kFrozen);
  EXPECT_NE(put.status().message().find("legal hold"), std::string::npos);
  EXPECT_EQ(members_->Delete(alice_, MemberScope::kWorkspace, ws_, "alice").code(), Code::kFrozen);
  EXPECT_EQ(workspaces_->PutGroupMappings(alice_, ws_, {{"eng", model::WorkspaceRole::kViewer}},
                                          nullptr)
                .status()
                .code(),
            Code::kFrozen);
  EXPECT_EQ(workspaces_->Update(alice_, ws_, {.name = "renamed"}, nullptr).status().code(),
            Code::kFrozen);
  EXPECT_EQ(workspaces_->Update(alice_, ws_, {}, nullptr).status().code(), Code::kFrozen)
      << "even a patch that changes nothing";
  const auto unfrozen =
      workspaces_->SetStatus(alice_, ws_, model::WorkspaceStatus::kActive, "", nullptr);
  ASSERT_TRUE(unfrozen.ok());
  EXPECT_EQ(unfrozen->version, 3) << "freeze and unfreeze each raised the version once";
  EXPECT_EQ(unfrozen->updated_by, "alice");
  EXPECT_TRUE(members_->Put(alice_, MemberScope::kWorkspace, ws_, "bob", "member").ok());
}

TEST_P(Operations, TheLastAdminOfAnAccountOrWorkspaceStays) {
  for (const auto& [scope, id] : {std::pair{MemberScope::kAccount, kAcme},
                                  std::pair{MemberScope::kWorkspace, ws_}}) {
    EXPECT_EQ(members_->Delete(alice_, scope, id, "alice").code(), Code::kConflict);
    EXPECT_EQ(members_->Put(alice_, scope, id, "alice", "member").status().code(),
              Code::kConflict);
    EXPECT_EQ(members_->Delete(alice_, scope, id, "nobody").code(), Code::kNotFound);
    EXPECT_EQ(members_->Put(alice_, scope, id, "bob", "owner").status().code(),
              Code::kUnprocessable);
    const auto bob = members_->Put(alice_, scope, id, "bob", "admin");
    ASSERT_TRUE(bob.ok());
    EXPECT_TRUE(bob->created);
    EXPECT_TRUE(members_->Delete(alice_, scope, id, "alice").ok()) << "bob is an admin now";
  }
}

TEST_P(Operations, TwoAdminsRemovedAtOnceLeaveOneAdmin) {
  // Each removal alone is allowed (the other admin stays); at once, only one
  // may commit. Rounds, so the two meet more than once.
  for (const auto& [scope, id] : {std::pair{MemberScope::kAccount, kAcme},
                                  std::pair{MemberScope::kWorkspace, ws_}}) {
    for (int round = 0; round < 10; ++round) {
      const std::string a = "admin-a" + std::to_string(round), b = "admin-b" + std::to_string(round);
      ASSERT_TRUE(members_->Put(alice_, scope, id, a, "admin").ok());
      ASSERT_TRUE(members_->Put(alice_, scope, id, b, "admin").ok());
      ASSERT_TRUE(members_->Delete(alice_, scope, id, "alice").ok());
      const auto [removed, refused] = AtOnce(2, [&](int i) {
        // One removes a member outright, the other demotes one.
        return i == 0 ? members_->Delete(alice_, scope, id, a)
                      : members_->Put(alice_, scope, id, b, "member").status();
      });
      EXPECT_EQ(removed, 1) << "round " << round;
      ASSERT_EQ(refused.size(), 1u);
      EXPECT_EQ(refused[0].code(), Code::kConflict) << refused[0].message();
      // Whoever stayed admin hands over to the next round's pair.
      const std::string stayed = members_->Get(scope, id, a).ok() ? a : b;
      auto role = members_->Get(scope, id, stayed);
      ASSERT_TRUE(role.ok()) << role.status().message();
      EXPECT_EQ(role->role, "admin");
      ASSERT_TRUE(members_->Put(alice_, scope, id, "alice", "admin").ok());
      ASSERT_TRUE(members_->Delete(alice_, scope, id, stayed).ok());
    }
  }
}

TEST_P(Operations, CreatesOfOneNameAtOnceEachGetADistinctSlug) {
  constexpr int kCreates = 20;
  std::vector<std::string> ids(kCreates);
  const auto [created, refused] = AtOnce(kCreates, [&](int i) {
    NewWorkspace request;
    request.account_id = kAcme;
    request.name = "Same Name";
    request.region = "us-east-1";
    auto accepted = workspaces_->Create(alice_, request,
                                        [](store::Tx&, const Accepted&) { return Status::Ok(); });
    if (accepted.ok()) ids[static_cast<std::size_t>(i)] = accepted->workspace.id;
    return accepted.status();
  });
  for (const Status& s : refused) ADD_FAILURE() << s.message();
  EXPECT_EQ(created, kCreates);
  std::set<std::string> slugs;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    for (const auto& id : ids) {
                      if (id.empty()) continue;
                      WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(id));
                      slugs.insert(ws.slug);
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(slugs.size(), static_cast<std::size_t>(kCreates));
  EXPECT_TRUE(slugs.contains("same-name"));
  EXPECT_TRUE(slugs.contains("same-name-" + std::to_string(kCreates)));
}

TEST_P(Operations, GroupMappingRelationshipsFollowTheMappingsOnceWritten) {
  ASSERT_TRUE(
      workspaces_->PutGroupMappings(alice_, ws_, {{"eng", model::WorkspaceRole::kViewer}}, nullptr)
          .ok());
  ASSERT_TRUE(
      workspaces_->PutGroupMappings(alice_, ws_, {{"ops", model::WorkspaceRole::kAdmin}}, nullptr)
          .ok());
  std::vector<model::Relationship> rels;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(rels, tx.ListRelationshipsForResource("workspace", ws_));
                    return Status::Ok();
                  })
                  .ok());
  int groups = 0;
  for (const auto& r : rels) {
    if (r.subject_type != "group") continue;
    ++groups;
    EXPECT_EQ(r.subject_id, "ops");
    EXPECT_EQ(r.relation, "admin");
  }
  EXPECT_EQ(groups, 1);
}

TEST_P(Operations, ChangingTrustedIssuersRewritesEveryWrittenMappingAndIsAudited) {
  ASSERT_TRUE(
      workspaces_->PutGroupMappings(alice_, ws_, {{"eng", model::WorkspaceRole::kViewer}}, nullptr)
          .ok());
  Accounts accounts(*store_, clock_, *random_);
  EXPECT_EQ(accounts.SetTrustedIssuers(alice_, kAcme, {}).status().code(), Code::kUnprocessable);
  EXPECT_EQ(accounts
                .SetTrustedIssuers(alice_, kAcme,
                                   {{"https://idp.test/", "acme"}, {"https://idp.test/", "acme"}})
                .status()
                .code(),
            Code::kUnprocessable)
      << "duplicates";
  const auto changed =
      accounts.SetTrustedIssuers(alice_, kAcme, {{"https://idp.test/", "acme"}, {"https://x/", ""}});
  ASSERT_TRUE(changed.ok()) << changed.status().message();
  std::vector<model::Relationship> rels;
  std::vector<model::AuditEvent> events;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(rels, tx.ListRelationshipsForResource("workspace", ws_));
                    WS_ASSIGN_OR_RETURN(
                        events, tx.ScanAuditChain("", 0, 100, store::Tx::kNoByteLimit));
                    return Status::Ok();
                  })
                  .ok());
  std::set<std::string> groups;
  for (const auto& r : rels)
    if (r.subject_type == "group") groups.insert(r.subject_id);
  EXPECT_EQ(groups, (std::set<std::string>{"https://idp.test/|acme|eng", "https://x/|eng"}))
      << "the dev issuer's bare 'eng' is gone with the trust";
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().action, "account.trusted_issuers.put");
  // Mappings changed later follow the account's issuers too.
  ASSERT_TRUE(
      workspaces_->PutGroupMappings(alice_, ws_, {{"ops", model::WorkspaceRole::kAdmin}}, nullptr)
          .ok());
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(rels, tx.ListRelationshipsForResource("workspace", ws_));
                    return Status::Ok();
                  })
                  .ok());
  groups.clear();
  for (const auto& r : rels)
    if (r.subject_type == "group") groups.insert(r.subject_id);
  EXPECT_EQ(groups, (std::set<std::string>{"https://idp.test/|acme|ops", "https://x/|ops"}));
}

TEST_P(Operations, AccountsAreCreatedWithTheirAdminAndAuditedOrRefusedWhole) {
  Accounts accounts(*store_, clock_, *random_);
  const auto bad = accounts.Create(alice_, "", "");
  ASSERT_EQ(bad.status().code(), Code::kUnprocessable);
  EXPECT_EQ(bad.status().field_errors().size(), 2u);
  EXPECT_FALSE(accounts.Create(alice_, "a\nb", "x").ok());
  const auto made = accounts.Create(alice_, "Initech", "peter");
  ASSERT_TRUE(made.ok());
  std::optional<model::AccountRole> role;
  std::vector<model::AuditEvent> events;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(role, tx.GetAccountRole(made->id, "peter"));
                    WS_ASSIGN_OR_RETURN(
                        events, tx.ScanAuditChain("", 0, 100, store::Tx::kNoByteLimit));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(role, model::AccountRole::kAdmin);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().action, "account.create");
  EXPECT_EQ(events.back().target_id, made->id);
}

TEST_P(Operations, AnUpdateChangesWhatThePatchNamesAndAuditsThoseFieldsBeforeAndAfter) {
  WorkspacePatch patch;
  patch.name = "Renamed";
  patch.labels = {{"team", "core"}, {"tier", "gold"}};
  patch.runtime_generation = "mk4";
  patch.deletion_protection = true;
  const auto first = workspaces_->Update(alice_, ws_, patch, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->name, "Renamed");
  EXPECT_EQ(first->slug, "ws") << "not named, not changed";
  EXPECT_EQ(first->labels,
            (std::map<std::string, std::string>{{"team", "core"}, {"tier", "gold"}}));
  EXPECT_EQ(first->runtime_generation, "mk4");
  EXPECT_TRUE(first->deletion_protection);
  EXPECT_EQ(first->version, 2);
  EXPECT_EQ(first->updated_by, "alice");

  // Merge semantics on the labels: null removes a key, others stay.
  const auto second = workspaces_->Update(
      alice_, ws_, {.labels = {{"tier", std::nullopt}, {"team", "core"}, {"env", "prod"}}},
      nullptr);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->labels,
            (std::map<std::string, std::string>{{"env", "prod"}, {"team", "core"}}));
  EXPECT_EQ(second->name, "Renamed");
  EXPECT_EQ(second->version, 3);

  const auto chain = Chain();
  ASSERT_FALSE(chain.empty());
  const model::AuditEvent& e = chain.back();
  EXPECT_EQ(e.action, "workspace.update");
  EXPECT_EQ(e.target_id, ws_);
  EXPECT_EQ(e.actor, "alice");
  // Only what changed: tier removed, env added; team was set to what it was.
  EXPECT_EQ(boost::json::parse(e.details),
            boost::json::parse(R"({"before":{"labels":{"env":null,"tier":"gold"}},)"
                               R"("after":{"labels":{"env":"prod","tier":null}}})"));
  EXPECT_EQ(
      boost::json::parse(chain[chain.size() - 2].details),
      boost::json::parse(R"({"before":{"name":"Workspace ws","runtime":{"generation":""},)"
                         R"("labels":{"team":null,"tier":null},"deletion_protection":false},)"
                         R"("after":{"name":"Renamed","runtime":{"generation":"mk4"},)"
                         R"("labels":{"team":"core","tier":"gold"},"deletion_protection":true}})"));
}

TEST_P(Operations, AnUpdateThatChangesNothingKeepsTheVersionAndIsNotAudited) {
  const std::size_t events = Chain().size();
  const auto same = workspaces_->Update(
      alice_, ws_, {.name = "Workspace ws", .slug = "ws", .labels = {{"absent", std::nullopt}}},
      nullptr);
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_EQ(same->version, 1);
  EXPECT_EQ(Chain().size(), events);
  // The precondition still holds it to the version the caller saw.
  const auto stale = workspaces_->Update(alice_, ws_, {}, [](const model::Workspace&) {
    return Status(Code::kStaleVersion, "stale");
  });
  EXPECT_EQ(stale.status().code(), Code::kStaleVersion);
}

TEST_P(Operations, AnUpdateKeepsSlugsUniqueAndLabelsWithinTheirLimit) {
  model::Workspace other = store::testing::MakeWorkspace(Id(2), kAcme, "taken");
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.InsertWorkspace(other); }).ok());
  const auto taken = workspaces_->Update(alice_, ws_, {.slug = "taken"}, nullptr);
  EXPECT_EQ(taken.status().code(), Code::kConflict);
  EXPECT_NE(taken.status().message().find("'taken' is already used"), std::string::npos);
  EXPECT_TRUE(workspaces_->Update(alice_, ws_, {.slug = "free"}, nullptr).ok());
  EXPECT_TRUE(workspaces_->Update(alice_, Id(2), {.slug = "ws"}, nullptr).ok())
      << "the slug it left is free again";

  WorkspacePatch many;
  for (int i = 0; i < 64; ++i) many.labels["k" + std::to_string(i)] = "v";
  ASSERT_TRUE(workspaces_->Update(alice_, ws_, many, nullptr).ok());
  const auto over = workspaces_->Update(alice_, ws_, {.labels = {{"one-more", "v"}}}, nullptr);
  ASSERT_EQ(over.status().code(), Code::kUnprocessable);
  ASSERT_EQ(over.status().field_errors().size(), 1u);
  EXPECT_EQ(over.status().field_errors()[0].field, "labels");
  // Replacing one label in the same patch stays within the limit.
  EXPECT_TRUE(
      workspaces_
          ->Update(alice_, ws_, {.labels = {{"one-more", "v"}, {"k0", std::nullopt}}}, nullptr)
          .ok());
  const auto cleared = workspaces_->Update(alice_, ws_, {.clear_labels = true}, nullptr);
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->labels.empty());
}

// The frozen check sits inside each change's transaction: whatever the
// interleaving, the workspace's audit chain (its commit order) never shows a
// member or group-mapping change between a freeze and the next unfreeze.
TEST_P(Operations, FreezesRacingMemberGroupMappingAndFieldChangesNeverCommitToAFrozenWorkspace) {
  constexpr int kToggles = 60;
  std::atomic<bool> done{false};
  std::atomic<int> applied{0}, locked{0};
  auto changer = [&](int who) {
    // Each member PUT changes the role (a PUT of the role it has writes
    // nothing, and would not be audited): the other one than it last got.
    std::map<std::string, bool> is_member;
    int mappings_set = 0;
    for (int i = 0; !done.load(); ++i) {
      Status s;
      if (who == 0) {
        const std::string subject = "m" + std::to_string(i % 5);
        const bool to_member = !is_member[subject];
        s = members_->Put(alice_, MemberScope::kWorkspace, ws_, subject,
                          to_member ? "member" : "viewer")
                .status();
        if (s.ok()) is_member[subject] = to_member;
      } else if (who == 2) {
        s = workspaces_->Update(alice_, ws_, {.name = "name " + std::to_string(i)}, nullptr)
                .status();
      } else {
        s = workspaces_
                ->PutGroupMappings(alice_, ws_,
                                   {{"g" + std::to_string(mappings_set), model::WorkspaceRole::kViewer}},
                                   nullptr)
                .status();
        if (s.ok()) ++mappings_set;  // the next PUT is another list
      }
      if (s.ok()) ++applied;
      else if (s.code() == Code::kFrozen) ++locked;
      else EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();  // contention on PostgreSQL
    }
  };
  std::thread a(changer, 0), b(changer, 1), c(changer, 2);
  // Toggle until both outcomes were seen often (bounded in time): a run in
  // which no change ever met a frozen workspace would prove nothing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < kToggles || applied.load() < 20 || locked.load() < 20; ++i) {
    if (std::chrono::steady_clock::now() > deadline) break;
    const auto to = i % 2 == 0 ? model::WorkspaceStatus::kFrozen : model::WorkspaceStatus::kActive;
    const auto s = workspaces_->SetStatus(alice_, ws_, to, "race", nullptr);
    EXPECT_TRUE(s.ok() || s.status().code() == Code::kUnavailable) << s.status().message();
    if (!s.ok()) --i;  // toggle the same way again
    std::this_thread::yield();
  }
  // End unfrozen, so the changers' last attempts may also apply.
  done = true;
  a.join();
  b.join();
  c.join();
  EXPECT_GT(applied.load(), 0);
  EXPECT_GT(locked.load(), 0) << "no change ever met a frozen workspace: the race was not run";
  bool frozen = false;
  int checked = 0;
  for (const model::AuditEvent& e : Chain()) {
    if (e.action == "workspace.freeze") frozen = true;
    if (e.action == "workspace.unfreeze") frozen = false;
    if (e.action == "member.put" || e.action == "workspace.group_mappings.put" ||
        e.action == "workspace.update") {
      ++checked;
      EXPECT_FALSE(frozen) << e.action << " committed to a frozen workspace (seq " << e.seq << ")";
    }
  }
  EXPECT_EQ(checked, applied.load()) << "every applied change is audited once";
}

}  // namespace
}  // namespace workspaced::domain
