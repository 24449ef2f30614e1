#include "spicedb/outbox_pruner.h"

#include <chrono>

#include "common/log.h"

namespace workspaced::spicedb {

OutboxPruner::OutboxPruner(OutboxPrunerOptions options, store::Store& store, const Clock& clock)
    : options_(options), store_(store), clock_(clock) {}

OutboxPruner::~OutboxPruner() { Stop(); }

StatusOr<std::int64_t> OutboxPruner::PruneOnce() {
  const Micros older_than = clock_.Now() - options_.retention;
  std::int64_t total = 0;
  while (true) {
    int deleted = 0;
    WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(deleted, tx.PruneRelationshipChanges(older_than, options_.delivered_only,
                                                               options_.batch));
      return Status::Ok();
    }));
    total += deleted;
    if (deleted < options_.batch) return total;
  }
}

void OutboxPruner::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxPruner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxPruner::Loop() {
  // The first pass one interval after start: start-up does no maintenance.
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, std::chrono::microseconds(options_.interval),
                         [&] { return stopping_; }))
        return;
    }
    const StatusOr<std::int64_t> pruned = PruneOnce();
    if (!pruned.ok()) {
      log::Warn("outbox pruning failed; retrying at the next pass",
                {{"error", pruned.status().message()}});
    } else if (*pruned > 0) {
      log::Info("outbox pruned", {{"changes", *pruned}});
    }
  }
}

}  // namespace workspaced::spicedb
