// Keeps the relationship outbox bounded. Every change stays in the outbox
// until it is delivered to SpiceDB and `retention` old (so that an index or
// relay behind by less than that still replays it); then it is deleted, in
// batches, oldest first (Tx::PruneRelationshipChanges). Without SpiceDB
// configured nothing is ever delivered, and changes go once they are
// `retention` old: if SpiceDB is configured later, its relay reconciles
// rather than replays (relay.h).
//
// `clock` must be the wall clock in production: the outbox dates its
// changes by it.
//
// Any number of processes may prune the same database at once: a delete is
// idempotent, each batch is its own transaction.
//
// The first pass comes one interval after Start (start-up does no
// maintenance: its memory would stay in the idle process).
//
// Thread-safety: Start/Stop from any thread (common/background_loop.h);
// PruneOnce is not for concurrent use with a running loop (tests call it
// directly).
#pragma once

#include "common/background_loop.h"
#include "common/clock.h"
#include "store/store.h"

namespace workspaced::spicedb {

struct OutboxPrunerOptions {
  Micros retention = Micros{168} * 3'600'000'000;  // a week
  Micros interval = 60'000'000;                    // between passes
  bool delivered_only = true;                      // false: no SpiceDB configured
  int batch = 1'000;                               // changes per transaction
};

class OutboxPruner {
 public:
  OutboxPruner(OutboxPrunerOptions options, store::Store& store, const Clock& clock);
  ~OutboxPruner();

  // A pass every `interval`, the first one interval after Start (waiting
  // through `clock`).
  void Start();
  void Stop();  // after the current pass; idempotent

  // One pass: batches until nothing more is old enough. How many changes
  // were deleted.
  StatusOr<std::int64_t> PruneOnce();

 private:
  Micros Tick();  // one pass of the loop; when the next is due

  const OutboxPrunerOptions options_;
  store::Store& store_;
  const Clock& clock_;
  BackgroundLoop loop_;  // last: stops before what its ticks use
};

}  // namespace workspaced::spicedb
