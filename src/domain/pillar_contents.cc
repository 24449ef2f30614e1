#include "domain/pillar_contents.h"

#include "domain/quotas.h"

namespace workspaced::domain {

StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& tx,
                                                         const model::Workspace& ws) {
  struct Counted {
    std::string_view pillar;
    PillarItem item;
  };
  static constexpr Counted kCounted[] = {{"secrets", PillarItem::kSecret},
                                         {"vault", PillarItem::kVaultRecord}};
  std::vector<PillarContent> out;
  for (const Counted& c : kCounted) {
    WS_ASSIGN_OR_RETURN(const std::int64_t n, CountPillarItems(tx, ws, c.item));
    if (n > 0) out.push_back({std::string(c.pillar), n});
  }
  return out;
}

StatusOr<bool> HoldsSealedValues(dataplane::Dataplane& dp, const model::Workspace& ws) {
  if (ws.phase != model::ProvisioningPhase::kReady) return false;
  return dp.HoldsPillarRows(ws);
}

}  // namespace workspaced::domain
