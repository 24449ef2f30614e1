// The audit log's tamper evidence: every event carries the SHA-256 of its
// canonical content chained to the previous event of the same scope.
//
//   scope      one chain per workspace (events with a workspace_id), and one
//              for events without (accounts, platform), so a workspace's
//              chain verifies on its own;
//   canonical  the JSON array
//                [prev_hash, time, actor, actor_auth, action, target_type,
//                 target_id, workspace_id, outcome, request_id, source_ip,
//                 user_agent, details]
//              serialized without whitespace (strings JSON-escaped, time an
//              integer of microseconds);
//   hash       lowercase hex SHA-256 of those bytes; the first event of a
//              chain has prev_hash "" (empty).
//   head       the last hash of each chain is also kept apart (the store's
//              audit_chain_heads), so deleting the newest events is caught.
//
// Changing a field changes the event's hash; removing or reordering events
// breaks the prev_hash links. (Whoever can rewrite the database can rewrite a
// whole chain consistently: anchor heads elsewhere for that threat,
// anchors.h.)
#pragma once

#include <string>

#include "model/model.h"

namespace workspaced::audit {

std::string CanonicalForm(const model::AuditEvent& event, const std::string& prev_hash);
std::string ChainHash(const model::AuditEvent& event, const std::string& prev_hash);

}  // namespace workspaced::audit
