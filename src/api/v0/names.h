// How a /v0 name finds a workspace, and which account a /v0 create lands in
// (docs/blaxel.md, "Names").
//
// Blaxel's `name` is globally unique; ours (the slug) is unique within an
// account. A v0 name therefore addresses the one workspace with that slug
// the caller may read: none is 404, several (in different accounts) is 409
// `ambiguous_name`, never a guess. Authorization stays access.h's Require.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "app/app.h"
#include "authz/authorizer.h"
#include "common/status.h"
#include "model/model.h"

namespace workspaced::api::v0 {

// At most this many workspaces of one name are considered (in id order).
inline constexpr int kMaxSameName = 1000;

// The workspace `name` addresses for the caller, once Require grants `need`
// on it (404 without read, 403 without `need`, as on /v1).
StatusOr<model::Workspace> ResolveName(app::App& app, RequestContext& ctx, std::string_view name,
                                       authz::Permission need);
// The same for the workspace the request's context names
// (`X-Blaxel-Workspace` or `?workspace=`; 400 when absent or contradictory).
StatusOr<model::Workspace> ResolveContext(app::App& app, RequestContext& ctx,
                                          authz::Permission need);
// Names /v0 keeps for paths of its own: domain::IsReservedSlug, which every
// surface refuses; /v0 answers 409 `forbidden_reserved` for them.
bool IsReservedName(std::string_view name);

// Whether the caller already reads a workspace named `name`. Advisory: it
// is read before the create's transaction, so two creates at once (or a
// /v1 create, or a new membership) can still make a name ambiguous; a name
// that addresses several workspaces is then answered 409 `ambiguous_name`.
StatusOr<bool> CallerSees(app::App& app, const RequestContext& ctx, std::string_view name);
// The account a create lands in: `account_id` when given (a UUID), else the
// one account the caller administers (403 when none, 400 when several).
StatusOr<std::string> TargetAccount(app::App& app, const RequestContext& ctx,
                                    const std::optional<std::string>& account_id);

}  // namespace workspaced::api::v0
