#include "spicedb/reconcile.h"

#include <algorithm>
#include <set>

namespace workspaced::spicedb {
namespace {

constexpr std::size_t kBatch = 1000;

Status WriteInBatches(Client& spicedb, const std::vector<model::Relationship>& rels, bool touch) {
  for (std::size_t i = 0; i < rels.size(); i += kBatch) {
    std::vector<Update> updates;
    for (std::size_t j = i; j < std::min(rels.size(), i + kBatch); ++j)
      updates.push_back({touch, rels[j]});
    WS_RETURN_IF_ERROR(spicedb.Write(updates).status());
  }
  return Status::Ok();
}

}  // namespace

std::string ToString(const model::Relationship& r) {
  std::string s = r.resource_type + ":" + r.resource_id + "#" + r.relation + "@" + r.subject_type +
                  ":" + r.subject_id;
  if (!r.subject_relation.empty()) s += "#" + r.subject_relation;
  return s;
}

StatusOr<ReconcileReport> Reconcile(store::Store& store, Client& spicedb,
                                    const std::vector<std::string>& types, bool dry_run) {
  std::set<model::Relationship> ours;
  std::int64_t snapshot_seq = 0;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    ours.clear();
    WS_ASSIGN_OR_RETURN(snapshot_seq, tx.LatestRelationshipChange());
    return tx.ForEachRelationship([&](const model::Relationship& r) {
      ours.insert(r);
      return true;
    });
  }));
  std::set<model::Relationship> theirs;
  for (const std::string& type : types) {
    WS_RETURN_IF_ERROR(spicedb.ReadRelationships(type, [&](const model::Relationship& r) {
      theirs.insert(r);
      return true;
    }));
  }
  ReconcileReport report;
  std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(),
                      std::back_inserter(report.added));
  std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(),
                      std::back_inserter(report.removed));
  if (dry_run) return report;
  WS_RETURN_IF_ERROR(WriteInBatches(spicedb, report.removed, false));
  WS_RETURN_IF_ERROR(WriteInBatches(spicedb, report.added, true));
  WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) { return tx.MarkUndelivered(snapshot_seq); }));
  return report;
}

}  // namespace workspaced::spicedb
