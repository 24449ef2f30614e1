// The outbox relay: delivers relationship changes (the relationship_outbox
// log, written in the same transactions as the data) to SpiceDB, in commit
// order, as TOUCH/DELETE batches of at most `batch`, and records the ZedToken
// each write returns (meta key `spicedb_zedtoken`).
//
// One relay at a time across every process on the database: it holds the
// lease `spicedb_relay` (store.h AcquireLease), renewed at every pass; when
// its holder dies another takes over once the lease expires. A pass whose
// lease was lost meanwhile records nothing (the new holder delivers the same
// changes again: TOUCH and DELETE are idempotent). Delivery is at least once.
// While SpiceDB is unreachable the changes stay in the outbox and the relay
// retries with capped exponential backoff; it writes the schema to SpiceDB
// each time it takes the lease, before any relationship. Changes pruned from
// the outbox before anyone delivered them (Tx::PruneRelationshipChanges on a
// replica without SpiceDB) cannot be replayed: the relay then reconciles
// SpiceDB with the database (reconcile.h) before it delivers again.
//
// The loop waits (poll, backoff) through `clock`, so a test drives it with
// a ManualClock.
//
// Thread-safety: Start/Stop from any thread (common/background_loop.h);
// DeliverOnce is not for concurrent use with a running loop (tests call it
// directly).
#pragma once

#include <string>
#include <vector>

#include "common/background_loop.h"
#include "common/clock.h"
#include "spicedb/client.h"
#include "store/store.h"

namespace workspaced::spicedb {

struct RelayOptions {
  std::string owner;  // unique per process
  int batch = 1000;
  Micros lease = 10'000'000;
  Micros poll = 200'000;  // how often an idle relay looks again
  Micros backoff_initial = 200'000;
  Micros backoff_max = 30'000'000;
  // The schema's definitions: what a reconcile compares (reconcile.h).
  std::vector<std::string> types;
};

inline constexpr char kRelayLease[] = "spicedb_relay";
inline constexpr char kZedTokenKey[] = "spicedb_zedtoken";
// The highest undelivered outbox seq whose pruning a reconcile has made up for.
inline constexpr char kReconciledThroughKey[] = "spicedb_reconciled_through";

class Relay {
 public:
  Relay(RelayOptions options, store::Store& store, Client& client, const Clock& clock,
        std::string schema);
  ~Relay();

  // The loop: a pass at once, then one every `poll` (at once while a full
  // batch went out), or after a backoff when a pass failed.
  void Start();
  void Stop();  // after the current pass; idempotent

  // One pass: takes or renews the lease, writes the schema when the lease
  // was (re)taken, delivers at most one batch. How many changes it
  // delivered; 0 when there were none or another relay holds the lease.
  StatusOr<int> DeliverOnce();

 private:
  Micros Tick();  // one pass of the loop; when the next is due
  Status CatchUpPrunedChanges(std::int64_t fence);

  const RelayOptions options_;
  store::Store& store_;
  Client& client_;
  const Clock& clock_;
  const std::string schema_;
  std::int64_t schema_fence_ = 0;  // the fence the schema was written under
  Micros backoff_;                 // the loop's next wait after a failed pass
  BackgroundLoop loop_;            // last: stops before what its ticks use
};

}  // namespace workspaced::spicedb
