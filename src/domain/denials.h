// Refused requests in the audit log, at a cost no client can raise at will.
//
//   chained  a refusal of an authenticated caller on an object that exists —
//            a 403, or a 404 for want of `read` — is an `authz.denied` event,
//            written at once in a transaction of its own, in the object's
//            chain (a workspace's own; an account's goes to the service-wide
//            one): the caller is known and the object real, so it is kept
//            like every other event, hash-chained.
//   counted  a refusal that no one can be held to account for — no valid
//            token (401), or an object that does not exist — is counted in
//            memory per key (window, source address, subject, status,
//            reason, route template: model::DenialCount), and every
//            `flush_interval` the counts are added to their rows of
//            audit_denials in one transaction. A flood therefore costs one
//            small write per interval, however many requests it sends, and
//            no string the client chose is stored unbounded.
//
// Bounds: every stored string is escaped and cut (BoundedText, common/text.h:
// user agent 256 bytes, reason 128, route 256, subject 256, source 64; the
// path of a chained event 1024). Per window a process writes at most
// `keys_per_window` keys; refusals of any further key are counted in one of
// three overflow rows per window (source, subject, reason and route "*",
// one per status). At most `max_pending` keys wait for a flush (more are
// dropped, and counted in dropped()). Rows older than `retention` are
// pruned. So a window costs at most keys_per_window + 3 rows per process,
// whatever is sent. A failed flush (database down, disk full) keeps its
// counts for the next one.
//
// Thread-safety: Record and the counters from any thread; Start/Stop as a
// BackgroundLoop (Stop flushes what is left). Flush is for tests and Stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/background_loop.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

struct DenialOptions {
  Micros window = 300'000'000;        // 5 minutes per row
  Micros flush_interval = 1'000'000;  // one write per second at most
  Micros retention = Micros{30} * 86'400'000'000;
  Micros prune_interval = 3'600'000'000;
  std::size_t keys_per_window = 200;  // distinct keys per window and process
  std::size_t max_pending = 10'000;   // keys waiting for a flush
};

// One refused request, as the API saw it.
struct Denied {
  Actor actor;  // subject empty: no valid token
  int status = 0;
  std::string_view method;
  std::string_view path;    // raw; chained events keep it bounded
  std::string_view route;   // the route template that matched
  std::string_view reason;  // what the client was told
  // The object refused (authz denials); empty for a 401.
  std::string_view object_type;  // account or workspace
  std::string_view object_id;
  std::string_view permission;
};

class Denials {
 public:
  Denials(DenialOptions options, store::Store& store, const Clock& clock, Random& random);
  ~Denials();  // Stop()

  // Chains or counts the refusal (see above). Never fails: what cannot be
  // recorded is logged.
  void Record(const Denied& denied);

  void Start();  // flushes every flush_interval
  void Stop();   // after the current flush, and flushes the rest; idempotent
  // Adds the pending counts to audit_denials (one transaction); on failure
  // they stay pending.
  Status Flush();

  // For metrics: refusals counted (not chained) and dropped since start,
  // and keys waiting for a flush.
  std::int64_t counted() const { return counted_.load(std::memory_order_relaxed); }
  std::int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::int64_t pending() const;

 private:
  void Count(const Denied& denied);
  void Chain(const Denied& denied);
  // Adds `c` to the pending count of its key, or drops it when max_pending
  // keys already wait. Call with mu_ held.
  void AddPending(model::DenialCount c);
  Micros Tick();

  const DenialOptions options_;
  store::Store& store_;
  const Clock& clock_;
  Random& random_;

  mutable std::mutex mu_;
  Micros window_start_ = -1;                                     // guarded by mu_
  std::unordered_set<std::string> window_keys_;                  // guarded by mu_
  std::unordered_map<std::string, model::DenialCount> pending_;  // guarded by mu_
  std::atomic<std::int64_t> counted_{0};
  std::atomic<std::int64_t> dropped_{0};
  Micros next_prune_ = 0;  // the loop's thread only
  bool failing_ = false;   // the loop's thread only: the last flush failed

  BackgroundLoop loop_;  // last: stops before what its ticks use
};

}  // namespace workspaced::domain
