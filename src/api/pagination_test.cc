#include "api/pagination.h"

#include <gtest/gtest.h>

#include "common/base64url.h"

namespace workspaced::api {
namespace {

constexpr char kId[] = "01900000-0000-7000-8000-000000000001";
constexpr char kList[] = "by-account:0190c5a2-1111-7000-8000-000000000001";

http::Request WithQuery(std::string_view q) {
  http::Request r;
  r.query = q;
  return r;
}

const CursorCodec& Codec() {
  static const CursorCodec codec(std::string(64, 'k'));
  return codec;
}

StatusOr<store::Page> Parse(std::string_view query, std::string_view list = kList) {
  return ParsePage(WithQuery(query), Codec(), list, 100, 1000);
}

std::string Detail(const StatusOr<store::Page>& p) { return p.ok() ? "" : p.status().message(); }

std::string Position(const StatusOr<std::string>& p) { return p.ok() ? *p : "error"; }

TEST(Pagination, DefaultsAndLimits) {
  auto p = Parse("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 100);
  EXPECT_TRUE(p->after.empty());
  EXPECT_EQ(Parse("limit=1000")->limit, 1000);
  for (const char* bad : {"limit=1001", "limit=0", "limit=-1", "limit=", "limit=1e3", "limit=05",
                          "limit=+5", "limit= 5", "limit=5&limit=6", "x=1"}) {
    EXPECT_EQ(Parse(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(Pagination, CursorRoundTripsWithinItsList) {
  const std::string cursor = Codec().Encode(kList, kId);
  auto p = Parse("cursor=" + cursor);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->after, kId);
  // Another codec with the same key (another replica) reads it as well.
  const CursorCodec replica(std::string(64, 'k'));
  EXPECT_EQ(Position(replica.Decode(kList, cursor)), kId);
  EXPECT_LE(cursor.size(), CursorCodec::kMaxCursorChars);
}

TEST(Pagination, ClientsCannotReadTheCursorsPosition) {
  const std::string cursor = Codec().Encode(kList, kId);
  const auto raw = Base64UrlDecode(cursor);
  ASSERT_TRUE(raw);
  // The id is there (the cursor is signed, not encrypted) but no longer
  // makes a cursor by itself: the old "c1:<id>" form is refused.
  EXPECT_NE(Detail(Parse("cursor=" + Base64UrlEncode(std::string("c1:") + kId))), "");
}

TEST(Pagination, ForgedAlteredTruncatedAndForeignCursorsAreRefusedPrecisely) {
  const std::string cursor = Codec().Encode(kList, kId);
  // Forged: made by whoever does not hold the key.
  const CursorCodec forger(std::string(64, 'x'));
  EXPECT_NE(Detail(Parse("cursor=" + forger.Encode(kList, kId))).find("altered"),
            std::string::npos);
  // Altered: one position byte changed (the MAC no longer matches).
  auto raw = *Base64UrlDecode(cursor);
  raw[10] ^= 1;
  EXPECT_NE(Detail(Parse("cursor=" + Base64UrlEncode(raw))).find("altered"), std::string::npos);
  // Truncated: at every length.
  for (std::size_t n = 0; n < cursor.size(); ++n) {
    const std::string detail = Detail(Parse("cursor=" + cursor.substr(0, n)));
    EXPECT_TRUE(detail.find("malformed") != std::string::npos ||
                detail.find("truncated") != std::string::npos)
        << n << ": " << detail;
  }
  // Another list's cursor: another account's, or another endpoint's.
  for (const char* other : {"by-account:0190c5a2-2222-7000-8000-000000000002", "workspaces:alice",
                            "audit:0190c5a2-1111-7000-8000-000000000001"}) {
    EXPECT_NE(Detail(Parse("cursor=" + cursor, other)).find("another list"), std::string::npos)
        << other;
  }
  // Too long: refused before it is decoded.
  EXPECT_NE(Detail(Parse("cursor=" + std::string(CursorCodec::kMaxCursorChars + 1, 'A')))
                .find("too long"),
            std::string::npos);
  // Not base64url, or empty.
  for (const char* bad : {"cursor=abc", "cursor=", "cursor=%2F%2F%2F%2F", "cursor=not-a-cursor"}) {
    EXPECT_NE(Detail(Parse(bad)).find("malformed"), std::string::npos) << bad;
  }
}

TEST(Pagination, LinkHeaderCarriesLimitAndASignedCursor) {
  http::Response r;
  SetNextLink(r, "/v1/workspaces", 3, Codec(), kList, kId);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Link");
  const std::string& link = r.headers[0].second;
  EXPECT_EQ(link.rfind("</v1/workspaces?limit=3&cursor=", 0), 0u);
  EXPECT_NE(link.find(">; rel=\"next\""), std::string::npos);
  const std::size_t at = link.find("cursor=") + 7;
  const std::string cursor = link.substr(at, link.find('>') - at);
  EXPECT_EQ(Position(Codec().Decode(kList, cursor)), kId);
}

TEST(Pagination, OnlyTheNamedParametersMayRepeat) {
  const auto parse = [](std::string_view query,
                        std::initializer_list<std::string_view> repeatable) {
    return ParsePage(WithQuery(query), Codec(), kList, 100, 1000, {"label"}, repeatable);
  };
  EXPECT_TRUE(parse("label=a:1&label=b:2", {"label"}).ok());
  EXPECT_FALSE(parse("label=a:1&label=b:2", {}).ok());
  EXPECT_FALSE(parse("limit=1&limit=2", {"label"}).ok());
}

// A parameter's name is echoed escaped and bounded: a client's 3,000-byte
// name, or one holding a bidi override, came back whole and raw (outside
// audit).
TEST(Pagination, AnUnknownParameterIsNamedEscapedAndBounded) {
  const std::string detail = Detail(Parse("%E2%80%AEx" + std::string(3000, 'n') + "=1"));
  EXPECT_EQ(detail.rfind("unknown query parameter '\\u202ex", 0), 0u) << detail;
  EXPECT_LT(detail.size(), 120u) << detail;
  EXPECT_EQ(detail.find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_EQ(Detail(Parse("sort=1")), "unknown query parameter 'sort'");
}

TEST(Pagination, TheLinkRepeatsTheQueryItIsGiven) {
  http::Response r;
  SetNextLink(r, "/v1/workspaces", 3, Codec(), kList, kId, "&status=active");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_NE(r.headers[0].second.find("&status=active>; rel=\"next\""), std::string::npos)
      << r.headers[0].second;
}

}  // namespace
}  // namespace workspaced::api
