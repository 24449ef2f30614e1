// Random relationship sets that conform to authz/schema.zed, and random
// questions about them: shared by the differential test and the
// authorization benchmark.
//
// Group nesting is acyclic (a group only contains groups with a lower
// number): SpiceDB reports a cycle as an error where the evaluator answers
// "no", and our data cannot produce one.
#pragma once

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/model.h"

namespace workspaced::spicedb::testing {

// Ids SpiceDB would refuse raw are part of the universe on purpose.
inline const std::vector<std::string> kUsers = {"u0", "u1", "ann@corp.example", "bo.b", "u4",
                                                "u5", "u6", "carl+ops"};
inline const std::vector<std::string> kGroups = {"g0", "Data Science", "g2", "sre/oncall", "g4"};
inline const std::vector<std::string> kAccounts = {"a0", "a1", "a2"};
inline const std::vector<std::string> kWorkspaces = {"w0", "w1", "w2", "w3", "w4", "w5"};
inline const std::vector<std::string> kEnvironments = {"e0", "e1", "e2", "e3",
                                                       "e4", "e5", "e6", "e7"};

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
        {"workspace", {"administer", "write", "read", "viewer", "reveal_secret", "detokenize"}},
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

}  // namespace workspaced::spicedb::testing
