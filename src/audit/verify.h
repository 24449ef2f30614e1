// Checks the audit log's hash chains (chain.h) and names the first event
// that was altered, removed or reordered.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace workspaced::audit {

struct VerifyReport {
  bool ok = true;
  std::int64_t events = 0;  // events checked
  int chains = 0;
  int anchors = 0;      // anchored heads found on record (anchors.h)
  std::string problem;  // empty when ok: which event, and what is wrong with it
};

// Every chain, or only the workspace's when `workspace_id` is given. Reads in
// pages (memory stays flat). Store errors pass through. Beside a running
// server: the chains' heads are listed first, and events appended after
// that (past a listed head) are left to the next run. `after_listing`, when
// set, runs between the listing and the first page (a test's seam: it
// appends events there, as a live server would). kNotFound when
// `workspace_id` names no workspace: no row, no event and no head (a
// workspace row without events is a chain found broken, not this).
StatusOr<VerifyReport> VerifyChains(store::Store& store,
                                    const std::optional<std::string>& workspace_id,
                                    const std::function<void()>& after_listing = {});

}  // namespace workspaced::audit
