// What a workspace's pillars (secrets, files, vault, logs, apps,
// coderunners: PRODUCT.md) hold, as safe delete counts it: a delete
// refuses while anything remains, unless forced by an account admin
// (docs/lifecycle.md).
//
// Counted inside the delete's own transaction from what the quotas count
// (pillar_items, domain/quotas.h): the secret names and vault records whose
// write committed, one indexed count each, with no read of the dataplane
// while the transaction holds the store. A pillar write's control-plane
// step adds its item in the transaction that commits it, and refuses once
// the workspace is no longer active, so nothing is added after the delete
// commits. Each later pillar adds its line here.
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
StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& tx,
                                                         const model::Workspace& ws);

// Whether the workspace's dataplane holds values sealed under its data key
// (DataKeys::ForWrite asks before making a first key). A workspace that
// never became ready holds none, and its dataplane is not asked.
StatusOr<bool> HoldsSealedValues(dataplane::Dataplane& dp, const model::Workspace& ws);

}  // namespace workspaced::domain
