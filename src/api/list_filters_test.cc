#include "api/list_filters.h"

#include <gtest/gtest.h>

namespace workspaced::api {
namespace {

const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1"};

StatusOr<store::WorkspaceFilter> Parse(std::string_view query) {
  http::Request r;
  r.query = query;
  return ParseWorkspaceFilter(r, kRegions);
}

TEST(ListFilters, NoQueryIsNoFilter) {
  const auto f = Parse("");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->empty());
  EXPECT_EQ(WorkspaceFilterQuery(*f), "");
  EXPECT_TRUE(Parse("limit=5")->empty());
  // A filter's name percent-encoded is the same filter.
  EXPECT_EQ(Parse("st%61tus=frozen")->status, model::WorkspaceStatus::kFrozen);
}

TEST(ListFilters, EveryFilterIsReadAndRepeatedInTheNextLink) {
  const auto f = Parse(
      "status=frozen&region=eu-west-1&label=team:data&label=tier%3Agold%20%26%20silver"
      "&name_prefix=Prod%C3%BB%2B");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->status, model::WorkspaceStatus::kFrozen);
  EXPECT_EQ(f->region, "eu-west-1");
  EXPECT_EQ(f->labels,
            (std::map<std::string, std::string>{{"team", "data"}, {"tier", "gold & silver"}}));
  EXPECT_EQ(f->name_prefix, "Prod\xc3\xbb+");
  const std::string query = WorkspaceFilterQuery(*f);
  EXPECT_EQ(query,
            "&status=frozen&region=eu-west-1&label=team%3Adata&label=tier%3Agold%20%26%20silver"
            "&name_prefix=Prod%C3%BB%2B");
  // What the Link says parses back to the same filter.
  const auto again = Parse(query.substr(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels, f->labels);
  EXPECT_EQ(again->name_prefix, f->name_prefix);
}

TEST(ListFilters, ABadValueIsA400NamingItsParameter) {
  for (const auto& [query, param] : std::vector<std::pair<std::string, std::string>>{
           {"status=purged", "status"},
           {"status=", "status"},
           {"region=mars-1", "region"},
           {"label=team", "label"},
           {"label=:x", "label"},
           {"label=bad%20key:x", "label"},
           {"label=team:a&label=team:b", "label"},
           {"label=k:" + std::string(256, 'v'), "label"},
           {"label=k:%01", "label"},
           {"name_prefix=", "name_prefix"},
           {"name_prefix=" + std::string(201, 'n'), "name_prefix"},
           {"name_prefix=%E2%80%AE", "name_prefix"},
       }) {
    const auto f = Parse(query);
    ASSERT_EQ(f.status().code(), Code::kInvalidArgument) << query;
    EXPECT_NE(f.status().message().find("'" + param + "'"), std::string::npos)
        << query << ": " << f.status().message();
  }
  std::string many;
  for (std::size_t i = 0; i <= kMaxLabelFilters; ++i) many += "&label=k" + std::to_string(i) + ":v";
  EXPECT_EQ(Parse(many.substr(1)).status().code(), Code::kInvalidArgument);
  // The same pair twice is the same filter.
  EXPECT_EQ(Parse("label=a:1&label=a:1")->labels.size(), 1u);
}

TEST(ListFilters, OnlyLabelMayRepeatAndOtherParametersStayRefused) {
  const CursorCodec cursors(std::string(32, 'k'));
  const auto parse = [&](std::string_view query) {
    http::Request r;
    r.query = query;
    return ParseFilteredPage(r, cursors, "by-account:a", kRegions, 100, 1000);
  };
  const auto ok = parse("label=a:1&label=b:2&status=active&limit=5");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->page.limit, 5);
  EXPECT_EQ(ok->query, "&status=active&label=a%3A1&label=b%3A2");
  for (const char* bad : {"status=active&status=frozen", "name_prefix=a&name_prefix=b", "sort=id"})
    EXPECT_EQ(parse(bad).status().code(), Code::kInvalidArgument) << bad;
}

TEST(ListFilters, ACursorPagesOnlyTheFiltersThatGaveIt) {
  const CursorCodec cursors(std::string(32, 'k'));
  const std::string id = "01900000-0000-7000-8000-000000000001";
  const auto parse = [&](const std::string& query) {
    http::Request r;
    r.query = query;
    return ParseFilteredPage(r, cursors, "by-account:a", kRegions, 100, 1000);
  };
  const auto filtered = parse("label=b:2&status=active&label=a:1");
  ASSERT_TRUE(filtered.ok());
  const std::string cursor = cursors.Encode(filtered->list, id);
  // The same filters, in any order: the same list.
  const auto same = parse("status=active&label=a:1&label=b:2&cursor=" + cursor);
  ASSERT_TRUE(same.ok()) << same.status().message();
  EXPECT_EQ(same->page.after, id);
  // Other filters, or none: another list.
  for (const std::string& other : {std::string("status=active"), std::string("status=frozen&label=a:1&label=b:2"),
                                   std::string("")}) {
    const auto refused = parse(other + "&cursor=" + cursor);
    ASSERT_EQ(refused.status().code(), Code::kInvalidArgument) << other;
    EXPECT_NE(refused.status().message().find("another list"), std::string::npos);
  }
  // Unfiltered, the list is the scope itself: cursors of the unfiltered list stay valid.
  const auto plain = parse("cursor=" + cursors.Encode("by-account:a", id));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->list, "by-account:a");
}

}  // namespace
}  // namespace workspaced::api
