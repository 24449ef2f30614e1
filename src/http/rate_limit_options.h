// What the rate limiter (http/rate_limit.h) enforces: plain values, the
// `rate_limits` section of the configuration (docs/rate-limits.md). Kept
// apart from the limiter so that the configuration includes only this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace workspaced::http {

// A token bucket per key: `quota` requests at once, refilled at quota per
// window (so, sustained, quota / window_seconds per second). Advertised as
// the IETF draft's quota policy `q=quota;w=window_seconds`. quota 0: no limit.
struct Budget {
  std::int64_t quota = 0;
  std::int64_t window_seconds = 1;
};

struct RateLimitOptions {
  // Off: no request budget and no per-address connection cap (client
  // addresses are still resolved through trusted proxies).
  bool enabled = true;
  // Every request from one client address except the operator endpoints,
  // checked on the I/O thread before a worker is involved.
  Budget address{10'000, 1};
  // Requests to authenticated routes without a valid credential (missing,
  // malformed or rejected bearer token), per client address.
  Budget unauthenticated{300, 60};
  // Authenticated GET and HEAD requests, per principal.
  Budget reads{5'000, 1};
  // Authenticated requests of other methods, per principal.
  Budget writes{1'000, 10};
  // Buckets kept per budget; beyond it the least recently used is dropped.
  std::size_t max_keys = 10'000;
  // Open connections from one address (never from a trusted proxy); the next
  // is closed at accept. 0: no cap.
  std::size_t max_connections_per_address = 2'000;
  // Addresses and CIDR ranges ("10.0.0.0/8", "2001:db8::/32") whose
  // `client_address_header` is believed; from any other peer it is ignored.
  std::vector<std::string> trusted_proxies;
  // X-Forwarded-For style (a list of addresses, the client's first) or
  // RFC 7239 `Forwarded` (its `for=` parameters).
  std::string client_address_header = "X-Forwarded-For";
};

}  // namespace workspaced::http
