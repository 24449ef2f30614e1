// Permission checks as the API answers them: a caller without `read` on an
// object gets 404 (its existence is not leaked); with `read` but without the
// permission needed, 403; when the answer cannot be computed, 503 (fail
// closed).
#pragma once

#include <memory>
#include <string_view>

#include "api/handler.h"
#include "app/app.h"
#include "authz/authorizer.h"
#include "common/status.h"
#include "store/write_check.h"

namespace workspaced::api {

// The 503 of every check whose answer cannot be computed (fail closed).
Status AuthorizationUnavailable();

// OK when the caller (ctx.principal) has `need` on the object; otherwise the
// status to answer, and a refusal by the authorizer is noted in ctx.denial
// for the audit log. On a workspace it also reads the workspace's status: a
// deleted (or deleting) one is 404 unless the caller may administer it, a
// purged one 404 to all — the one place every endpoint of a workspace
// learns that rule (docs/lifecycle.md).
Status Require(app::App& app, RequestContext& ctx, authz::ObjectType type, std::string_view id,
               authz::Permission need);

// Require(read) on a workspace again, for what a response streams after
// its header was sent (an export's later chunks): a caller whose access was
// revoked since, or who may no longer see the workspace (deleted, purged),
// gets no more of it. The same rule as Require, from the one place.
Status RequireStillReadable(app::App& app, std::shared_ptr<const auth::Principal> who,
                            std::string_view workspace_id);

// Asks every permission Require granted the request (ctx.grants) again,
// from the relationships a write transaction reads, before that
// transaction's first statement (store::WriteCheck, installed for the
// handler's thread by Api::Handle). So a change is allowed by what its own
// transaction sees: a permission withdrawn between the request's check and
// its write (a member removed while their PUT runs) is a 403 and nothing
// commits, never a write made after the removal it raced. Serializable on
// both backends: SQLite's write lock, PostgreSQL's SERIALIZABLE isolation.
class GrantCheck final : public store::WriteCheck {
 public:
  GrantCheck(authz::Authorizer& authorizer, const RequestContext& ctx)
      : authorizer_(authorizer), ctx_(ctx) {}
  Status Check(store::Tx& tx) override;

 private:
  authz::Authorizer& authorizer_;
  const RequestContext& ctx_;
};

// Require() for an operation (a provisioning run is one): `need` on its
// workspace, whose 404 answers `not_found` (the operation's existence does
// not leak). A purged workspace is 404 to all, yet the operations that
// ended it stay readable, never changeable (409), by those who administer
// its account, so they can see the purge succeed (docs/lifecycle.md).
Status RequireOnOperation(app::App& app, RequestContext& ctx, const model::ProvisioningRun& op,
                          authz::Permission need, std::string_view not_found);

// For what only platform admins change on an account (its trusted issuers,
// its quotas): 404 without `read` on the account, else 403 unless the caller
// is a platform admin (configuration `platform_admins`), noted in ctx.denial
// like Require's refusals. `what` ends the 403's detail ("only platform
// admins <what>").
Status RequirePlatformAdminOf(app::App& app, RequestContext& ctx, std::string_view account_id,
                              std::string_view what);

}  // namespace workspaced::api
