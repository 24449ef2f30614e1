// What a workspace's pillars (secrets, files, vault, logs, apps,
// coderunners: PRODUCT.md) hold, as safe delete counts it: a delete
// refuses while anything remains, unless forced by an account admin
// (docs/lifecycle.md).
//
// No pillar stores data yet, so the count is always empty; each pillar adds
// its count here, read in the delete's own transaction.
//
// Thread-safety: a plain function of the transaction it is given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

struct PillarContent {
  std::string pillar;  // e.g. "secrets"
  std::int64_t items = 0;
};

// The pillars of `ws` that hold something (items > 0), in a stable order.
StatusOr<std::vector<PillarContent>> CountPillarContents(store::Tx& tx, const model::Workspace& ws);

}  // namespace workspaced::domain
