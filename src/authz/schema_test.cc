#include "authz/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace workspaced::authz {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Schema, TheRepositorySchemaParsesWithEveryType) {
  const std::string text = ReadFile(WS_SCHEMA_PATH);
  ASSERT_FALSE(text.empty());
  const auto schema = ParseSchema(text);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  for (const char* type : {"user", "group", "platform", "account", "workspace", "environment"})
    EXPECT_NE(schema->Find(type), nullptr) << type;
  const Definition& ws = *schema->Find("workspace");
  ASSERT_TRUE(ws.permissions.count("administer"));
  const auto& terms = ws.permissions.at("administer").terms;
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].name, "admin");
  EXPECT_FALSE(terms[0].is_arrow());
  EXPECT_EQ(terms[1].name, "account");
  EXPECT_EQ(terms[1].target, "administer");
  const auto& admin = ws.relations.at("admin").subjects;
  ASSERT_EQ(admin.size(), 2u);
  EXPECT_EQ(admin[1].type, "group");
  EXPECT_EQ(admin[1].relation, "member");
}

struct Refusal {
  const char* schema;
  const char* message;  // part of the error
};

class SchemaRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(SchemaRefuses, WhatTheCheckerCannotEvaluate) {
  const auto schema = ParseSchema(GetParam().schema);
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), Code::kInvalidArgument);
  EXPECT_NE(schema.status().message().find(GetParam().message), std::string::npos)
      << schema.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SchemaRefuses,
    ::testing::Values(
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n relation b: user\n "
                "permission p = a & b\n}",
                "line 5: intersection (&) is not supported"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n relation b: user\n "
                "permission p = a - b\n}",
                "exclusion (-)"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user:*\n}", "wildcards"},
        Refusal{"caveat c(x int) { x > 1 }", "caveats are not supported"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user with c\n}", "'with'"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n permission p = (a)\n}",
                "line 4: parentheses are not supported"},
        Refusal{"definition d {\n relation a: nobody\n}", "unknown type 'nobody'"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n permission p = b\n}",
                "unknown 'b'"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n permission p = "
                "a->nothing\n}",
                "no type of a has 'nothing'"},
        Refusal{"definition user {}\ndefinition d {\n relation a: user\n relation a: user\n}",
                "defined twice"},
        Refusal{"definition user {}\ndefinition user {}", "defined twice"},
        Refusal{"definition user {}\n/* open", "unclosed comment"},
        Refusal{"definition g {\n relation m: g#nope\n}", "g#nope, which does not exist"}));

}  // namespace
}  // namespace workspaced::authz
