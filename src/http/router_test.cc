#include "http/router.h"

#include <gtest/gtest.h>

namespace workspaced::http {
namespace {

Router<int> MakeRouter() {
  Router<int> r;
  r.Add(Method::kGet, "/v1/workspaces", 1);
  r.Add(Method::kPost, "/v1/workspaces", 2);
  r.Add(Method::kGet, "/v1/workspaces/{workspace_id}", 3);
  r.Add(Method::kGet, "/v1/workspaces/by-account/{account_id}", 4);
  r.Add(Method::kGet, "/v1/workspaces/{workspace_id}/environments", 5);
  return r;
}

TEST(Router, MatchesLiteralAndParameterRoutes) {
  auto r = MakeRouter();
  auto m = r.Find(Method::kGet, "/v1/workspaces");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, 1);
  m = r.Find(Method::kGet, "/v1/workspaces/abc");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, 3);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "workspace_id");
  EXPECT_EQ(m.params[0].second, "abc");
}

TEST(Router, LiteralSegmentBeatsParameter) {
  auto r = MakeRouter();
  auto m = r.Find(Method::kGet, "/v1/workspaces/by-account/environments");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, 4);
  EXPECT_EQ(m.params[0].second, "environments");
  m = r.Find(Method::kGet, "/v1/workspaces/w1/environments");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, 5);
}

TEST(Router, ReportsAllowedMethodsFor405) {
  auto r = MakeRouter();
  auto m = r.Find(Method::kDelete, "/v1/workspaces");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, POST");
  m = r.Find(Method::kGet, "/v1/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "");
}

TEST(Router, DecodesParametersAndRejectsEncodedSlash) {
  auto r = MakeRouter();
  auto m = r.Find(Method::kGet, "/v1/workspaces/a%40b.c");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[0].second, "a@b.c");
  // An encoded '/' stays inside its parameter; a literal one is a segment.
  const auto slash = r.Find(Method::kGet, "/v1/workspaces/a%2Fb");
  ASSERT_NE(slash.route, nullptr);
  EXPECT_EQ(slash.params[0].second, "a/b");
  EXPECT_EQ(r.Find(Method::kGet, "/v1/workspaces/%zz").route, nullptr);
  EXPECT_EQ(r.Find(Method::kGet, "/v1/workspaces/").route, nullptr);
  EXPECT_EQ(r.Find(Method::kGet, "/v1/workspaces/a/b").route, nullptr);
}

}  // namespace
}  // namespace workspaced::http
