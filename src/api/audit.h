// Audit events of API requests: who (subject and how authenticated), from
// where (source IP, user agent), which request — the fields every event
// shares. The endpoint adds action, target, outcome and details.
#pragma once

#include <string>

#include "api/handler.h"
#include "app/app.h"
#include "domain/actor.h"
#include "model/model.h"

namespace workspaced::api {

// The request's caller as the domain operations see it.
domain::Actor ActorOf(const RequestContext& ctx);

model::AuditEvent RequestAuditEvent(const RequestContext& ctx, Micros now, std::string action,
                                    std::string target_type, std::string target_id,
                                    std::string workspace_id);

// Records a refused request as `authz.denied` (outcome `denied`) in its own
// transaction: a 401 (no principal; the global chain) or a refusal by the
// authorizer noted in ctx.denial (the workspace's chain when the target is an
// existing workspace, so its admins see who was refused; else the global
// one). `status` is the HTTP status answered, `reason` its detail. A failure
// to record is logged, never turned into another answer.
void AuditDenial(app::App& app, const RequestContext& ctx, int status, std::string_view reason);

}  // namespace workspaced::api
