// The in-process checker against the real SpiceDB engine: random relationship
// sets that conform to authz/schema.zed (users, nested groups, the platform,
// several accounts, workspaces and environments) and random checks, answered
// by both. They must agree on every one.
//
// The seed is printed; replay a failure with WS_DIFF_SEED=<seed>.
// Group nesting is acyclic (a group only contains groups with a lower
// number): SpiceDB reports a cycle as an error where the evaluator answers
// "no", and a cycle is not something our data can produce.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "authz/evaluator.h"
#include "authz/relationship_index.h"
#include "authz/schema.h"
#include "spicedb/embedded.h"

namespace workspaced::spicedb {
namespace {

constexpr int kRounds = 5;
constexpr int kChecksPerRound = 2500;  // 12,500 per run

std::string SchemaText() {
  std::ifstream in(WS_SCHEMA_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Ids SpiceDB would refuse raw are part of the universe on purpose.
const std::vector<std::string> kUsers = {"u0", "u1", "ann@corp.example", "bo.b", "u4",
                                         "u5", "u6", "carl+ops"};
const std::vector<std::string> kGroups = {"g0", "Data Science", "g2", "sre/oncall", "g4"};
const std::vector<std::string> kAccounts = {"a0", "a1", "a2"};
const std::vector<std::string> kWorkspaces = {"w0", "w1", "w2", "w3", "w4", "w5"};
const std::vector<std::string> kEnvironments = {"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7"};

class Universe {
 public:
  explicit Universe(std::mt19937_64& rng) : rng_(rng) {}

  std::set<model::Relationship> RandomRelationships() {
    std::set<model::Relationship> rels;
    auto user = [&] { return Pick(kUsers); };
    // A user, or (one time in three) a group's members.
    auto add_user_or_group = [&](const std::string& type, const std::string& id,
                                 const std::string& relation) {
      if (rng_() % 3 == 0) {
        rels.insert({type, id, relation, "group", Pick(kGroups), "member"});
      } else {
        rels.insert({type, id, relation, "user", user(), ""});
      }
    };
    for (std::size_t g = 0; g < kGroups.size(); ++g) {
      for (int n = Count(3); n > 0; --n)
        rels.insert({"group", kGroups[g], "member", "user", user(), ""});
      if (g > 0 && rng_() % 2 == 0)
        rels.insert({"group", kGroups[g], "member", "group", kGroups[rng_() % g], "member"});
    }
    for (int n = Count(2); n > 0; --n)
      rels.insert({"platform", "workspaced", "admin", "user", user(), ""});
    for (const auto& a : kAccounts) {
      if (rng_() % 4 != 0) rels.insert({"account", a, "platform", "platform", "workspaced", ""});
      for (int n = Count(2); n > 0; --n) add_user_or_group("account", a, "admin");
      for (int n = Count(2); n > 0; --n) add_user_or_group("account", a, "member");
    }
    for (const auto& w : kWorkspaces) {
      if (rng_() % 5 != 0) rels.insert({"workspace", w, "account", "account", Pick(kAccounts), ""});
      for (const char* role : {"admin", "member", "viewer"})
        for (int n = Count(2); n > 0; --n) add_user_or_group("workspace", w, role);
    }
    for (const auto& e : kEnvironments) {
      if (rng_() % 6 != 0)
        rels.insert({"environment", e, "workspace", "workspace", Pick(kWorkspaces), ""});
    }
    return rels;
  }

  struct Question {
    std::string type, id, permission, user;
  };
  Question RandomQuestion() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> kAsk = {
        {"account", {"administer", "read", "admin", "member"}},
        {"workspace", {"administer", "write", "read", "viewer"}},
        {"environment", {"administer", "write", "read"}},
        {"group", {"member"}},
        {"platform", {"administer"}},
    };
    const auto& [type, perms] = kAsk[rng_() % kAsk.size()];
    std::string id;
    if (type == "account") id = Pick(kAccounts);
    if (type == "workspace") id = Pick(kWorkspaces);
    if (type == "environment") id = Pick(kEnvironments);
    if (type == "group") id = Pick(kGroups);
    if (type == "platform") id = "workspaced";
    return {type, id, perms[rng_() % perms.size()], Pick(kUsers)};
  }

 private:
  const std::string& Pick(const std::vector<std::string>& from) {
    return from[rng_() % from.size()];
  }
  int Count(int max) { return static_cast<int>(rng_() % (max + 1)); }
  std::mt19937_64& rng_;
};

TEST(Differential, TheInProcessCheckerAgreesWithSpiceDbOnEveryCheck) {
  std::uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("WS_DIFF_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "differential seed: " << seed << " (replay with WS_DIFF_SEED=" << seed << ")\n";
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  Universe universe(rng);

  const std::string text = SchemaText();
  auto schema = authz::ParseSchema(text);
  ASSERT_TRUE(schema.ok()) << schema.status().message();

  int checks = 0, allowed = 0, mismatches = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto db = StartEmbedded(WS_SPICEDB_LIBRARY);
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE((*db)->WriteSchema(text).ok());
    const auto rels = universe.RandomRelationships();
    std::vector<Update> updates;
    std::vector<store::RelationshipChange> changes;
    for (const auto& r : rels) {
      updates.push_back({true, r});
      changes.push_back({0, true, r});
    }
    auto written = (*db)->Write(updates);
    ASSERT_TRUE(written.ok()) << written.status().message();
    authz::RelationshipIndex index;  // fed as the store's observer would
    index.OnRelationshipsCommitted(changes);

    for (int n = 0; n < kChecksPerRound; ++n) {
      const auto q = universe.RandomQuestion();
      const authz::Caller caller{q.user, nullptr};
      auto ours = authz::Evaluate(*schema, index, q.type, q.id, q.permission, caller);
      auto theirs = (*db)->Check(q.type, q.id, q.permission, {"user", q.user, ""});
      ASSERT_TRUE(ours.ok()) << ours.status().message();
      ASSERT_TRUE(theirs.ok()) << theirs.status().message();
      ++checks;
      allowed += *theirs ? 1 : 0;
      if (*ours != *theirs && ++mismatches <= 10) {
        ADD_FAILURE() << "seed " << seed << " round " << round << ": " << q.type << ":" << q.id
                      << "#" << q.permission << "@user:" << q.user << " — in-process "
                      << (*ours ? "yes" : "no") << ", SpiceDB " << (*theirs ? "yes" : "no") << " ("
                      << rels.size() << " relationships)";
      }
    }
  }
  std::cout << checks << " checks, " << allowed << " allowed, " << mismatches << " mismatches\n";
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(checks, 10000);
  // A run where nearly everything is denied (or allowed) proves little.
  EXPECT_GT(allowed, checks / 20);
  EXPECT_LT(allowed, checks - checks / 20);
}

}  // namespace
}  // namespace workspaced::spicedb
