// The limiter's budgets, its 429 and the connection cap, on a clock moved by
// hand.
#include "http/rate_limit.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace workspaced::http {
namespace {

constexpr Micros kSecond = 1'000'000;

class RateLimiterTest : public ::testing::Test {
 protected:
  std::unique_ptr<RateLimiter> Make(RateLimitOptions options) {
    auto made = RateLimiter::Create(options, clock_, metrics_);
    EXPECT_TRUE(made.ok()) << made.status().message();
    return std::move(made).value();
  }
  static Request Get(std::string_view path, std::string_view from = "192.0.2.1") {
    Request r;
    r.method = Method::kGet;
    r.path = path;
    r.remote_ip = from;
    r.request_id = "req_1";
    return r;
  }
  std::string Metric(std::string_view series) const {
    const std::string text = metrics_.Render();
    const auto at = text.find(std::string(series) + " ");
    if (at == std::string::npos) return "absent";
    const auto start = at + series.size() + 1;
    return text.substr(start, text.find('\n', start) - start);
  }

  ManualClock clock_;
  Metrics metrics_;
};

TEST_F(RateLimiterTest, ARefusalIs429WithRetryAfterAndTheDraftsHeaders) {
  RateLimitOptions o;
  o.address = {.quota = 2, .window_seconds = 10};
  auto limiter = Make(o);
  Response out;
  ASSERT_TRUE(limiter->Admit(Get("/v1/workspaces"), out));
  ASSERT_TRUE(limiter->Admit(Get("/v1/workspaces"), out));
  ASSERT_FALSE(limiter->Admit(Get("/v1/workspaces"), out));
  EXPECT_EQ(out.status, 429);
  EXPECT_EQ(out.content_type, "application/problem+json");
  auto find = [&](std::string_view name) {
    for (const auto& [n, v] : out.headers)
      if (n == name) return v;
    return std::string("absent");
  };
  EXPECT_EQ(find("Retry-After"), "5");  // one token per 5 s
  EXPECT_EQ(find("RateLimit-Policy"), R"("address";q=2;w=10)");
  EXPECT_EQ(find("RateLimit"), R"("address";r=0;t=5)");
  const auto body = boost::json::parse(out.body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), 429);
  EXPECT_EQ(body.at("type").as_string(), "urn:workspaced:problem:too-many-requests");
  EXPECT_EQ(body.at("instance").as_string(), "req_1");
  EXPECT_EQ(body.at("violated-policies").as_array(), boost::json::array{"address"});
  EXPECT_EQ(Metric(R"(workspaced_rate_limited_total{budget="address"})"), "1");
  EXPECT_EQ(Metric(R"(workspaced_rate_limited_total{budget="reads"})"), "0");
}

TEST_F(RateLimiterTest, RetryAfterIsWholeSecondsRoundedUp) {
  RateLimitOptions o;
  o.address = {.quota = 3, .window_seconds = 1};
  auto limiter = Make(o);
  Response out;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter->Admit(Get("/x"), out));
  ASSERT_FALSE(limiter->Admit(Get("/x"), out));
  EXPECT_EQ(out.headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));
  clock_.Advance(kSecond / 3 + 1);
  EXPECT_TRUE(limiter->Admit(Get("/x"), out));
}

TEST_F(RateLimiterTest, OperatorEndpointsAreExemptFromTheAddressBudget) {
  RateLimitOptions o;
  o.address = {.quota = 1, .window_seconds = 60};
  auto limiter = Make(o);
  Response out;
  ASSERT_TRUE(limiter->Admit(Get("/v1/workspaces"), out));
  ASSERT_FALSE(limiter->Admit(Get("/v1/workspaces"), out));
  for (const char* path : {"/healthz", "/readyz", "/metrics"})
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter->Admit(Get(path), out)) << path;
}

TEST_F(RateLimiterTest, ReadsAndWritesHaveSeparateBudgetsPerPrincipal) {
  RateLimitOptions o;
  o.reads = {.quota = 3, .window_seconds = 60};
  o.writes = {.quota = 1, .window_seconds = 60};
  auto limiter = Make(o);
  Response out;
  Request put = Get("/v1/x");
  put.method = Method::kPut;
  ASSERT_TRUE(limiter->AdmitCaller(put, "alice", out));
  ASSERT_FALSE(limiter->AdmitCaller(put, "alice", out));
  EXPECT_EQ(boost::json::parse(out.body).at("violated-policies").as_array(),
            boost::json::array{"writes"});
  // Reads still go through, and another principal writes.
  EXPECT_TRUE(limiter->AdmitCaller(Get("/v1/x"), "alice", out));
  EXPECT_TRUE(limiter->AdmitCaller(put, "bob", out));
  Request head = Get("/v1/x");
  head.method = Method::kHead;
  EXPECT_TRUE(limiter->AdmitCaller(head, "alice", out));
  EXPECT_TRUE(limiter->AdmitCaller(Get("/v1/x"), "alice", out));
  EXPECT_FALSE(limiter->AdmitCaller(Get("/v1/x"), "alice", out));  // HEAD counted as a read
  EXPECT_EQ(Metric(R"(workspaced_rate_limited_total{budget="writes"})"), "1");
  EXPECT_EQ(Metric(R"(workspaced_rate_limited_total{budget="reads"})"), "1");
}

TEST_F(RateLimiterTest, UnauthenticatedRequestsAreCountedPerAddress) {
  RateLimitOptions o;
  o.unauthenticated = {.quota = 2, .window_seconds = 60};
  auto limiter = Make(o);
  Response out;
  ASSERT_TRUE(limiter->AdmitUnauthenticated(Get("/v1/x", "192.0.2.1"), out));
  ASSERT_TRUE(limiter->AdmitUnauthenticated(Get("/v1/x", "192.0.2.1"), out));
  EXPECT_FALSE(limiter->AdmitUnauthenticated(Get("/v1/x", "192.0.2.1"), out));
  EXPECT_TRUE(limiter->AdmitUnauthenticated(Get("/v1/x", "192.0.2.2"), out));
  // One IPv6 subscriber is one key, whichever of its addresses it uses.
  ASSERT_TRUE(limiter->AdmitUnauthenticated(Get("/v1/x", "2001:db8::1"), out));
  ASSERT_TRUE(limiter->AdmitUnauthenticated(Get("/v1/x", "2001:db8::2"), out));
  EXPECT_FALSE(limiter->AdmitUnauthenticated(Get("/v1/x", "2001:db8::3"), out));
}

TEST_F(RateLimiterTest, AQuotaOfZeroOrTheOffSwitchLimitsNothing) {
  RateLimitOptions o;
  o.address = {.quota = 0};
  o.reads = {.quota = 1, .window_seconds = 60};
  auto limiter = Make(o);
  Response out;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter->Admit(Get("/x"), out));
  o.enabled = false;
  o.max_connections_per_address = 1;
  auto off = Make(o);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(off->AdmitCaller(Get("/x"), "alice", out));
    ASSERT_TRUE(off->AdmitUnauthenticated(Get("/x"), out));
    ASSERT_TRUE(off->OpenConnection("192.0.2.1"));
  }
}

TEST_F(RateLimiterTest, ConnectionsPerAddressAreCappedAndReleased) {
  RateLimitOptions o;
  o.max_connections_per_address = 2;
  o.trusted_proxies = {"10.0.0.1"};
  auto limiter = Make(o);
  ASSERT_TRUE(limiter->OpenConnection("192.0.2.1"));
  ASSERT_TRUE(limiter->OpenConnection("192.0.2.1"));
  EXPECT_FALSE(limiter->OpenConnection("192.0.2.1"));
  EXPECT_TRUE(limiter->OpenConnection("192.0.2.2"));
  limiter->CloseConnection("192.0.2.1");
  EXPECT_TRUE(limiter->OpenConnection("192.0.2.1"));
  EXPECT_FALSE(limiter->OpenConnection("192.0.2.1"));
  // A trusted proxy carries many clients: never capped.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter->OpenConnection("10.0.0.1"));
  EXPECT_EQ(Metric(R"(workspaced_connections_refused_total{limit="per_address"})"), "2");
}

TEST_F(RateLimiterTest, ABadTrustedProxyIsRefusedAtCreation) {
  RateLimitOptions o;
  o.trusted_proxies = {"10.0.0.0/40"};
  auto made = RateLimiter::Create(o, clock_, metrics_);
  EXPECT_EQ(made.status().code(), Code::kInvalidArgument);
}

TEST_F(RateLimiterTest, TheClientAddressComesFromTrustedProxiesOnly) {
  RateLimitOptions o;
  o.trusted_proxies = {"10.0.0.0/8"};
  auto limiter = Make(o);
  Request r = Get("/x");
  r.headers = {{"X-Forwarded-For", "198.51.100.4"}};
  std::string storage;
  EXPECT_EQ(limiter->ClientAddress("10.1.2.3", r, storage), "198.51.100.4");
  EXPECT_EQ(limiter->ClientAddress("203.0.113.1", r, storage), "203.0.113.1");
}

}  // namespace
}  // namespace workspaced::http
