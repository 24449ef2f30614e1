// ws_bench_rate_limit: what the rate limiter costs a request, in ns (Google
// Benchmark). A GET pays what the transport and the dispatcher call: the
// client address (ClientAddress), the address budget on the I/O thread
// (Admit) and the caller's reads budget once the token is verified
// (AdmitCaller). The baseline, in the same run, is the same calls on a
// limiter switched off (`rate_limits.enabled: false`: what the read path paid
// before limits, calls included). Budgets are too large to refuse anything:
// this is the cost on the path every request takes.
//
//   BM_GetUnlimited                 the baseline
//   BM_Get/keys:1                   one client, one caller (the benchmark's case)
//   BM_Get/keys:10000               10,000 clients and callers in turn (the table full, no
//   eviction) BM_Get/keys:100000              100,000 in turn: every check evicts (an attacker
//   rotating keys) BM_GetBehindTrustedProxy        X-Forwarded-For resolved from a trusted peer
//   .../threads:2                   two I/O threads at once
//
// bench/suites/rate_limit.sh runs it and emits the figures.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "http/metrics.h"
#include "http/rate_limit.h"

namespace ws = workspaced;
namespace http = workspaced::http;

namespace {

constexpr std::int64_t kNeverRefuses = 1'000'000'000;

struct Fixture {
  explicit Fixture(bool enabled, std::vector<std::string> trusted = {}) {
    http::RateLimitOptions o;
    o.enabled = enabled;
    o.address = o.reads = o.writes = o.unauthenticated = {kNeverRefuses, 1};
    o.trusted_proxies = std::move(trusted);
    limiter = std::move(http::RateLimiter::Create(o, clock, metrics)).value();
  }
  ws::SystemClock clock;
  http::Metrics metrics;
  std::unique_ptr<http::RateLimiter> limiter;
};

// Distinct client addresses and principals, built before timing.
struct Keys {
  explicit Keys(int n) {
    for (int i = 0; i < n; ++i) {
      addresses.push_back("10." + std::to_string(i / 65536 % 256) + "." +
                          std::to_string(i / 256 % 256) + "." + std::to_string(i % 256));
      principals.push_back("https://idp.example.com/|user-" + std::to_string(i));
    }
  }
  std::vector<std::string> addresses, principals;
};

http::Request GetRequest() {
  http::Request r;
  r.method = http::Method::kGet;
  r.path = "/v1/workspaces/01900000-0000-7000-8000-000000000001";
  r.request_id = "req_bench";
  return r;
}

// What one GET costs the limiter: the transport's two calls, then the
// dispatcher's.
bool OneGet(http::RateLimiter& limiter, http::Request& request, std::string_view peer,
            std::string_view principal, std::string& client, http::Response& out) {
  request.remote_ip = limiter.ClientAddress(peer, request, client);
  return limiter.Admit(request, out) && limiter.AdmitCaller(request, principal, out);
}

void Run(benchmark::State& state, Fixture& f, const Keys& keys, http::Request request,
         std::string_view peer_override = {}) {
  std::string client;
  http::Response out;
  const std::size_t n = keys.addresses.size();
  // Each thread starts at its own place in the keys.
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919 % n;
  for (auto _ : state) {
    const std::string_view peer = peer_override.empty() ? keys.addresses[i] : peer_override;
    if (!OneGet(*f.limiter, request, peer, keys.principals[i], client, out))
      state.SkipWithError("refused");
    if (++i == n) i = 0;
  }
}

void BM_GetUnlimited(benchmark::State& state) {
  static Fixture f(false);
  static const Keys keys(1);
  Run(state, f, keys, GetRequest());
}

void BM_Get(benchmark::State& state) {
  // One limiter per key count, kept across threads and repetitions.
  static Fixture one(true), ten_thousand(true), hundred_thousand(true);
  const int n = static_cast<int>(state.range(0));
  Fixture& f = n == 1 ? one : n == 10'000 ? ten_thousand : hundred_thousand;
  static const Keys k1(1), k10k(10'000), k100k(100'000);
  const Keys& keys = n == 1 ? k1 : n == 10'000 ? k10k : k100k;
  Run(state, f, keys, GetRequest());
}

void BM_GetBehindTrustedProxy(benchmark::State& state) {
  static Fixture f(true, {"10.0.0.0/8"});
  static const Keys keys(1);
  http::Request request = GetRequest();
  request.headers = {{"X-Forwarded-For", "198.51.100.7, 10.0.0.9"}};
  Run(state, f, keys, request, "10.1.2.3");
}

}  // namespace

BENCHMARK(BM_GetUnlimited)->Threads(1)->Threads(2);
BENCHMARK(BM_Get)->ArgName("keys")->Arg(1)->Arg(10'000)->Arg(100'000)->Threads(1)->Threads(2);
BENCHMARK(BM_GetBehindTrustedProxy)->Threads(1);

BENCHMARK_MAIN();
