#include "domain/pillar_contents.h"

#include <set>

namespace workspaced::domain {

StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& tx, const model::Workspace& ws,
                                                         dataplane::Dataplane* dataplane) {
  std::vector<PillarContent> out;
  // A workspace that never became ready holds nothing (a pillar write needs
  // it active); its dataplane, perhaps unreachable, is not asked.
  if (dataplane == nullptr || ws.phase != model::ProvisioningPhase::kReady) return out;
  WS_ASSIGN_OR_RETURN(const bool provisioned, dataplane->Exists(ws));
  if (!provisioned) return out;  // a failed create: its dataplane never held anything
  WS_ASSIGN_OR_RETURN(const std::vector<dataplane::SecretRow> rows,
                      dataplane->ListSecretRows(ws, {}));
  std::set<std::string> names;
  for (const dataplane::SecretRow& r : rows) {
    if (r.tombstone) continue;
    bool counts = !r.pending;
    if (r.pending) {
      WS_ASSIGN_OR_RETURN(const std::optional<bool> outcome, tx.GetPillarOperation(r.operation_id));
      counts = outcome.value_or(false);
    }
    if (counts) names.insert(r.name);
  }
  // A committed tombstone has already removed its name's lower versions;
  // a pending one (not yet applied) leaves them counted.
  if (!names.empty()) out.push_back({"secrets", static_cast<std::int64_t>(names.size())});
  // Vault records: the same rule, by record id.
  WS_ASSIGN_OR_RETURN(const std::vector<dataplane::VaultRow> fields, dataplane->ListVaultRows(ws, {}));
  std::set<std::string> records;
  for (const dataplane::VaultRow& r : fields) {
    if (r.tombstone || records.contains(r.record_id)) continue;
    bool counts = !r.pending;
    if (r.pending) {
      WS_ASSIGN_OR_RETURN(const std::optional<bool> outcome, tx.GetPillarOperation(r.operation_id));
      counts = outcome.value_or(false);
    }
    if (counts) records.insert(r.record_id);
  }
  if (!records.empty()) out.push_back({"vault", static_cast<std::int64_t>(records.size())});
  return out;
}

}  // namespace workspaced::domain
