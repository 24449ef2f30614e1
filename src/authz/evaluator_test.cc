#include "authz/evaluator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace workspaced::authz {
namespace {

struct Rel {
  std::string type, id, relation, subject_type, subject_id, subject_relation;
};

// A fixed set of relationships, and how many lookups were made.
class VectorReader final : public RelationshipReader {
 public:
  std::vector<Rel> rels;
  int lookups = 0;
  Status ForEachSubject(std::string_view type, std::string_view id, std::string_view relation,
                        FunctionRef<bool(const SubjectRef&)> fn) override {
    ++lookups;
    for (const Rel& r : rels) {
      if (r.type == type && r.id == id && r.relation == relation &&
          !fn({r.subject_type, r.subject_id, r.subject_relation}))
        break;
    }
    return Status::Ok();
  }
};

class Evaluator : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(WS_SCHEMA_PATH);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseSchema(ss.str());
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    schema_ = std::move(*parsed);
    // platform admin "root"; account a1 with admin alice, member ann; its
    // workspace w1 with viewer vic, group eng as members; environment e1.
    reader_.rels = {
        {"platform", "workspaced", "admin", "user", "root", ""},
        {"account", "a1", "platform", "platform", "workspaced", ""},
        {"account", "a1", "admin", "user", "alice", ""},
        {"account", "a1", "member", "user", "ann", ""},
        {"workspace", "w1", "account", "account", "a1", ""},
        {"workspace", "w1", "viewer", "user", "vic", ""},
        {"workspace", "w1", "member", "group", "eng", "member"},
        {"group", "eng", "member", "user", "bob", ""},
        {"group", "eng", "member", "group", "sre", "member"},
        {"group", "sre", "member", "user", "sam", ""},
        {"environment", "e1", "workspace", "workspace", "w1", ""},
        {"workspace", "w2", "account", "account", "a2", ""},
    };
  }

  bool Can(const std::string& user, const std::string& perm, const std::string& type,
           const std::string& id, std::vector<std::string> groups = {}) {
    const Caller caller{user, &groups};
    const auto r = Evaluate(schema_, reader_, type, id, perm, caller);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && *r;
  }

  Schema schema_;
  VectorReader reader_;
};

TEST_F(Evaluator, DirectRolesAndTheirImplications) {
  EXPECT_TRUE(Can("vic", "read", "workspace", "w1"));
  EXPECT_FALSE(Can("vic", "write", "workspace", "w1"));
  EXPECT_FALSE(Can("vic", "administer", "workspace", "w1"));
  EXPECT_FALSE(Can("nobody", "read", "workspace", "w1"));
}

TEST_F(Evaluator, ArrowsReachTheAccountAndThePlatform) {
  EXPECT_TRUE(Can("alice", "administer", "workspace", "w1"));  // account admin
  EXPECT_TRUE(Can("ann", "read", "workspace", "w1"));          // account member
  EXPECT_FALSE(Can("ann", "write", "workspace", "w1"));
  EXPECT_TRUE(Can("root", "administer", "account", "a1"));  // platform admin
  EXPECT_TRUE(Can("root", "administer", "workspace", "w1"));
  EXPECT_FALSE(Can("alice", "read", "workspace", "w2"));  // another account
  EXPECT_TRUE(Can("alice", "administer", "environment", "e1"));
  EXPECT_TRUE(Can("vic", "read", "environment", "e1"));
  EXPECT_FALSE(Can("vic", "write", "environment", "e1"));
}

TEST_F(Evaluator, NestedGroupsAndTokenGroups) {
  EXPECT_TRUE(Can("bob", "write", "workspace", "w1"));  // eng member
  EXPECT_TRUE(Can("sam", "write", "workspace", "w1"));  // sre ⊂ eng
  EXPECT_FALSE(Can("sam", "administer", "workspace", "w1"));
  // No stored membership, but the token says "eng", or a group nested in it.
  EXPECT_TRUE(Can("tom", "write", "workspace", "w1", {"eng"}));
  EXPECT_TRUE(Can("tom", "write", "workspace", "w1", {"ops", "sre"}));
  EXPECT_FALSE(Can("tom", "write", "workspace", "w1", {"Eng"}));  // exact names
}

TEST_F(Evaluator, CyclesEndWithNo) {
  reader_.rels.push_back({"group", "sre", "member", "group", "eng", "member"});  // eng ⊂ sre ⊂ eng
  EXPECT_FALSE(Can("stranger", "read", "workspace", "w1"));
  EXPECT_TRUE(Can("sam", "read", "workspace", "w1"));
}

TEST_F(Evaluator, UnknownNamesAreErrorsNotDenials) {
  const std::vector<std::string> none;
  const Caller caller{"alice", &none};
  EXPECT_EQ(Evaluate(schema_, reader_, "workspace", "w1", "delete", caller).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Evaluate(schema_, reader_, "spaceship", "x", "read", caller).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace workspaced::authz
