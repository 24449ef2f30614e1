#include "api/json_views.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace workspaced::api {
namespace {

TEST(JsonViews, WorkspaceHasSeedFieldsAndEscapesText) {
  model::Workspace ws;
  ws.id = "8ca7d2a2-0000-7000-8000-000000000000";
  ws.account_id = "acc";
  ws.name = "Prod \"main\"\n";
  ws.slug = "production";
  ws.status = model::WorkspaceStatus::kActive;
  ws.region = "us-east-1";
  ws.created_at = 1777636800'000000;
  ws.labels = {{"team", "a"}};
  auto o = boost::json::parse(WorkspaceJson(ws)).as_object();
  EXPECT_EQ(o.at("name").as_string(), "Prod \"main\"\n");
  EXPECT_EQ(o.at("status").as_string(), "active");
  EXPECT_EQ(o.at("created_at").as_string(), "2026-05-01T12:00:00Z");
  EXPECT_EQ(o.at("tenancy_model").as_string(), "dedicated");
  EXPECT_TRUE(o.at("status_reason").is_null());
  EXPECT_EQ(o.at("provisioning_phase").as_string(), "created");
}

TEST(JsonViews, EtagChangesWithVersion) {
  model::Workspace a, b;
  b.version = 2;
  EXPECT_NE(WorkspaceEtag(a), WorkspaceEtag(b));
  EXPECT_EQ(WorkspaceEtag(a).front(), '"');
}

}  // namespace
}  // namespace workspaced::api
