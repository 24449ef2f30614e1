// Anchoring the audit log's chains outside the database. A chain (chain.h)
// shows an edit, a removal or a reordering, but whoever can rewrite the
// database can rewrite a chain whole, every hash recomputed, and it verifies
// again. What an operator keeps elsewhere — on write-once storage, in
// another system — cannot be rewritten with it: `workspaced audit heads`
// prints every chain's head (its newest event's seq and hash), and `audit
// verify --anchors FILE` checks that each is still on record with that hash.
// An event's hash covers every event before it in its chain (prev_hash),
// so nothing up to an anchored head can have changed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/verify.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace workspaced::audit {

struct Anchor {
  std::string scope;  // the workspace id, or "" for the chain of events without one
  std::int64_t seq = 0;
  std::string hash;
};

// Every chain's head, in one snapshot.
StatusOr<std::vector<Anchor>> TakeAnchors(store::Store& store);

// Each anchor (of `workspace_id` alone when given) is on record: the event
// `seq`, in its chain, with its hash. The first that is not is named in
// `report` (ok false); an anchor of a chain found whole adds nothing else.
Status CheckAnchors(store::Store& store, const std::vector<Anchor>& anchors,
                    const std::optional<std::string>& workspace_id, VerifyReport& report);

// What `audit heads` prints, one line:
//   {"taken_at":"<RFC 3339>","heads":[{"workspace_id":"…","seq":N,"hash":"…"},…]}
std::string AnchorsJson(const std::vector<Anchor>& anchors, Micros taken_at);
// That document, checked member by member (kInvalidArgument naming what is
// wrong); `taken_at` is set from it.
StatusOr<std::vector<Anchor>> ParseAnchorsJson(std::string_view text, Micros& taken_at);

}  // namespace workspaced::audit
