// Checks the audit log's hash chains (chain.h) and names the first event
// that was altered, removed or reordered.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace workspaced::audit {

struct VerifyReport {
  bool ok = true;
  std::int64_t events = 0;  // events checked
  int chains = 0;
  std::string problem;  // empty when ok: which event, and what is wrong with it
};

// Every chain, or only the workspace's when `workspace_id` is given. Reads in
// pages (memory stays flat). Store errors pass through.
StatusOr<VerifyReport> VerifyChains(store::Store& store,
                                    const std::optional<std::string>& workspace_id);

}  // namespace workspaced::audit
