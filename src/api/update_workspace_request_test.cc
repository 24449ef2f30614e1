#include "api/update_workspace_request.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace workspaced::api {
namespace {

std::vector<std::string> Fields(const Status& s) {
  std::vector<std::string> out;
  for (const auto& f : s.field_errors()) out.push_back(f.field);
  return out;
}

std::string DetailOf(const Status& s, const std::string& field) {
  for (const auto& f : s.field_errors())
    if (f.field == field) return f.detail;
  return "";
}

TEST(WorkspacePatch, AnEmptyPatchChangesNothing) {
  const auto p = ParseWorkspacePatch("{}");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_FALSE(p->name || p->slug || p->runtime_generation || p->deletion_protection);
  EXPECT_FALSE(p->clear_labels);
  EXPECT_TRUE(p->labels.empty());
}

TEST(WorkspacePatch, EveryMutableField) {
  const auto p = ParseWorkspacePatch(
      R"({"name":"Renamed","slug":"renamed","labels":{"team":"core","old":null},
          "runtime":{"generation":"mk4"},"deletion_protection":true})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "Renamed");
  EXPECT_EQ(p->slug, "renamed");
  EXPECT_EQ(p->labels.at("team"), "core");
  EXPECT_EQ(p->labels.at("old"), std::nullopt) << "null removes the label";
  EXPECT_FALSE(p->clear_labels);
  EXPECT_EQ(p->runtime_generation, "mk4");
  EXPECT_EQ(p->deletion_protection, true);
}

TEST(WorkspacePatch, NullClearsWhatMayBeEmptyAndIsRefusedForTheRest) {
  const auto cleared = ParseWorkspacePatch(R"({"labels":null,"runtime":null})");
  ASSERT_TRUE(cleared.ok()) << cleared.status().message();
  EXPECT_TRUE(cleared->clear_labels);
  EXPECT_EQ(cleared->runtime_generation, "");
  EXPECT_EQ(ParseWorkspacePatch(R"({"runtime":{"generation":null}})")->runtime_generation, "");
  const auto refused =
      ParseWorkspacePatch(R"({"name":null,"slug":null,"deletion_protection":null})");
  ASSERT_EQ(refused.status().code(), Code::kUnprocessable);
  EXPECT_EQ(Fields(refused.status()),
            (std::vector<std::string>{"name", "slug", "deletion_protection"}));
  EXPECT_EQ(DetailOf(refused.status(), "name"), "cannot be removed");
}

TEST(WorkspacePatch, NamesEveryFieldThatCannotBeChangedAndEveryInvalidValue) {
  const auto p = ParseWorkspacePatch(
      R"({"id":"x","status":"active","created_at":"x","updated_by":"x","provisioning_phase":"x",
          "frozen_by":"x","account_id":"x","region":"eu-west-1","tenancy_model":"shared",
          "group_mappings":[],"version":9,"colour":"red","name":"","slug":"-bad",
          "labels":{"bad key!":"x","n":3,"ctl":"a\u0007b"},"runtime":{"gen":"x"}})");
  ASSERT_EQ(p.status().code(), Code::kUnprocessable);
  const auto fields = Fields(p.status());
  for (const char* f :
       {"id", "status", "created_at", "updated_by", "provisioning_phase", "frozen_by", "account_id",
        "region", "tenancy_model", "group_mappings", "version", "colour", "name", "slug",
        "labels.bad key!", "labels.n", "labels.ctl", "runtime.gen"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
  EXPECT_EQ(fields.size(), 18u);
  EXPECT_NE(DetailOf(p.status(), "id").find("set by the server"), std::string::npos);
  EXPECT_NE(DetailOf(p.status(), "region").find("cannot be changed"), std::string::npos);
  EXPECT_NE(DetailOf(p.status(), "group_mappings").find("group-mappings"), std::string::npos);
  EXPECT_EQ(DetailOf(p.status(), "colour"), "is not a field of a workspace");
}

TEST(WorkspacePatch, TheCreateRulesApply) {
  // The same limits as POST /v1/workspaces (domain/workspace_fields.h).
  EXPECT_FALSE(ParseWorkspacePatch(R"({"name":")" + std::string(201, 'n') + "\"}").ok());
  EXPECT_TRUE(ParseWorkspacePatch(R"({"name":")" + std::string(200, 'n') + "\"}").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"name":"a\u202eb"})").ok()) << "bidi override";
  EXPECT_FALSE(ParseWorkspacePatch(R"({"slug":"Upper"})").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"slug":"a--b"})").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"slug":")" + std::string(64, 'a') + "\"}").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"labels":{"k":")" + std::string(256, 'v') + "\"}}").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"runtime":{"generation":""}})").ok());
  EXPECT_FALSE(ParseWorkspacePatch(R"({"deletion_protection":"yes"})").ok());
  std::string many = R"({"labels":{)";
  for (int i = 0; i < 129; ++i)
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":null";
  many += "}}";
  EXPECT_EQ(Fields(ParseWorkspacePatch(many).status()), std::vector<std::string>{"labels"});
}

TEST(WorkspacePatch, MalformedJsonIs400AndNonObjectIs422) {
  EXPECT_EQ(ParseWorkspacePatch("{").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseWorkspacePatch("").status().code(), Code::kInvalidArgument);
  // A merge patch that is not an object would replace the whole workspace.
  EXPECT_EQ(ParseWorkspacePatch("null").status().code(), Code::kUnprocessable);
  EXPECT_EQ(ParseWorkspacePatch("[1]").status().code(), Code::kUnprocessable);
  std::string deep(100, '{');
  EXPECT_EQ(ParseWorkspacePatch(deep).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace workspaced::api
