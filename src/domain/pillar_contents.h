// What a workspace's pillars (secrets, files, vault, logs, apps,
// coderunners: PRODUCT.md) hold, as safe delete counts it: a delete
// refuses while anything remains, unless forced by an account admin
// (docs/lifecycle.md).
//
// Counted inside the delete's own transaction: secrets (the names with a
// version that is committed, or pending with its outcome recorded committed
// in `tx`) and vault records (the same rule, by record id). A pillar
// write's control-plane step refuses once the workspace is no longer
// active, so nothing is added after the delete commits. Each later pillar
// adds its count here.
//
// Thread-safety: a plain function of the transaction it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/dataplane.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

struct PillarContent {
  std::string pillar;  // e.g. "secrets"
  std::int64_t items = 0;
};

// The pillars of `ws` that hold something (items > 0), in a stable order.
// `dataplane` null: no pillar can hold anything (tests without one).
StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& tx, const model::Workspace& ws,
                                                         dataplane::Dataplane* dataplane);

}  // namespace workspaced::domain
