#include "api/quotas_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace workspaced::api {
namespace {

const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1"};

StatusOr<model::AccountQuotas> Parse(std::string_view body) {
  return ParseQuotasBody(body, kRegions);
}

std::vector<std::string> Fields(const Status& s) {
  std::vector<std::string> out;
  for (const auto& f : s.field_errors()) out.push_back(f.field);
  return out;
}

TEST(QuotasBody, NullOrAbsentIsUnlimited) {
  const auto q = Parse(R"({"workspaces":10,"members_per_workspace":null})");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->workspaces, 10);
  EXPECT_FALSE(q->members_per_workspace.has_value());
  EXPECT_FALSE(q->regions.has_value());
  const auto regions = Parse(R"({"regions":["us-east-1"]})");
  ASSERT_TRUE(regions.ok());
  EXPECT_EQ(regions->regions, (std::vector<std::string>{"us-east-1"}));
  const auto none = Parse(R"({"regions":[]})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->regions.has_value() && none->regions->empty());
  const auto secrets = Parse(R"({"secrets_per_workspace":0})");
  ASSERT_TRUE(secrets.ok());
  EXPECT_EQ(secrets->secrets_per_workspace, 0);
  EXPECT_FALSE(q->secrets_per_workspace.has_value());
  EXPECT_EQ(Fields(Parse(R"({"secrets_per_workspace":-1})").status()),
            (std::vector<std::string>{"secrets_per_workspace"}));
  const auto vault = Parse(R"({"vault_records_per_workspace":1000})");
  ASSERT_TRUE(vault.ok());
  EXPECT_EQ(vault->vault_records_per_workspace, 1000);
  EXPECT_FALSE(q->vault_records_per_workspace.has_value());
  EXPECT_EQ(Fields(Parse(R"({"vault_records_per_workspace":10000001})").status()),
            (std::vector<std::string>{"vault_records_per_workspace"}));
}

TEST(QuotasBody, EveryMistypedOrUnknownFieldIsNamed) {
  const auto bad =
      Parse(R"({"workspaces":"10","members_per_workspace":1.5,"regions":["a",2],"disk_gb":5})");
  ASSERT_EQ(bad.status().code(), Code::kUnprocessable);
  EXPECT_EQ(
      Fields(bad.status()),
      (std::vector<std::string>{"disk_gb", "workspaces", "members_per_workspace", "regions[1]"}));
  // The domain's bounds are reported with the types.
  const auto bounds = Parse(R"({"workspaces":-1,"regions":["us-east-1","mars-1"],"x":1})");
  EXPECT_EQ(Fields(bounds.status()), (std::vector<std::string>{"x", "workspaces", "regions[1]"}));
  EXPECT_EQ(Parse(R"({"regions":"us-east-1"})").status().code(), Code::kUnprocessable);
  EXPECT_EQ(Parse("[]").status().code(), Code::kUnprocessable);
  EXPECT_EQ(Parse("{").status().code(), Code::kInvalidArgument);
  // Too large for any bound: refused, not wrapped around.
  const auto huge = Parse(R"({"workspaces":18446744073709551615})");
  EXPECT_EQ(Fields(huge.status()), (std::vector<std::string>{"workspaces"}));
}

TEST(QuotasBody, UsageShowsEachLimitWithWhatItIsComparedWith) {
  domain::QuotaUsage u;
  u.limits.account_id = "acct";
  u.limits.workspaces = 10;
  u.workspaces = 3;
  u.largest_membership = 7;
  u.limits.secrets_per_workspace = 100;
  u.largest_secrets = 12;
  u.limits.vault_records_per_workspace = 1000;
  u.largest_vault_records = 40;
  u.regions = {"us-east-1"};
  EXPECT_EQ(boost::json::parse(QuotaUsageJson(u)),
            boost::json::parse(R"({"account_id":"acct","workspaces":{"allowed":10,"current":3},
              "members_per_workspace":{"allowed":null,"current":7},
              "secrets_per_workspace":{"allowed":100,"current":12},
              "vault_records_per_workspace":{"allowed":1000,"current":40},
              "regions":{"allowed":null,"current":["us-east-1"]},
              "updated_at":null,"updated_by":null})"));
  u.limits.regions = std::vector<std::string>{};
  u.limits.updated_at = 1'700'000'000'000'000;
  u.limits.updated_by = "admin";
  const auto o = boost::json::parse(QuotaUsageJson(u)).as_object();
  EXPECT_EQ(o.at("regions").at("allowed"), boost::json::array{});
  EXPECT_EQ(o.at("updated_at").as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(o.at("updated_by").as_string(), "admin");
}

}  // namespace
}  // namespace workspaced::api
