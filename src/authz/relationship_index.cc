#include "authz/relationship_index.h"

#include <algorithm>
#include <mutex>

namespace workspaced::authz {
namespace {

void BuildKey(std::string& key, std::string_view type, std::string_view id,
              std::string_view relation) {
  key.clear();
  key.append(type).push_back('\0');
  key.append(id).push_back('\0');
  key.append(relation);
}

std::string Key(std::string_view type, std::string_view id, std::string_view relation) {
  std::string key;
  BuildKey(key, type, id, relation);
  return key;
}

}  // namespace

Status RelationshipIndex::Attach(store::Store& store) {
  store.SetCommitObserver(this);
  std::lock_guard refresh(refresh_mu_);
  return store.Read([&](store::Tx& tx) { return LoadAll(tx); });
}

Status RelationshipIndex::LoadAll(store::Tx& tx) {
  std::unique_lock lock(mu_);
  subjects_.clear();
  size_ = 0;
  WS_ASSIGN_OR_RETURN(const std::int64_t latest, tx.LatestRelationshipChange());
  replayed_ = latest;  // the same snapshot as the rows
  return tx.ForEachRelationship([&](const model::Relationship& r) {
    TouchLocked(r);
    return true;
  });
}

Status RelationshipIndex::Refresh(store::Store& store) {
  constexpr int kBatch = 1000;
  // Nothing committed by another process since the last look, and every
  // commit of this one applied by the observer: nothing to replay.
  WS_ASSIGN_OR_RETURN(const std::uint64_t version, store.ForeignDataVersion());
  if (version == seen_version_.load() && !gap_.load()) return Status::Ok();
  // One read: what follows replayed_ (usually nothing, or a few changes).
  std::lock_guard refresh(refresh_mu_);
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    // Changes the index has not seen were pruned from the outbox (it was
    // idle longer than the retention): only a whole reload is exact.
    WS_ASSIGN_OR_RETURN(const std::int64_t pruned, tx.MetaNumber(store::kOutboxPrunedThrough));
    if (replayed_ < pruned) {
      WS_RETURN_IF_ERROR(LoadAll(tx));
      std::unique_lock lock(mu_);
      ApplyEarlyLocked();  // drops what the reload covers; gap_ again when any is left
      return Status::Ok();
    }
    while (true) {
      WS_ASSIGN_OR_RETURN(const auto changes, tx.ListRelationshipChanges(replayed_, kBatch));
      if (changes.empty()) break;
      std::unique_lock lock(mu_);
      ApplyLocked(changes);
      replayed_ = changes.back().seq;
      if (static_cast<int>(changes.size()) < kBatch) break;
    }
    std::unique_lock lock(mu_);
    ApplyEarlyLocked();  // gap_ again only when a held commit still waits
    return Status::Ok();
  }));
  // `version` was read before the replay: a commit since then shows up as
  // another version at the next check.
  seen_version_ = version;
  return Status::Ok();
}

Status RelationshipIndex::ForEachSubject(std::string_view resource_type,
                                         std::string_view resource_id, std::string_view relation,
                                         FunctionRef<bool(const SubjectRef&)> fn) {
  thread_local std::string key;  // reused: no allocation per lookup
  BuildKey(key, resource_type, resource_id, relation);
  std::shared_lock lock(mu_);
  const auto it = subjects_.find(std::string_view(key));
  if (it == subjects_.end()) return Status::Ok();
  for (const Subject& s : it->second) {
    if (!fn(SubjectRef{s.type, s.id, s.relation})) break;
  }
  return Status::Ok();
}

void RelationshipIndex::OnRelationshipsCommitted(
    const std::vector<store::RelationshipChange>& changes) {
  if (changes.empty()) return;
  std::lock_guard refresh(refresh_mu_);
  if (changes.back().seq <= replayed_) return;  // a replay had them already
  // Applied only when they follow what the index holds. Commits of this
  // process reported out of order are held until the ones before them come
  // (microseconds later, as a rule); until then, and after a gap nothing
  // will fill (another process committed in between, a rolled-back
  // transaction's numbers), the next Refresh replays the log instead.
  if (changes.front().seq != replayed_ + 1) {
    if (early_.size() < kMaxEarly) early_.emplace(changes.front().seq, changes);
    gap_ = true;
    return;
  }
  std::unique_lock lock(mu_);
  ApplyLocked(changes);
  replayed_ = changes.back().seq;
  ApplyEarlyLocked();
}

void RelationshipIndex::ApplyEarlyLocked() {
  while (!early_.empty()) {
    const auto first = early_.begin();
    const std::vector<store::RelationshipChange>& held = first->second;
    if (held.back().seq <= replayed_) {
      early_.erase(first);  // replayed meanwhile
    } else if (held.front().seq == replayed_ + 1) {
      ApplyLocked(held);
      replayed_ = held.back().seq;
      early_.erase(first);
    } else {
      break;
    }
  }
  gap_ = !early_.empty();
}

void RelationshipIndex::ApplyLocked(const std::vector<store::RelationshipChange>& changes) {
  for (const auto& c : changes) {
    if (c.touch) {
      TouchLocked(c.rel);
    } else {
      DeleteLocked(c.rel);
    }
  }
}

void RelationshipIndex::TouchLocked(const model::Relationship& r) {
  auto& list = subjects_[Key(r.resource_type, r.resource_id, r.relation)];
  Subject s{r.subject_type, r.subject_id, r.subject_relation};
  if (std::find(list.begin(), list.end(), s) != list.end()) return;
  list.push_back(std::move(s));
  ++size_;
}

void RelationshipIndex::DeleteLocked(const model::Relationship& r) {
  const auto it = subjects_.find(Key(r.resource_type, r.resource_id, r.relation));
  if (it == subjects_.end()) return;
  auto& list = it->second;
  const Subject s{r.subject_type, r.subject_id, r.subject_relation};
  const auto pos = std::find(list.begin(), list.end(), s);
  if (pos == list.end()) return;
  list.erase(pos);
  --size_;
  if (list.empty()) subjects_.erase(it);
}

std::size_t RelationshipIndex::size() const {
  std::shared_lock lock(mu_);
  return size_;
}

}  // namespace workspaced::authz
