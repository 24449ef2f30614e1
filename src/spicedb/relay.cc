#include "spicedb/relay.h"

#include <algorithm>
#include <map>

#include "common/log.h"
#include "spicedb/reconcile.h"

namespace workspaced::spicedb {
namespace {

// SpiceDB refuses a write naming one relationship twice; only the last
// change of each matters, applied in the order of those last changes.
std::vector<Update> Collapse(const std::vector<store::RelationshipChange>& changes) {
  std::map<model::Relationship, std::size_t> last;
  for (std::size_t i = 0; i < changes.size(); ++i) last[changes[i].rel] = i;
  std::vector<std::size_t> keep;
  keep.reserve(last.size());
  for (const auto& [rel, i] : last) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  std::vector<Update> updates;
  updates.reserve(keep.size());
  for (const std::size_t i : keep) updates.push_back({changes[i].touch, changes[i].rel});
  return updates;
}

}  // namespace

Relay::Relay(RelayOptions options, store::Store& store, Client& client, const Clock& clock,
             std::string schema)
    : options_(std::move(options)),
      store_(store),
      client_(client),
      clock_(clock),
      schema_(std::move(schema)),
      backoff_(options_.backoff_initial),
      loop_(clock, [this] { return Tick(); }) {}

Relay::~Relay() { Stop(); }

StatusOr<int> Relay::DeliverOnce() {
  std::int64_t fence = 0;
  const Micros now = clock_.Now();
  const Status leased = store_.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(fence,
                        tx.AcquireLease(kRelayLease, options_.owner, now, now + options_.lease));
    return Status::Ok();
  });
  if (leased.code() == Code::kConflict) return 0;  // another relay delivers
  WS_RETURN_IF_ERROR(leased);
  if (fence != schema_fence_) {
    WS_RETURN_IF_ERROR(client_.WriteSchema(schema_));
    schema_fence_ = fence;
  }
  WS_RETURN_IF_ERROR(CatchUpPrunedChanges(fence));

  std::vector<store::RelationshipChange> changes;
  WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(changes, tx.ListUndeliveredChanges(options_.batch));
    return Status::Ok();
  }));
  if (changes.empty()) return 0;
  WS_ASSIGN_OR_RETURN(const std::string token, client_.Write(Collapse(changes)));
  WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.CheckLease(kRelayLease, options_.owner, fence));
    WS_RETURN_IF_ERROR(tx.MarkDelivered(changes.back().seq, clock_.Now()));
    return tx.PutMeta(kZedTokenKey, token);
  }));
  return static_cast<int>(changes.size());
}

Status Relay::CatchUpPrunedChanges(std::int64_t fence) {
  std::int64_t lost = 0;
  std::int64_t repaired = 0;
  WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(lost, tx.MetaNumber(store::kOutboxPrunedUndelivered));
    WS_ASSIGN_OR_RETURN(repaired, tx.MetaNumber(kReconciledThroughKey));
    return Status::Ok();
  }));
  if (lost <= repaired) return Status::Ok();
  log::Warn("spicedb relay: relationship changes were pruned before delivery; reconciling",
            {{"pruned_through", lost}});
  WS_ASSIGN_OR_RETURN(const ReconcileReport report, Reconcile(store_, client_, options_.types));
  log::Info("spicedb relay: reconciled",
            {{"added", static_cast<std::int64_t>(report.added.size())},
             {"removed", static_cast<std::int64_t>(report.removed.size())}});
  return store_.Write([&](store::Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.CheckLease(kRelayLease, options_.owner, fence));
    return tx.PutMeta(kReconciledThroughKey, std::to_string(lost));
  });
}

void Relay::Start() { loop_.Start(); }

void Relay::Stop() {
  loop_.Stop();
  backoff_ = options_.backoff_initial;  // a restarted loop starts afresh
}

Micros Relay::Tick() {
  const StatusOr<int> delivered = DeliverOnce();
  Micros wait = options_.poll;
  if (!delivered.ok()) {
    log::Warn("spicedb relay: delivery failed; retrying",
              {{"error", delivered.status().message()}, {"retry_in_ms", backoff_ / 1000}});
    wait = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  } else {
    backoff_ = options_.backoff_initial;
    if (*delivered == options_.batch) wait = 0;  // more may be waiting
  }
  return clock_.Now() + wait;
}

}  // namespace workspaced::spicedb
