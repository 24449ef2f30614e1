#include "domain/pillar_contents.h"

namespace workspaced::domain {

StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& /*tx*/,
                                                         const model::Workspace& /*ws*/) {
  return std::vector<PillarContent>{};
}

}  // namespace workspaced::domain
