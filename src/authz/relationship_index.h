// Every relationship in memory, for checks in microseconds.
//
// Loaded from the store at start-up, then kept in step two ways:
//   - the store's commit observer (store.h) applies a committed write of this
//     process before its Write returns, when it directly follows what the
//     index holds (else the next Refresh does, in order);
//   - Refresh() replays, in commit order, the relationship changes logged in
//     the outbox since the last replay, so that writes by other processes on
//     the same database (a CLI, another replica) are seen too. The
//     authorizer calls it before each check: when no commit happened since
//     the last look (Store::ForeignDataVersion: on PostgreSQL, this
//     process's own commits do not move it, the observer has them) and the
//     observer applied every commit of this process, it costs one cheap call
//     and no query.
// The index holds exactly the log up to `replayed_`, applied in seq order
// (which is commit order: store.h, sql_tx_authz.cc AppendOutbox). When the
// changes after `replayed_` were pruned from the outbox meanwhile
// (Tx::PruneRelationshipChanges), Refresh reloads every relationship instead.
//
// Thread-safety: any number of concurrent readers (ForEachSubject) and one
// writer at a time (the observer is called under the store's writer lock).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "authz/evaluator.h"
#include "store/store.h"

namespace workspaced::authz {

class RelationshipIndex final : public RelationshipReader, public store::CommitObserver {
 public:
  // Installs this index as the store's commit observer and loads every
  // relationship. Call once, before the store is shared.
  Status Attach(store::Store& store);

  // Catches up with changes committed by other processes (see above).
  Status Refresh(store::Store& store);

  Status ForEachSubject(std::string_view resource_type, std::string_view resource_id,
                        std::string_view relation,
                        FunctionRef<bool(const SubjectRef&)> fn) override;
  void OnRelationshipsCommitted(const std::vector<store::RelationshipChange>& changes) override;

  // How many relationships are held.
  std::size_t size() const;

 private:
  struct Subject {
    std::string type, id, relation;
    bool operator==(const Subject&) const = default;
  };
  // Replaces what the index holds with every relationship of `tx`'s
  // snapshot. Under refresh_mu_.
  Status LoadAll(store::Tx& tx);
  void TouchLocked(const model::Relationship& r);
  void DeleteLocked(const model::Relationship& r);

  void ApplyLocked(const std::vector<store::RelationshipChange>& changes);
  // Applies the held early commits that now follow replayed_, drops those
  // a replay covered; gap_ says whether any is still waiting. Under
  // refresh_mu_ and mu_.
  void ApplyEarlyLocked();

  std::mutex refresh_mu_;                   // one replay at a time
  std::atomic<std::int64_t> replayed_ = 0;  // outbox seq the index is known to include
  std::atomic<std::uint64_t> seen_version_ =
      ~std::uint64_t{0};  // store.ForeignDataVersion() last replayed at
  // A commit of this process the observer could not apply (it did not
  // follow replayed_: commits reported out of order, a sequence gap left
  // by a rolled-back transaction): the next Refresh replays the log.
  std::atomic<bool> gap_ = false;
  // Commits of this process reported before one that precedes them, by
  // first seq (at most kMaxEarly; beyond, the replay has them). Under
  // refresh_mu_.
  static constexpr std::size_t kMaxEarly = 256;
  std::map<std::int64_t, std::vector<store::RelationshipChange>> early_;
  mutable std::shared_mutex mu_;
  // Heterogeneous lookup: a check finds its key without allocating.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
  };
  // "type\0id\0relation" → its subjects (few per key; a vector is fastest).
  std::unordered_map<std::string, std::vector<Subject>, KeyHash, std::equal_to<>> subjects_;
  std::size_t size_ = 0;
};

}  // namespace workspaced::authz
