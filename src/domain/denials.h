// Refused requests in the audit log, at a cost no client can raise at will,
// and without telling the client anything by how long its answer took.
//
//   chained  a refusal of an authenticated caller on an object that exists —
//            a 403, or a 404 for want of `read` — is an `authz.denied` event
//            in the object's chain (a workspace's own; an account's goes to
//            the service-wide one): the caller is known and the object real,
//            so it is kept like every other event, hash-chained.
//   counted  a refusal that no one can be held to account for — no valid
//            token (401), or an object that does not exist — is counted in
//            memory per key (window, source address, subject, status,
//            reason, route template: model::DenialCount), and every
//            `flush_interval` the counts are added to their rows of
//            audit_denials in one transaction (and at the pass that found
//            the objects of queued refusals missing: see below). A flood
//            therefore costs one small write per interval, however many
//            requests it sends, and no string the client chose is stored
//            unbounded.
//
// After the answer: Record never reads or writes the store, nor wakes a
// thread. A refusal that names an object is queued, whether the object
// exists or not, and the loop's thread — every `chain_interval`, not woken
// by the refusal, so that its write does not run beside the answer —
// decides which it is and chains it in a later transaction (at most
// kChainBatch refusals per transaction, in arrival order). So a refusal on
// a real object and one on a made-up id cost the request the same, and the
// refusal is on the record shortly after its answer (within about
// chain_interval) rather than before it. A refusal found to be on an object
// that does not exist (or a purged workspace, whose chain is sealed) is
// counted instead, and the counts are written at once: a pass that takes
// refusals commits a write whatever they turn out to be, so that later
// requests (which find the database changed, and catch up with it) cannot
// tell either.
//
// Bounds: every stored string is escaped and cut (BoundedText, common/text.h:
// user agent 256 bytes, reason 128, route 256, subject 256, source 64; the
// path of a chained event 1024), and a queued refusal holds only what those
// need (about 3 KB at most). At most `max_queued` refusals wait to be
// chained (the queue and the batch being written): a refusal that finds it
// full is counted instead of chained, counted in chain_dropped(), and logged
// once until the queue has drained. Per window a process writes at most
// `keys_per_window` count keys; refusals of any further key are counted in
// one of three overflow rows per window (source, subject, reason and route
// "*", one per status). A caller's refusals of one object are chained at
// most `chains_per_key` times per window (per process; the rest are
// counted): refusing costs its chain a bounded number of events however
// often a caller tries. At most `max_pending` keys wait for a flush (more
// are dropped, and counted in dropped()). Rows older than `retention` are
// pruned. A failed write (database down, disk full) keeps its refusals and
// counts for the next pass. Stop chains and writes what is left; a crash
// loses what was queued (at most max_queued refusals and one interval of
// counts).
//
// Failpoint (tests; saga/failpoints.h): denials_chain — delay(MS) holds each
// chaining transaction MS ms before it starts; error / error(N) makes the
// first N of them fail as an unavailable database would.
//
// Thread-safety: Record and the counters from any thread, never waiting for
// the store; Start/Stop as a BackgroundLoop (Stop chains and flushes what is
// left). Flush is for tests and Stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/background_loop.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

struct DenialOptions {
  Micros window = 300'000'000;        // 5 minutes per row
  Micros flush_interval = 1'000'000;  // one write per second at most
  Micros retention = Micros{30} * 86'400'000'000;
  Micros prune_interval = 3'600'000'000;
  std::size_t keys_per_window = 200;  // distinct keys per window and process
  std::size_t max_pending = 10'000;   // keys waiting for a flush
  std::size_t max_queued = 4'096;     // refusals waiting to be chained
  // Refusals of one caller on one object chained per window (and process);
  // the caller's further refusals of it are counted. So anyone who can name
  // an object (a slug is guessable) cannot grow its chain at will.
  int chains_per_key = 20;
  Micros chain_interval = 100'000;    // how often the queue is drained
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
  std::string_view object_id;    // may be empty: no such object (counted)
  std::string_view permission;
};

class Denials {
 public:
  static constexpr std::size_t kChainBatch = 256;

  Denials(DenialOptions options, store::Store& store, const Clock& clock, Random& random,
          const saga::Failpoints& failpoints);
  ~Denials();  // Stop()

  // Queues or counts the refusal (see above), in memory only. Never fails.
  void Record(const Denied& denied);

  void Start();  // chains every chain_interval; flushes counts every flush_interval
  void Stop();   // after the current pass, chains and flushes the rest; idempotent
  // Chains every queued refusal (or counts it), then adds the pending counts
  // to audit_denials (one transaction). On failure what was not written
  // stays queued or pending; the first failure is returned.
  Status Flush();

  // For metrics: refusals counted (not chained) and count keys dropped since
  // start, count keys waiting for a flush, refusals waiting to be chained,
  // and refusals counted instead of chained because the queue was full.
  std::int64_t counted() const { return counted_.load(std::memory_order_relaxed); }
  // Every refusal Record took, chained or counted (which one says whether
  // its object exists: not for public metrics).
  std::int64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
  std::int64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::int64_t pending() const;
  std::int64_t queued() const;
  std::int64_t chain_dropped() const { return chain_dropped_.load(std::memory_order_relaxed); }

 private:
  // A refusal waiting to be chained: an owned copy of a Denied, each string
  // cut to what its bounded form needs.
  struct Queued {
    Micros at = 0;
    Actor actor;
    int status = 0;
    std::string method, path, route, reason, object_type, object_id, permission;
    Denied view() const;
  };

  void Count(const Denied& denied, Micros at);
  void Enqueue(const Denied& denied);
  // Chains (or counts) the queue, batch by batch, until it is empty, a
  // transaction fails or `max_batches` have been written; adds to `counted`
  // the refusals it counted.
  Status DrainQueue(int max_batches, std::size_t& counted);
  // One transaction: each refusal whose object exists is appended to its
  // chain; the others are counted once it has committed.
  Status ChainBatch(const std::vector<Queued>& batch, std::size_t& counted);
  Status FlushCounts();
  // Adds `c` to the pending count of its key, or drops it when max_pending
  // keys already wait. Call with mu_ held.
  void AddPending(model::DenialCount c);
  Micros Tick();
  void FlushAndPrune(Micros now);  // the loop's thread only

  const DenialOptions options_;
  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  const saga::Failpoints& failpoints_;

  mutable std::mutex mu_;                                        // the counts
  Micros window_start_ = -1;                                     // guarded by mu_
  std::unordered_set<std::string> window_keys_;                  // guarded by mu_
  std::unordered_map<std::string, model::DenialCount> pending_;  // guarded by mu_

  mutable std::mutex queue_mu_;  // the refusals to chain
  std::deque<Queued> queue_;     // guarded by queue_mu_
  // Taken from queue_ and not yet written (they count against max_queued).
  std::size_t in_flight_ = 0;  // guarded by queue_mu_
  // Refusals were turned away since the queue last drained.
  bool full_ = false;    // guarded by queue_mu_
  std::mutex drain_mu_;  // one drainer at a time (the loop, or Flush/Stop)

  std::atomic<std::int64_t> counted_{0};
  std::atomic<std::int64_t> recorded_{0};
  std::atomic<std::int64_t> dropped_{0};
  std::atomic<std::int64_t> chain_dropped_{0};
  int chain_attempts_ = 0;      // chaining transactions tried; guarded by drain_mu_
  // Refusals chained this window per caller and object (chains_per_key);
  // at most kMaxChainKeys keys, a refusal of a further one is counted.
  static constexpr std::size_t kMaxChainKeys = 100'000;
  Micros chain_window_ = -1;                             // guarded by drain_mu_
  std::unordered_map<std::string, int> chained_per_key_;  // guarded by drain_mu_
  Micros next_flush_ = 0;       // the loop's thread only
  Micros next_prune_ = 0;       // the loop's thread only
  bool failing_ = false;        // the loop's thread only: the last flush failed
  bool chain_failing_ = false;  // guarded by drain_mu_: the last chaining failed

  BackgroundLoop loop_;  // last: stops before what its ticks use
};

}  // namespace workspaced::domain
