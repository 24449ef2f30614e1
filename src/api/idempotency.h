// Idempotency-Key for POST endpoints (docs/provisioning.md): per caller, kept
// 24 hours.
//
//   same key, same request   → the first response, replayed
//                              (Idempotent-Replayed: true)
//   same key, other request  → 422
//   same key while the first request is still being processed → 409 with
//     Retry-After at once (nothing waits for the first request)
//   key longer than 255 characters, or not printable ASCII → 400
//
// The request fingerprint is SHA-256 over method, path and the body: a
// JSON body in canonical form (members sorted, no insignificant
// whitespace), so the same request written differently replays; a key
// reserved by the byte fingerprint of earlier releases still replays for
// the same bytes. Two Idempotency-Key headers → 400. Only successful (2xx) responses are kept: after an error the key is
// released and a retry runs again (when the database is away at that moment,
// the process's next reservation releases it). A reservation whose request
// died with its process is given up after kAbandonAfter.
//
// Usage: the endpoint runs its mutation in `execute`, and inside that same
// write transaction calls `Idempotency::Complete` so that the stored response
// commits atomically with the change it describes.
#pragma once

#include <string>

#include "api/handler.h"
#include "app/app.h"
#include "common/function_ref.h"
#include "store/store.h"

namespace workspaced::api {

inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;
inline constexpr Micros kIdempotencyTtl = 24LL * 3600 * 1'000'000;
inline constexpr Micros kAbandonAfter = 60LL * 1'000'000;

// The response an endpoint gives, as stored for replay.
struct IdempotentResponse {
  int status = 0;
  std::string body;  // application/json
  std::string location;
  // The workspace the answer is about, when there is one: the answer is
  // kept with it, and removed by its purge (docs/lifecycle.md).
  std::string workspace_id;
};

// The keyed digest (hex) of a request's fingerprint message, for an
// endpoint whose body holds what a plain hash would give away to a guess
// (the vault's values): the stored fingerprint is then this, not SHA-256.
using KeyedDigest = FunctionRef<StatusOr<std::string>(std::string_view message)>;

class Idempotency {
 public:
  // Inside the endpoint's write transaction: records `response` for the key
  // (no-op without a key). Call at most once, with the final response.
  Status Complete(store::Tx& tx, const IdempotentResponse& response) const;

  bool has_key() const { return !key_.empty(); }

 private:
  friend Status RunIdempotent(app::App&, RequestContext&, http::Response&,
                              FunctionRef<StatusOr<IdempotentResponse>(const Idempotency&)>,
                              const KeyedDigest*);
  app::App* app_ = nullptr;
  std::string subject_;
  std::string key_;
  std::string hash_;
  Micros created_at_ = 0;
};

// Runs `execute` at most once per (caller, Idempotency-Key) and writes its
// response (or the replayed one) to `out`. Without the header, just runs it.
// `keyed`, when given, makes the fingerprint (above).
Status RunIdempotent(app::App& app, RequestContext& ctx, http::Response& out,
                     FunctionRef<StatusOr<IdempotentResponse>(const Idempotency&)> execute,
                     const KeyedDigest* keyed = nullptr);

}  // namespace workspaced::api
