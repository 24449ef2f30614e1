#include "http/rate_limit.h"

#include <fmt/format.h>

#include <algorithm>

#include "http/problem.h"

namespace workspaced::http {

namespace {

// The operator endpoints: probes and scrapes come from a few known places
// and must not be refused because a noisy client shares their address.
bool Exempt(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

bool IsRead(Method m) { return m == Method::kGet || m == Method::kHead; }

}  // namespace

StatusOr<std::unique_ptr<RateLimiter>> RateLimiter::Create(const RateLimitOptions& options,
                                                           const Clock& clock, Metrics& metrics) {
  std::vector<AddressRange> trusted;
  for (const std::string& text : options.trusted_proxies) {
    auto range = AddressRange::Parse(text);
    if (!range)
      return InvalidArgument("rate_limits.trusted_proxies: '" + text +
                             "' is not an IP address or CIDR range");
    trusted.push_back(*range);
  }
  return std::unique_ptr<RateLimiter>(new RateLimiter(
      options, ClientAddresses(std::move(trusted), options.client_address_header), clock, metrics));
}

RateLimiter::RateLimiter(const RateLimitOptions& options, ClientAddresses addresses,
                         const Clock& clock, Metrics& metrics)
    : enabled_(options.enabled),
      max_connections_per_address_(options.max_connections_per_address),
      addresses_(std::move(addresses)),
      clock_(clock) {
  const struct {
    Kind kind;
    std::string_view name, who;
    const Budget& budget;
  } budgets[] = {
      {kAddress, "address", "from this address", options.address},
      {kUnauthenticated, "unauthenticated", "without valid credentials from this address",
       options.unauthenticated},
      {kReads, "reads", "reading as this caller", options.reads},
      {kWrites, "writes", "writing as this caller", options.writes},
  };
  for (const auto& b : budgets) {
    Policy& p = policies_[b.kind];
    p.name = b.name;
    p.who = b.who;
    p.header = fmt::format("\"{}\";q={};w={}", b.name, b.budget.quota, b.budget.window_seconds);
    if (enabled_ && b.budget.quota > 0)
      p.buckets = std::make_unique<TokenBuckets>(b.budget, options.max_keys);
    p.refused = &metrics.Counter("workspaced_rate_limited_total",
                                 "Requests answered 429 because a rate limit budget was spent.",
                                 fmt::format("budget=\"{}\"", b.name));
  }
  connections_refused_ =
      &metrics.Counter("workspaced_connections_refused_total",
                       "Connections closed at accept, by limit.", "limit=\"per_address\"");
}

bool RateLimiter::Take(Policy& policy, std::string_view key, const Request& request,
                       Response& out) {
  const TakeResult taken = policy.buckets->TryTake(key, clock_.Now());
  if (taken.allowed) return true;
  policy.refused->fetch_add(1, std::memory_order_relaxed);
  // Whole seconds (delay-seconds), rounded up: a client that waits this long
  // finds a token.
  const std::int64_t seconds =
      std::max<std::int64_t>(1, (taken.wait_ns + 999'999'999) / 1'000'000'000);
  SetProblem(out, 429, fmt::format("too many requests {}; retry in {} s", policy.who, seconds),
             request.request_id, "violated-policies", {policy.name});
  out.SetHeader("Retry-After", std::to_string(seconds));
  out.SetHeader("RateLimit-Policy", policy.header);
  out.SetHeader("RateLimit", fmt::format("\"{}\";r=0;t={}", policy.name, seconds));
  return false;
}

bool RateLimiter::Admit(const Request& request, Response& out) {
  Policy& p = policies_[kAddress];
  if (!p.buckets || Exempt(request.path)) return true;
  std::string storage;
  return Take(p, AddressKey(request.remote_ip, storage), request, out);
}

bool RateLimiter::AdmitUnauthenticated(const Request& request, Response& out) {
  Policy& p = policies_[kUnauthenticated];
  if (!p.buckets) return true;
  std::string storage;
  return Take(p, AddressKey(request.remote_ip, storage), request, out);
}

bool RateLimiter::AdmitCaller(const Request& request, std::string_view principal, Response& out) {
  Policy& p = policies_[IsRead(request.method) ? kReads : kWrites];
  if (!p.buckets) return true;
  return Take(p, principal, request, out);
}

bool RateLimiter::CountsConnections(std::string_view peer) const {
  // A trusted proxy carries many clients' connections: never capped.
  return enabled_ && max_connections_per_address_ > 0 && !peer.empty() &&
         !addresses_.IsTrustedProxy(peer);
}

bool RateLimiter::OpenConnection(std::string_view peer) {
  if (!CountsConnections(peer)) return true;
  std::string storage;
  const std::string_view key = AddressKey(peer, storage);
  std::lock_guard lock(connections_mu_);
  auto [it, inserted] = connections_.try_emplace(std::string(key), 0);
  if (it->second >= max_connections_per_address_) {
    connections_refused_->fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  ++it->second;
  return true;
}

void RateLimiter::CloseConnection(std::string_view peer) {
  if (!CountsConnections(peer)) return;
  std::string storage;
  const std::string key(AddressKey(peer, storage));
  std::lock_guard lock(connections_mu_);
  // One entry per address with open connections: the map never holds more
  // than the server's connections.
  auto it = connections_.find(key);
  if (it != connections_.end() && --it->second == 0) connections_.erase(it);
}

}  // namespace workspaced::http
