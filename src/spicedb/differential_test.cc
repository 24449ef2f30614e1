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
#include "spicedb/testing/universe.h"

namespace workspaced::spicedb {
namespace {

using testing::Universe;

constexpr int kRounds = 5;
constexpr int kChecksPerRound = 2500;  // 12,500 per run

std::string SchemaText() {
  std::ifstream in(WS_SCHEMA_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
      changes.push_back({static_cast<std::int64_t>(changes.size()) + 1, true, r});
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
