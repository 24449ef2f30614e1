// Audit events of API requests: who (subject and how authenticated), from
// where (source IP, user agent), which request — the fields every event
// shares. The endpoint adds action, target, outcome and details.
#pragma once

#include <string>

#include "api/handler.h"
#include "model/model.h"

namespace workspaced::api {

model::AuditEvent RequestAuditEvent(const RequestContext& ctx, Micros now, std::string action,
                                    std::string target_type, std::string target_id,
                                    std::string workspace_id);

}  // namespace workspaced::api
