// Rate limits over real HTTP (docs/rate-limits.md): a spent budget answers
// 429 problem+json with Retry-After and the IETF draft's RateLimit-Policy and
// RateLimit fields, and recovers once the window allows; writes, principals
// and unauthenticated callers have budgets of their own; a forwarding header
// counts only from a trusted proxy; one address holds at most so many
// connections; refusals are counted in /metrics. Budgets are tiny here so
// that a burst is refused whatever the machine's speed; no timing is
// asserted.
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<ServerProcess> StartWith(const std::string& rate_limits) {
  ServerProcess::Options options;
  options.config_json = R"({"access_log": false, "rate_limits": )" + rate_limits + "}";
  return ServerProcess::Start(std::move(options));
}

// Sends `request` until it is refused (at most `tries` times); returns the
// refusal and how many were let through before it. A budget of q lets at
// least q through: the bucket starts full.
struct Burst {
  HttpResponse refused;
  int allowed = 0;
};
template <typename Send>
Burst SendUntilRefused(Send send, int tries = 200) {
  Burst b;
  for (int i = 0; i < tries; ++i) {
    HttpResponse r = send();
    if (r.status == 429) {
      b.refused = std::move(r);
      return b;
    }
    ++b.allowed;
  }
  ADD_FAILURE() << "never refused after " << tries << " requests";
  return b;
}

// The value of one series on /metrics ("absent" when it is not there).
std::string Metric(HttpClient& c, const std::string& series) {
  const std::string text = c.Get("/metrics").body;
  const auto at = text.find(series + " ");
  if (at == std::string::npos) return "absent";
  const auto start = at + series.size() + 1;
  return text.substr(start, text.find('\n', start) - start);
}
std::string Metric(const ServerProcess& server, const std::string& series) {
  HttpClient c(server.port());
  return Metric(c, series);
}

void ExpectRefusal(const HttpResponse& r, const std::string& policy, const std::string& q,
                   const std::string& w) {
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  const std::string after = r.Header("Retry-After");
  ASSERT_FALSE(after.empty());
  EXPECT_GE(std::stoi(after), 1);
  EXPECT_EQ(r.Header("RateLimit-Policy"), "\"" + policy + "\";q=" + q + ";w=" + w);
  EXPECT_EQ(r.Header("RateLimit"), "\"" + policy + "\";r=0;t=" + after);
  const auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:workspaced:problem:too-many-requests");
  EXPECT_EQ(body.at("status").as_int64(), 429);
  EXPECT_EQ(body.at("instance").as_string(), r.Header("X-Request-Id"));
  EXPECT_EQ(body.at("violated-policies").as_array(), boost::json::array{policy.c_str()});
}

TEST(RateLimits, ABurstWithoutCredentialsIsRefusedThenServedAfterRetryAfter) {
  auto server = StartWith(R"({"unauthenticated": {"quota": 3, "window_seconds": 1}})");
  HttpClient c(server->port());
  const Burst burst = SendUntilRefused([&] { return c.Get("/v1/workspaces"); });
  EXPECT_GE(burst.allowed, 3);
  ExpectRefusal(burst.refused, "unauthenticated", "3", "1");
  EXPECT_EQ(burst.refused.Header("WWW-Authenticate"), "");
  EXPECT_EQ(Metric(*server, R"(workspaced_rate_limited_total{budget="unauthenticated"})"), "1");
  // After Retry-After the budget has refilled: an answer again (the 401).
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(burst.refused.Header("Retry-After"))));
  const HttpResponse again = c.Get("/v1/workspaces");
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.Header("WWW-Authenticate"), "Bearer realm=\"workspaced\"");
}

TEST(RateLimits, RejectedTokensSpendTheUnauthenticatedBudgetValidOnesDoNot) {
  auto server = StartWith(R"({"unauthenticated": {"quota": 2, "window_seconds": 3600}})");
  HttpClient c(server->port());
  const Burst burst = SendUntilRefused([&] { return c.Get("/v1/workspaces", "not.a.token"); });
  EXPECT_GE(burst.allowed, 2);
  ExpectRefusal(burst.refused, "unauthenticated", "2", "3600");
  // A caller with a valid token from the same address is served.
  EXPECT_EQ(c.Get("/v1/workspaces", server->Token("admin")).status, 200);
}

TEST(RateLimits, WritesHaveTheirOwnBudgetReadsGoOn) {
  auto server = StartWith(R"({"writes": {"quota": 2, "window_seconds": 3600}})");
  const std::string token = server->Token("admin");
  const Headers auth{{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  HttpClient c(server->port());
  // A write to a workspace that does not exist: refused (404) by the
  // handler, yet a write spent from the budget before it ran.
  const Burst burst = SendUntilRefused([&] {
    return c.Send("PATCH", "/v1/workspaces/00000000-0000-7000-8000-000000000000/status", auth,
                  R"({"status":"frozen","reason":"x"})");
  });
  EXPECT_GE(burst.allowed, 2);
  ExpectRefusal(burst.refused, "writes", "2", "3600");
  EXPECT_EQ(burst.refused.Header("Cache-Control"), "no-store");
  EXPECT_EQ(c.Get("/v1/workspaces", token).status, 200);
  EXPECT_EQ(c.Send("HEAD", "/v1/workspaces", auth).status, 200);
  EXPECT_EQ(Metric(*server, R"(workspaced_rate_limited_total{budget="writes"})"), "1");
  EXPECT_EQ(Metric(*server, R"(workspaced_rate_limited_total{budget="reads"})"), "0");
}

TEST(RateLimits, TwoPrincipalsFromOneAddressHaveSeparateBudgets) {
  auto server = StartWith(R"({"reads": {"quota": 3, "window_seconds": 3600}})");
  const std::string alice = server->Token("alice"), bob = server->Token("bob");
  HttpClient c(server->port());
  const Burst burst = SendUntilRefused([&] { return c.Get("/v1/workspaces", alice); });
  EXPECT_GE(burst.allowed, 3);
  ExpectRefusal(burst.refused, "reads", "3", "3600");
  EXPECT_EQ(c.Get("/v1/workspaces", bob).status, 200);
  EXPECT_EQ(c.Get("/v1/workspaces", alice).status, 429);
}

TEST(RateLimits, TheAddressBudgetCoversEveryRequestButTheOperatorEndpoints) {
  auto server = StartWith(R"({"address": {"quota": 5, "window_seconds": 3600}})");
  HttpClient c(server->port());
  const std::string token = server->Token("admin");
  const Burst burst = SendUntilRefused([&] { return c.Get("/v1/workspaces", token); });
  EXPECT_GE(burst.allowed, 5);
  ExpectRefusal(burst.refused, "address", "5", "3600");
  EXPECT_EQ(c.Get("/v1/openapi.yaml").status, 429);
  EXPECT_EQ(c.Get("/no/such/path").status, 429);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(c.Get("/healthz").status, 200);
    EXPECT_EQ(c.Get("/readyz").status, 200);
  }
  EXPECT_EQ(Metric(*server, R"(workspaced_rate_limited_total{budget="address"})"), "3");
}

TEST(RateLimits, AForgedForwardedForFromAnUntrustedPeerGetsNoFreshBudget) {
  auto server = StartWith(R"({"unauthenticated": {"quota": 2, "window_seconds": 3600}})");
  HttpClient c(server->port());
  (void)SendUntilRefused([&] { return c.Get("/v1/workspaces"); });
  for (const char* forged : {"198.51.100.1", "198.51.100.2, 198.51.100.3", "10.0.0.1"}) {
    EXPECT_EQ(c.Send("GET", "/v1/workspaces", {{"X-Forwarded-For", forged}}).status, 429) << forged;
  }
}

TEST(RateLimits, ATrustedProxysForwardedForGivesEachClientItsOwnBudget) {
  auto server = StartWith(
      R"({"trusted_proxies": ["127.0.0.1"], "unauthenticated": {"quota": 2, "window_seconds": 3600}})");
  HttpClient c(server->port());
  const auto from = [&](const std::string& xff) {
    return c.Send("GET", "/v1/workspaces", {{"X-Forwarded-For", xff}});
  };
  const Burst burst = SendUntilRefused([&] { return from("198.51.100.1"); });
  EXPECT_GE(burst.allowed, 2);
  // Another client behind the proxy has its own budget.
  EXPECT_EQ(from("198.51.100.2").status, 401);
  // What the first client prepends is not believed: the proxy appended the
  // address it saw, and that one is spent.
  EXPECT_EQ(from("203.0.113.9, 198.51.100.1").status, 429);
  // The proxy's own requests are its own.
  EXPECT_EQ(c.Get("/v1/workspaces").status, 401);
}

TEST(RateLimits, OneAddressHoldsAtMostTheCappedConnections) {
  auto server = StartWith(R"({"max_connections_per_address": 3})");
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<HttpClient>(server->port()));
    ASSERT_EQ(held.back()->Get("/healthz").status, 200);  // connected and kept alive
  }
  const std::string probe = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  // The fourth is closed at accept without a byte.
  EXPECT_EQ(HttpClient::Raw(server->port(), probe, 2000), "");
  EXPECT_EQ(Metric(*held.front(), R"(workspaced_connections_refused_total{limit="per_address"})"),
            "1");
  // Once one is closed, a new connection is served.
  held.pop_back();
  std::string answer;
  for (int i = 0; i < 100 && answer.empty(); ++i) {
    answer = HttpClient::Raw(server->port(), probe, 2000);
    if (answer.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(held.front()->Get("/healthz").status, 200);
}

TEST(RateLimits, TheOffSwitchLimitsNothing) {
  auto server = StartWith(
      R"({"enabled": false, "unauthenticated": {"quota": 1, "window_seconds": 3600},
          "max_connections_per_address": 1})");
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<HttpClient>(server->port()));
  for (int i = 0; i < 10; ++i)
    for (auto& c : clients) ASSERT_EQ(c->Get("/v1/workspaces").status, 401);
}

}  // namespace
}  // namespace workspaced::testing
