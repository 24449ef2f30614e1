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

// Records a refused request (domain/denials.h): a 401 (no principal) or a
// refusal by the authorizer noted in ctx.denial, answered with `status` and
// `reason` on the route template `route`. Refusals of an authenticated
// caller on an object that exists are chained as `authz.denied` (the
// workspace's chain when the target is a workspace, so its admins see who
// was refused; else the service-wide one); the others are counted in
// audit_denials. Only memory is touched here, the same whether the object
// exists or not: the record is written after the answer. Never fails.
void AuditDenial(app::App& app, const RequestContext& ctx, std::string_view route, int status,
                 std::string_view reason);

}  // namespace workspaced::api
