// The product's answers against the real SpiceDB engine, through the real
// store on each backend, while grants and revocations arrive between rounds.
//
// Each round applies random changes of the kinds the product makes
// (testing/store_universe.h) through store::Tx, delivers them to SpiceDB
// with the outbox relay, gives every caller new token groups (written to
// SpiceDB as group:<g>#member@user:<u>, the one place SpiceDB learns them),
// and then compares, for every caller:
//   - GET /v1/workspaces' query (Tx::ListWorkspacesForSubject, paged as the
//     handler pages it) with SpiceDB's LookupResources over the membership
//     relations (admin ∪ member ∪ viewer), and every listed workspace with
//     the service's authorizer (it must allow `read`);
//   - the workspaces the in-process evaluator lets the caller `read` with
//     LookupResources(read);
//   - random checks of every type, evaluator against CheckPermission.
// The in-process side reads the RelationshipIndex attached to the store, so
// it must follow every incremental change, deletions included.
//
// The seed is printed; replay a failure with WS_DIFF_SEED=<seed>.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "authz/evaluator.h"
#include "authz/relationship_index.h"
#include "authz/schema_authorizer.h"
#include "spicedb/embedded.h"
#include "spicedb/relay.h"
#include "spicedb/testing/store_universe.h"
#include "store/testing/backends.h"

namespace workspaced::spicedb {
namespace {

using testing::StoreUniverse;
using testing::TestUser;

constexpr int kRounds = 20;
constexpr int kInitialChanges = 60;
constexpr int kChangesPerRound = 14;
constexpr int kChecksPerRound = 250;
const char* const kMembershipRelations[] = {"admin", "member", "viewer"};

std::uint64_t Seed() {
  if (const char* s = std::getenv("WS_DIFF_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

class StoreDifferential : public ::testing::TestWithParam<store::testing::Backend> {
 protected:
  void SetUp() override {
    std::cout << GetParam().name << " differential seed: " << seed_
              << " (replay with WS_DIFF_SEED=" << seed_ << ")\n";
    RecordProperty("seed", std::to_string(seed_));
    store_ = GetParam().open(dir_.path().string());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->Migrate().ok());
    ASSERT_TRUE(index_.Attach(*store_).ok());  // as app.cc wires it
    auto schema = authz::ParseSchema(authz::EmbeddedSchemaText());
    ASSERT_TRUE(schema.ok()) << schema.status().message();
    schema_ = *schema;
    authorizer_ = std::make_unique<authz::SchemaAuthorizer>(*schema, index_, *store_);
    auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::move(*engine);
    RelayOptions o;
    o.owner = "differential";
    o.batch = 16;  // several passes per round
    o.types = {"platform", "account", "workspace", "environment", "group", "user"};
    relay_ = std::make_unique<Relay>(o, *store_, *engine_, clock_,
                                     std::string(authz::EmbeddedSchemaText()));
  }

  // Draws `n` changes and commits them in transactions of one to four.
  void Change(int n) {
    while (n > 0) {
      std::vector<StoreUniverse::Change> batch;
      for (int k = 1 + static_cast<int>(rng_() % 4); k > 0 && n > 0; --k, --n)
        batch.push_back(universe_.Next());
      const Status s = store_->Write([&](store::Tx& tx) -> Status {
        for (const auto& c : batch) WS_RETURN_IF_ERROR(StoreUniverse::Apply(tx, c));
        return Status::Ok();
      });
      ASSERT_TRUE(s.ok()) << s.message();
      for (const auto& c : batch) revocations_ += c.revokes() ? 1 : 0;
    }
  }

  // What the relay would do in the background, to the end of the outbox.
  void Deliver() {
    for (;;) {
      StatusOr<int> sent = relay_->DeliverOnce();
      ASSERT_TRUE(sent.ok()) << sent.status().message();
      if (*sent == 0) return;
    }
  }

  // Gives every caller new token groups, and SpiceDB the difference.
  void DrawTokenGroups() {
    std::vector<Update> updates;
    for (const TestUser& u : universe_.users()) {
      std::vector<std::string>& groups = groups_[u.id];
      for (const auto& g : groups)
        updates.push_back({false, {"group", g, "member", "user", u.id, ""}});
      groups = universe_.RandomTokenGroups(u);
      for (const auto& g : groups)
        updates.push_back({true, {"group", g, "member", "user", u.id, ""}});
    }
    // A relationship both deleted and touched: only the touch.
    std::set<model::Relationship> touched;
    for (const auto& u : updates)
      if (u.touch) touched.insert(u.rel);
    std::erase_if(updates, [&](const Update& u) { return !u.touch && touched.count(u.rel); });
    if (!updates.empty()) ASSERT_TRUE(engine_->Write(updates).ok());
  }

  // Every page of GET /v1/workspaces, paged as the handler pages it.
  std::vector<std::string> List(const std::string& user, const std::vector<std::string>& groups) {
    std::vector<std::string> out;
    store::Page page{.after = "", .limit = 1 + static_cast<int>(rng_() % 3)};
    for (;;) {
      std::vector<store::WorkspaceStamp> got;
      store::Page probe = page;
      probe.limit = page.limit + 1;
      const Status s = store_->Read([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(got, tx.ListWorkspacesForSubject(user, groups, probe));
        return Status::Ok();
      });
      EXPECT_TRUE(s.ok()) << s.message();
      const bool more = static_cast<int>(got.size()) > page.limit;
      if (more) got.resize(static_cast<std::size_t>(page.limit));
      for (const auto& w : got) {
        EXPECT_TRUE(out.empty() || out.back() < w.id) << "the list is not in id order: " << w.id;
        out.push_back(w.id);
      }
      if (!more || !s.ok()) return out;
      page.after = out.back();
    }
  }

  // One page of everything: tells a paging fault from a query's.
  std::vector<std::string> ListUnpaged(const std::string& user,
                                       const std::vector<std::string>& groups) {
    std::vector<std::string> out;
    const Status s = store_->Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(auto got, tx.ListWorkspacesForSubject(user, groups, {"", 1000}));
      for (auto& w : got) out.push_back(w.id);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
  std::set<std::string> Lookup(const std::string& user, std::string_view permission) {
    std::set<std::string> out;
    const Status s = engine_->LookupResources("workspace", permission, {"user", user, ""},
                                              [&](const std::string& id) {
                                                out.insert(id);
                                                return true;
                                              });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  bool Evaluate(std::string_view type, std::string_view id, std::string_view permission,
                const std::string& user) {
    const auto allowed =
        authz::Evaluate(schema_, index_, type, id, permission, authz::Caller{user, &groups_[user]});
    EXPECT_TRUE(allowed.ok()) << allowed.status().message();
    return allowed.ok() && *allowed;
  }

  // The index holds exactly the store's relationships, and SpiceDB the same
  // ones (its group memberships aside: the test writes those directly).
  void ExpectSameRelationships(int round) {
    std::set<model::Relationship> stored, delivered;
    ASSERT_TRUE(store_
                    ->Read([&](store::Tx& tx) {
                      return tx.ForEachRelationship([&](const model::Relationship& r) {
                        stored.insert(r);
                        return true;
                      });
                    })
                    .ok());
    for (const char* type : {"platform", "account", "workspace", "environment"})
      ASSERT_TRUE(engine_
                      ->ReadRelationships(type,
                                          [&](const model::Relationship& r) {
                                            delivered.insert(r);
                                            return true;
                                          })
                      .ok());
    EXPECT_EQ(stored, delivered) << "round " << round << ": SpiceDB differs from the store";
    EXPECT_EQ(index_.size(), stored.size()) << "round " << round;
    for (const auto& r : stored) {
      bool found = false;
      ASSERT_TRUE(index_
                      .ForEachSubject(r.resource_type, r.resource_id, r.relation,
                                      [&](const authz::SubjectRef& s) {
                                        found = s.type == r.subject_type && s.id == r.subject_id &&
                                                s.relation == r.subject_relation;
                                        return !found;
                                      })
                      .ok());
      EXPECT_TRUE(found) << "round " << round << ": the index lacks " << r.resource_type << ":"
                         << r.resource_id << "#" << r.relation << "@" << r.subject_type << ":"
                         << r.subject_id;
    }
  }

  const std::uint64_t seed_ = Seed();
  std::mt19937_64 rng_{seed_};
  StoreUniverse universe_{rng_};
  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  authz::RelationshipIndex index_;
  authz::Schema schema_;
  std::unique_ptr<authz::SchemaAuthorizer> authorizer_;
  std::unique_ptr<EmbeddedClient> engine_;
  ManualClock clock_;
  std::unique_ptr<Relay> relay_;
  std::map<std::string, std::vector<std::string>> groups_;  // user → token groups
  int revocations_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreDifferential,
                         ::testing::ValuesIn(store::testing::Backends()),
                         store::testing::BackendName);

TEST_P(StoreDifferential, ListsLookupsAndChecksAgreeWithSpiceDbAcrossGrantsAndRevocations) {
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return universe_.CreateAccounts(tx); }).ok());
  Change(kInitialChanges);
  int lists = 0, listed = 0, nonempty = 0, full = 0, via_groups = 0, qualified_listed = 0;
  int dropped = 0, readable_unlisted = 0, checks = 0, allowed = 0, mismatches = 0;
  std::map<std::string, std::vector<std::string>> previous;  // user → last round's list
  for (int round = 0; round < kRounds && !HasFatalFailure(); ++round) {
    if (round > 0) Change(kChangesPerRound);
    Deliver();
    DrawTokenGroups();
    ExpectSameRelationships(round);
    const auto& workspaces = universe_.workspaces();

    for (const TestUser& u : universe_.users()) {
      const std::vector<std::string>& groups = groups_[u.id];
      const std::vector<std::string> list = List(u.id, groups);
      const std::set<std::string> in_list(list.begin(), list.end());
      std::set<std::string> looked_up;
      for (const char* relation : kMembershipRelations) looked_up.merge(Lookup(u.id, relation));
      if (in_list != looked_up && ++mismatches <= 10)
        ADD_FAILURE() << "seed " << seed_ << " round " << round << ": the list of " << u.id
                      << " has " << ::testing::PrintToString(in_list)
                      << ", SpiceDB's membership lookup " << ::testing::PrintToString(looked_up)
                      << " (token groups " << ::testing::PrintToString(groups) << ")"
                      << "; unpaged, the list has "
                      << ::testing::PrintToString(ListUnpaged(u.id, groups));
      const auth::Principal who{.subject = u.id, .groups = groups};
      for (const auto& w : list) {
        EXPECT_EQ(
            authorizer_->Check(who, authz::Permission::kRead, {authz::ObjectType::kWorkspace, w}),
            authz::Decision::kAllow)
            << "seed " << seed_ << " round " << round << ": " << u.id << " lists " << w
            << " but may not read it";
      }
      std::set<std::string> readable;
      for (const auto& w : workspaces)
        if (Evaluate("workspace", w, "read", u.id)) readable.insert(w);
      const std::set<std::string> spicedb_readable = Lookup(u.id, "read");
      if (readable != spicedb_readable && ++mismatches <= 10)
        ADD_FAILURE() << "seed " << seed_ << " round " << round << ": " << u.id << " may read "
                      << ::testing::PrintToString(readable) << " in-process, "
                      << ::testing::PrintToString(spicedb_readable) << " by SpiceDB's lookup";

      // The spread: what this round's lists prove.
      ++lists;
      listed += static_cast<int>(list.size());
      nonempty += list.empty() ? 0 : 1;
      full += list.size() == workspaces.size() ? 1 : 0;
      const auto direct = List(u.id, {});
      via_groups += static_cast<int>(list.size() - direct.size());
      if (u.id.find('|') != std::string::npos) qualified_listed += static_cast<int>(list.size());
      for (const auto& w : previous[u.id]) dropped += in_list.count(w) ? 0 : 1;
      for (const auto& w : readable) readable_unlisted += in_list.count(w) ? 0 : 1;
      previous[u.id] = list;
    }

    for (int n = 0; n < kChecksPerRound; ++n) {
      const auto q = universe_.RandomQuestion();
      const bool ours = Evaluate(q.type, q.id, q.permission, q.user);
      const auto theirs = engine_->Check(q.type, q.id, q.permission, {"user", q.user, ""});
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      ++checks;
      allowed += *theirs ? 1 : 0;
      if (ours != *theirs && ++mismatches <= 10)
        ADD_FAILURE() << "seed " << seed_ << " round " << round << ": " << q.type << ":" << q.id
                      << "#" << q.permission << "@user:" << q.user << " with groups "
                      << ::testing::PrintToString(groups_[q.user]) << " — in-process "
                      << (ours ? "yes" : "no") << ", SpiceDB " << (*theirs ? "yes" : "no");
    }
  }
  std::cout << lists << " lists (" << nonempty << " non-empty, " << full << " of everything, "
            << listed << " entries, " << via_groups << " through token groups, " << qualified_listed
            << " of issuer-qualified users), " << dropped << " entries revoked between rounds, "
            << readable_unlisted << " readable but unlisted; " << checks << " checks, " << allowed
            << " allowed; " << revocations_ << " revocations; " << mismatches << " mismatches\n";
  EXPECT_EQ(mismatches, 0);
  // A run where every list is empty, or lists everything, proves little.
  EXPECT_GT(nonempty, lists / 4);
  EXPECT_LT(full, lists / 2);
  EXPECT_GT(via_groups, 0);
  EXPECT_GT(qualified_listed, 0);
  EXPECT_GT(dropped, 0);
  EXPECT_GT(readable_unlisted, 0);  // account and platform admins read beyond the list
  EXPECT_GT(revocations_, kRounds);
  EXPECT_GT(allowed, checks / 20);
  EXPECT_LT(allowed, checks - checks / 20);
}

}  // namespace
}  // namespace workspaced::spicedb
