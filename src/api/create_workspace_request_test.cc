#include "api/create_workspace_request.h"

#include <gtest/gtest.h>

namespace workspaced::api {
namespace {

const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1"};
constexpr char kAccount[] = "01900000-0000-7000-8000-00000000000a";

std::vector<std::string> Fields(const Status& s) {
  std::vector<std::string> out;
  for (const auto& f : s.field_errors()) out.push_back(f.field);
  return out;
}

TEST(CreateWorkspaceRequest, TheSeedExampleParses) {
  auto r = ParseCreateWorkspaceRequest(
      R"({"account_id":"01900000-0000-7000-8000-00000000000a","name":"Development","region":"us-east-1"})",
      kRegions);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->account_id, kAccount);
  EXPECT_EQ(r->name, "Development");
  EXPECT_EQ(r->region, "us-east-1");
  EXPECT_FALSE(r->slug.has_value());
  EXPECT_EQ(r->tenancy_model, model::TenancyModel::kDedicated);
}

TEST(CreateWorkspaceRequest, EveryOptionalField) {
  auto r = ParseCreateWorkspaceRequest(R"({"account_id":"01900000-0000-7000-8000-00000000000a",
      "name":"Prod","region":"eu-west-1","slug":"prod-eu","labels":{"team":"core","cost/center":"42"},
      "tenancy_model":"shared","runtime":{"generation":"mk3"},"deletion_protection":true,
      "group_mappings":[{"group_name":"Engineering","role":"admin"},{"group_name":"qa","role":"viewer"}]})",
                                       kRegions);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->slug, "prod-eu");
  EXPECT_EQ(r->labels.at("cost/center"), "42");
  EXPECT_EQ(r->tenancy_model, model::TenancyModel::kShared);
  EXPECT_EQ(r->runtime_generation, "mk3");
  EXPECT_TRUE(r->deletion_protection);
  ASSERT_EQ(r->group_mappings.size(), 2u);
  EXPECT_EQ(r->group_mappings[0].role, model::WorkspaceRole::kAdmin);
}

TEST(CreateWorkspaceRequest, ReportsEveryProblemAtOnce) {
  auto r = ParseCreateWorkspaceRequest(
      R"({"name":"","region":"mars-1","slug":"-bad","id":"x","status":"active","colour":"red",
          "frozen_by":"x","deletion_protection":"yes",
          "labels":{"ok":"1","bad key!":"x","n":3},"tenancy_model":"solo","runtime":{"gen":"x"},
          "group_mappings":[{"group_name":"a","role":"owner"},{"group_name":"b","role":"admin"},
                            {"group_name":"b","role":"viewer"},"x"]})",
      kRegions);
  ASSERT_EQ(r.status().code(), Code::kUnprocessable);
  const auto fields = Fields(r.status());
  for (const char* f :
       {"id", "status", "colour", "frozen_by", "deletion_protection", "account_id", "name",
        "region", "slug", "labels.bad key!", "labels.n", "tenancy_model", "runtime.gen",
        "group_mappings[0].role", "group_mappings[2].group_name", "group_mappings[3]"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
  for (const auto& e : r.status().field_errors()) {
    if (e.field == "region") {
      EXPECT_EQ(e.detail, "unknown region; valid regions: us-east-1, eu-west-1");
    }
    if (e.field == "id" || e.field == "frozen_by") {
      EXPECT_NE(e.detail.find("set by the server"), std::string::npos);
    }
  }
}

TEST(CreateWorkspaceRequest, WrongTypesAndLimits) {
  auto r = ParseCreateWorkspaceRequest(
      R"({"account_id":7,"name":["x"],"region":null,"labels":[],"group_mappings":{}})", kRegions);
  ASSERT_EQ(r.status().code(), Code::kUnprocessable);
  EXPECT_EQ(Fields(r.status()),
            (std::vector<std::string>{"account_id", "name", "region", "labels", "group_mappings"}));
  std::string many =
      R"({"account_id":"01900000-0000-7000-8000-00000000000a","name":"x","region":"us-east-1","labels":{)";
  for (int i = 0; i < 65; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"v\"";
  many += "}}";
  EXPECT_EQ(Fields(ParseCreateWorkspaceRequest(many, kRegions).status()),
            std::vector<std::string>{"labels"});
  EXPECT_FALSE(
      ParseCreateWorkspaceRequest(
          R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1","name":")" +
              std::string(201, 'n') + "\"}",
          kRegions)
          .ok());
}

TEST(CreateWorkspaceRequest, ABlankNameIsNamed) {
  for (const char* name : {"   ", "\\t", " \\t ", "\\u2003", "\\u3000\\u2800", "\\u200d"}) {
    const auto r = ParseCreateWorkspaceRequest(
        std::string(R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1",)") +
            R"("name":")" + name + "\"}",
        kRegions);
    ASSERT_EQ(r.status().code(), Code::kUnprocessable) << name;
    EXPECT_EQ(Fields(r.status()), std::vector<std::string>{"name"});
  }
  EXPECT_TRUE(ParseCreateWorkspaceRequest(
                  R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1",)"
                  R"("name":" Spaced Out "})",
                  kRegions)
                  .ok());
}

// A short value refused for what it holds says so, not that it is too long.
TEST(CreateWorkspaceRequest, AnInvisibleCharacterIsNamedAsSuchNotAsALength) {
  const auto r = ParseCreateWorkspaceRequest(
      R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1","name":"RT",)"
      R"("runtime":{"generation":"mk\u202e3"},"labels":{"a":"x\u2066y","b":"\u200b"}})",
      kRegions);
  ASSERT_EQ(r.status().code(), Code::kUnprocessable);
  const std::string unsafe =
      "must not contain control, bidirectional-formatting, line-separator or invisible characters";
  ASSERT_EQ(r.status().field_errors().size(), 3u);
  for (const auto& f : r.status().field_errors()) EXPECT_EQ(f.detail, unsafe) << f.field;
  const auto long_one = ParseCreateWorkspaceRequest(
      R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1","name":"RT",)"
      R"("runtime":{"generation":")" + std::string(33, 'g') + R"("}})",
      kRegions);
  ASSERT_EQ(long_one.status().field_errors().size(), 1u);
  EXPECT_EQ(long_one.status().field_errors()[0].detail, "must be 1-32 characters");
}

// A group name no token can carry would map nobody while looking like a
// real one: the claim check's rule (no white space at either end, nothing
// invisible) applies.
TEST(CreateWorkspaceRequest, AGroupNameNoTokenCanCarryIsRefused) {
  for (const char* group : {" eng", "eng ", "eng\\u00a0", "eng\\u3000", "e\\u200bng", "a|b"}) {
    const auto r = ParseCreateWorkspaceRequest(
        std::string(R"({"account_id":"01900000-0000-7000-8000-00000000000a","region":"us-east-1",)"
                    R"("name":"G","group_mappings":[{"group_name":")") +
            group + R"(","role":"viewer"}]})",
        kRegions);
    ASSERT_EQ(r.status().code(), Code::kUnprocessable) << group;
    EXPECT_EQ(Fields(r.status()), std::vector<std::string>{"group_mappings[0].group_name"});
  }
}

TEST(CreateWorkspaceRequest, MalformedJsonIs400AndNonObjectIs422) {
  EXPECT_EQ(ParseCreateWorkspaceRequest("{", kRegions).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseCreateWorkspaceRequest("", kRegions).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseCreateWorkspaceRequest("[1]", kRegions).status().code(), Code::kUnprocessable);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(ParseCreateWorkspaceRequest("{\"labels\":" + deep + "}", kRegions).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace workspaced::api
