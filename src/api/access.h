// Permission checks as the API answers them: a caller without `read` on an
// object gets 404 (its existence is not leaked); with `read` but without the
// permission needed, 403; when the answer cannot be computed, 503 (fail
// closed).
#pragma once

#include <string_view>

#include "api/handler.h"
#include "app/app.h"
#include "authz/authorizer.h"
#include "common/status.h"

namespace workspaced::api {

// For routes that change a workspace (RouteSpec::mutates_workspace): 423 when
// the workspace named by the route — {workspace_id}, or the workspace of
// {run_id} — is frozen and the caller may read it (a caller who may not read
// it learns nothing here; the handler answers 404). The one place a frozen
// workspace is enforced.
Status CheckNotFrozen(app::App& app, const auth::Principal& who, std::string_view workspace_id,
                      std::string_view run_id);

// OK when the caller (ctx.principal) has `need` on the object; otherwise the
// status to answer, and a refusal by the authorizer is noted in ctx.denial
// for the audit log.
Status Require(app::App& app, RequestContext& ctx, authz::ObjectType type, std::string_view id,
               authz::Permission need);

}  // namespace workspaced::api
