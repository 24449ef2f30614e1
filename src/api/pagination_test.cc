#include "api/pagination.h"

#include <gtest/gtest.h>

namespace workspaced::api {
namespace {

http::Request WithQuery(std::string_view q) {
  http::Request r;
  r.query = q;
  return r;
}

TEST(Pagination, DefaultsAndLimits) {
  auto p = ParsePage(WithQuery(""), 100, 1000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 100);
  EXPECT_TRUE(p->after.empty());
  EXPECT_EQ(ParsePage(WithQuery("limit=1000"), 100, 1000)->limit, 1000);
  for (const char* bad :
       {"limit=1001", "limit=0", "limit=-1", "limit=", "limit=1e3", "limit=5&limit=6", "x=1"}) {
    EXPECT_EQ(ParsePage(WithQuery(bad), 100, 1000).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(Pagination, CursorRoundTripsAndRejectsForgeries) {
  const std::string id = "01900000-0000-7000-8000-000000000001";
  const std::string q = "cursor=" + EncodeCursor(id);
  auto p = ParsePage(WithQuery(q), 100, 1000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->after, id);
  EXPECT_FALSE(ParsePage(WithQuery("cursor=abc"), 100, 1000).ok());
  EXPECT_FALSE(ParsePage(WithQuery("cursor=" + EncodeCursor("'; DROP TABLE x")), 100, 1000).ok());
}

TEST(Pagination, LinkHeaderCarriesLimitAndCursor) {
  http::Response r;
  SetNextLink(r, "/v1/workspaces", 3, "01900000-0000-7000-8000-000000000001");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Link");
  EXPECT_EQ(r.headers[0].second.rfind("</v1/workspaces?limit=3&cursor=", 0), 0u);
  EXPECT_NE(r.headers[0].second.find(">; rel=\"next\""), std::string::npos);
}

}  // namespace
}  // namespace workspaced::api
