// Rate limits (docs/rate-limits.md): token buckets per client address and
// per principal, a cap on connections per address, and the answer when a
// budget is spent: 429 problem+json with `violated-policies`, Retry-After,
// and the IETF draft's (draft-ietf-httpapi-ratelimit-headers) structured
// fields `RateLimit-Policy: "reads";q=5000;w=1` and
// `RateLimit: "reads";r=0;t=1`.
//
// Where each budget is checked (RateLimitOptions says what each allows):
//   address          every request but the operator endpoints (/healthz,
//                    /readyz, /metrics), on the I/O thread before a worker
//                    is involved: Admit
//   unauthenticated  an authenticated route whose credential is missing or
//                    rejected, per client address, before the 401 (and its
//                    audit row) is written: AdmitUnauthenticated
//   reads, writes    once the principal is known, per principal: AdmitCaller
//   connections      at accept, per peer address: OpenConnection and
//                    CloseConnection
// "Client address" is the request's remote_ip, which the transport resolves
// with ClientAddress (trusted proxies only, http/client_address.h).
//
// Refusals are counted in Metrics as workspaced_rate_limited_total{budget}
// and workspaced_connections_refused_total{limit="per_address"}.
//
// Thread-safety: every method may be called from any thread at once. None
// blocks for longer than one bucket update under its shard's mutex (or one
// map update for connections); none allocates for an IPv4 client whose
// bucket exists.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"
#include "http/client_address.h"
#include "http/metrics.h"
#include "http/rate_limit_options.h"
#include "http/request.h"
#include "http/response.h"
#include "http/token_buckets.h"

namespace workspaced::http {

class RateLimiter {
 public:
  // kInvalidArgument naming a trusted proxy that is not an address or range.
  // `clock` and `metrics` must outlive the limiter.
  static StatusOr<std::unique_ptr<RateLimiter>> Create(const RateLimitOptions& options,
                                                       const Clock& clock, Metrics& metrics);

  // The client address of a request from `peer` (ClientAddresses::Resolve).
  std::string_view ClientAddress(std::string_view peer, const Request& request,
                                 std::string& storage) const {
    return addresses_.Resolve(peer, request, storage);
  }

  // Each returns true when the request may go on; false after filling `out`
  // with the 429.
  bool Admit(const Request& request, Response& out);
  bool AdmitUnauthenticated(const Request& request, Response& out);
  bool AdmitCaller(const Request& request, std::string_view principal, Response& out);

  // False (and counted) when `peer` already holds the most connections one
  // address may; every true must be followed by one CloseConnection(peer).
  bool OpenConnection(std::string_view peer);
  void CloseConnection(std::string_view peer);
  // Whether `peer` is a trusted proxy (it carries many clients).
  bool IsTrustedProxy(std::string_view peer) const { return addresses_.IsTrustedProxy(peer); }

 private:
  enum Kind { kAddress, kUnauthenticated, kReads, kWrites, kKinds };
  struct Policy {
    std::string_view name;                  // in the headers, the metric's label and the problem
    std::string_view who;                   // in the problem's detail
    std::string header;                     // RateLimit-Policy value
    std::unique_ptr<TokenBuckets> buckets;  // null: no limit
    std::atomic<std::uint64_t>* refused = nullptr;
  };

  RateLimiter(const RateLimitOptions& options, ClientAddresses addresses, const Clock& clock,
              Metrics& metrics);
  bool Take(Policy& policy, std::string_view key, const Request& request, Response& out);
  bool CountsConnections(std::string_view peer) const;

  const bool enabled_;
  const std::size_t max_connections_per_address_;
  const ClientAddresses addresses_;
  const Clock& clock_;
  std::array<Policy, kKinds> policies_;
  std::atomic<std::uint64_t>* connections_refused_;

  std::mutex connections_mu_;
  std::unordered_map<std::string, std::size_t> connections_;  // GUARDED_BY(connections_mu_)
};

}  // namespace workspaced::http
