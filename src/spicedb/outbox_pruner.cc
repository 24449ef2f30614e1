#include "spicedb/outbox_pruner.h"

#include "common/log.h"

namespace workspaced::spicedb {

OutboxPruner::OutboxPruner(OutboxPrunerOptions options, store::Store& store, const Clock& clock)
    : options_(options), store_(store), clock_(clock), loop_(clock, [this] { return Tick(); }) {}

OutboxPruner::~OutboxPruner() { Stop(); }

StatusOr<std::int64_t> OutboxPruner::PruneOnce() {
  const Micros older_than = clock_.Now() - options_.retention;
  std::int64_t total = 0;
  while (true) {
    int deleted = 0;
    // Row-locked: it deletes only committed rows below the newest and moves
    // two meta rows forward, so under SSI its range read of the outbox only
    // made the creates appending to it fail (docs/postgresql.md).
    WS_RETURN_IF_ERROR(store_.WriteRowLocked([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(deleted, tx.PruneRelationshipChanges(older_than, options_.delivered_only,
                                                               options_.batch));
      return Status::Ok();
    }));
    total += deleted;
    if (deleted < options_.batch) return total;
  }
}

// The first pass one interval after start: start-up does no maintenance.
void OutboxPruner::Start() { loop_.Start(/*first_delay=*/options_.interval); }

void OutboxPruner::Stop() { loop_.Stop(); }

Micros OutboxPruner::Tick() {
  const StatusOr<std::int64_t> pruned = PruneOnce();
  if (!pruned.ok()) {
    log::Warn("outbox pruning failed; retrying at the next pass",
              {{"error", pruned.status().message()}});
  } else if (*pruned > 0) {
    log::Info("outbox pruned", {{"changes", *pruned}});
  }
  return clock_.Now() + options_.interval;
}

}  // namespace workspaced::spicedb
