#include "http/request.h"

#include <gtest/gtest.h>

namespace workspaced::http {
namespace {

TEST(Request, QueryParamsAreDecodedExactly) {
  // The query lives in a larger buffer, as it does in the transport: decoding
  // must not read past the parameter.
  const std::string target = "/v1/x?limit=50&cursor=a%2Bb&flag&limit=7 HTTP/1.1\r\nHost: x";
  Request r;
  r.query = std::string_view(target).substr(6, target.find(' ') - 6);
  EXPECT_EQ(r.QueryParam("limit"), "50");
  EXPECT_EQ(r.QueryParam("cursor"), "a+b");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
  EXPECT_EQ(r.QueryCount("limit"), 2);
  EXPECT_EQ(r.QueryNames(), (std::vector<std::string>{"limit", "cursor", "flag", "limit"}));
  EXPECT_EQ(r.QueryParams("limit"), (std::vector<std::string>{"50", "7"}));
  EXPECT_TRUE(r.QueryParams("missing").empty());
  r.query = "q=a+b%20c&bad=%zz&&x=";
  EXPECT_EQ(r.QueryParam("q"), "a b c");
  EXPECT_EQ(r.QueryParam("bad"), "%zz");
  EXPECT_EQ(r.QueryParam("x"), "");
}

TEST(Request, PercentEncodeKeepsOnlyUnreservedCharactersAndDecodesBack) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b&c=d+e:f/%\xc3\xbb"), "a%20b%26c%3Dd%2Be%3Af%2F%25%C3%BB");
  Request r;
  const std::string query = "x=" + PercentEncode("a b&c=d+e%");
  r.query = query;
  EXPECT_EQ(r.QueryParam("x"), "a b&c=d+e%");
}

TEST(Request, HeadersAreCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(r.HeaderValue("content-type"), "application/json");
  EXPECT_TRUE(r.HasHeader("CONTENT-TYPE"));
  EXPECT_EQ(r.HeaderValue("Accept"), "");
}

TEST(Request, DecodePathSegment) {
  EXPECT_EQ(DecodePathSegment("a%40b"), "a@b");
  EXPECT_EQ(DecodePathSegment("a%2fb"), "a/b");  // one parameter: an issuer's user id
  EXPECT_EQ(DecodePathSegment("a%00"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("a%4"), std::nullopt);
  EXPECT_EQ(DecodePathSegment("%zz"), std::nullopt);
}

// Only the values of the parameters the API defines are kept: a credential
// under any name, and a secret's value sent as `?value=` to a secrets route
// (outside audit: it was logged in clear, not being on a list of
// credential names), are not.
TEST(RedactedTarget, KeepsOnlyTheValuesOfTheParametersTheApiDefines) {
  EXPECT_EQ(RedactedTarget("/v1/workspaces"), "/v1/workspaces");
  EXPECT_EQ(RedactedTarget("/x?access_token=eyJ.a.b&limit=5"), "/x?REDACTED&limit=5");
  EXPECT_EQ(RedactedTarget("/x?limit=5&TOKEN=t&id_token=i&code=c&password=p&secret=s&key=k"),
            "/x?limit=5&REDACTED&REDACTED&REDACTED&REDACTED&REDACTED&REDACTED");
  EXPECT_EQ(RedactedTarget("/v1/workspaces/w/secrets/S?value=hunter2&sig=abc"),
            "/v1/workspaces/w/secrets/S?REDACTED&REDACTED");
  EXPECT_EQ(RedactedTarget("/x?status=active&region=eu&label=a%3Db&name_prefix=Dev&cursor=c1&"
                           "since=2026-01-01T00:00:00Z&format=csv&deep=1&force=true"),
            "/x?status=active&region=eu&label=a%3Db&name_prefix=Dev&cursor=c1&"
            "since=2026-01-01T00:00:00Z&format=csv&deep=1&force=true");
  // Names are compared decoded and exactly: an encoded name is still known,
  // one that merely resembles a known one is not.
  EXPECT_EQ(RedactedTarget("/x?limi%74=5&Limit=6&keyboard=q"), "/x?limi%74=5&REDACTED&REDACTED");
  // Names and parts without '=' go too: either can hold a secret (outside
  // audit), and a fragment is never kept.
  EXPECT_EQ(RedactedTarget("/x?token&&a=1"), "/x?REDACTED&&REDACTED");
  EXPECT_EQ(RedactedTarget("/x?value%3dS3CRET=1&deep"), "/x?REDACTED&deep");
  EXPECT_EQ(RedactedTarget("/x?limit=1#value=S3CRET"), "/x?limit=1#REDACTED");
  EXPECT_EQ(RedactedTarget("/healthz#S3CRET"), "/healthz#REDACTED");
}

// A defined parameter's part can carry another in its value, or come twice
// (outside audit: `?limit=5;token=…` was logged whole): its value goes then,
// its name stays. Every such request is refused 400.
TEST(RedactedTarget, KeepsADefinedValueOnlyWhenItIsOneValue) {
  EXPECT_EQ(RedactedTarget("/x?limit=5;token=S3CRET"), "/x?limit=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?limit=1?token=S3CRET"), "/x?limit=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?cursor=a=b&status=x/S3CRET"), "/x?cursor=REDACTED&status=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?limit=5&limit=S3CRET&limi%74=6"),
            "/x?limit=5&limit=REDACTED&limi%74=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?name_prefix=" + std::string(257, 'a')), "/x?name_prefix=REDACTED");
  const std::string cursor(1396, 'c');
  EXPECT_EQ(RedactedTarget("/x?cursor=" + cursor), "/x?cursor=" + cursor);
  EXPECT_EQ(RedactedTarget("/x?deep&deep=1"), "/x?deep&deep=REDACTED");
  // …and the same separators percent-encoded (outside audit).
  EXPECT_EQ(RedactedTarget("/x?limit=5%3Baccess_token%3DS3CRET"), "/x?limit=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?limit=5%26access_token%3DS3CRET"), "/x?limit=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?cursor=x%3Fa%3DS3CRET&status=active%2Fb"),
            "/x?cursor=REDACTED&status=REDACTED");
  EXPECT_EQ(RedactedTarget("/x?label=a:b&label=c:d"), "/x?label=a:b&label=c:d");  // repeatable
}

// CONNECT's authority form has no userinfo; one sent is not logged.
TEST(RedactedTarget, DropsUserinfoFromAnAuthorityFormTarget) {
  EXPECT_EQ(RedactedTarget("user:pw@host:443"), "REDACTED@host:443");
  EXPECT_EQ(RedactedTarget("alice:hun/ter2@proxy:443"), "REDACTED@proxy:443");
  EXPECT_EQ(RedactedTarget("alice:hun#ter2@proxy:443"), "REDACTED@proxy:443");
  EXPECT_EQ(RedactedTarget("a@b@host:443"), "REDACTED@host:443");
  EXPECT_EQ(RedactedTarget("host:443"), "host:443");
  EXPECT_EQ(RedactedTarget("*"), "*");
}

// RFC 9110 §4.2.4: userinfo in an absolute-form target is redacted in what
// is logged (the request itself is refused: CheckHeader).
TEST(RedactedTarget, HidesTheUserinfoOfAnAbsoluteFormTarget) {
  EXPECT_EQ(RedactedTarget("http://alice:hunter2@x/healthz"), "http://REDACTED@x/healthz");
  EXPECT_EQ(RedactedTarget("HTTPS://alice@x"), "HTTPS://REDACTED@x");
  EXPECT_EQ(RedactedTarget("http://a:b@x/p?token=t&limit=1"),
            "http://REDACTED@x/p?REDACTED&limit=1");
  // Where userinfo ends is unknowable when a password holds '/', '?' or
  // '#' (outside audit): all up to the last '@' goes, a query's too.
  EXPECT_EQ(RedactedTarget("http://alice:hun/ter2@x/healthz"), "http://REDACTED@x/healthz");
  EXPECT_EQ(RedactedTarget("http://alice:hun?ter2@x/healthz"), "http://REDACTED@x/healthz");
  EXPECT_EQ(RedactedTarget("http://alice:hun#ter2@x/healthz"), "http://REDACTED@x/healthz");
  EXPECT_EQ(RedactedTarget("h_t://alice:pw@x/healthz"), "h_t://REDACTED@x/healthz");
  EXPECT_EQ(RedactedTarget("http://x/p?cursor=http://a:b@y"), "http://REDACTED@y");
  EXPECT_EQ(RedactedTarget("http://x/p?limit=1"), "http://x/p?limit=1");
  EXPECT_EQ(RedactedTarget("/p@x://y"), "/p@x://y");
  EXPECT_TRUE(HasUserinfo("http://alice:hunter2@x/healthz"));
  EXPECT_TRUE(HasUserinfo("ftp://@x/"));
  EXPECT_FALSE(HasUserinfo("http://x/healthz?u=a@b"));
  EXPECT_FALSE(HasUserinfo("/v1/workspaces/a@b"));
  EXPECT_FALSE(HasUserinfo("//alice:pw@x/"));
}

}  // namespace
}  // namespace workspaced::http
