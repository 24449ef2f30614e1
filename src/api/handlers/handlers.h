// Factories of every API handler; the route table (api/routes.cc) wires them.
#pragma once

#include <memory>
#include <optional>

#include "api/handler.h"
#include "api/idempotency.h"
#include "app/app.h"

namespace workspaced::api {

class WorkspaceJsonCache;

std::unique_ptr<Handler> MakeHealthz(app::App& app);
std::unique_ptr<Handler> MakeReadyz(app::App& app);
std::unique_ptr<Handler> MakeMetrics(app::App& app);
std::unique_ptr<Handler> MakeOpenApi(app::App& app);
std::unique_ptr<Handler> MakeOpenApiV0();
// The two listings share one cache of rendered workspaces.
std::unique_ptr<Handler> MakeListWorkspaces(app::App& app,
                                            std::shared_ptr<WorkspaceJsonCache> cache);
std::unique_ptr<Handler> MakeGetWorkspace(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache);
std::unique_ptr<Handler> MakeListWorkspacesByAccount(app::App& app,
                                                     std::shared_ptr<WorkspaceJsonCache> cache);
std::unique_ptr<Handler> MakeListEnvironments(app::App& app);
std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app);
// Delete, restore and the operations resource (docs/lifecycle.md).
std::unique_ptr<Handler> MakeDeleteWorkspace(app::App& app);
std::unique_ptr<Handler> MakeRestoreWorkspace(app::App& app);
std::unique_ptr<Handler> MakeGetOperation(app::App& app);
std::unique_ptr<Handler> MakeListOperations(app::App& app);
std::unique_ptr<Handler> MakeCancelOperation(app::App& app);
std::unique_ptr<Handler> MakeGetProvisioningRun(app::App& app);
std::unique_ptr<Handler> MakeRetryProvisioningRun(app::App& app);
std::unique_ptr<Handler> MakeCreateAccount(app::App& app);
std::unique_ptr<Handler> MakeGetAccount(app::App& app);
std::unique_ptr<Handler> MakePutTrustedIssuers(app::App& app);
std::unique_ptr<Handler> MakeListAccounts(app::App& app);
std::unique_ptr<Handler> MakeGetQuotas(app::App& app);
std::unique_ptr<Handler> MakePutQuotas(app::App& app);
std::unique_ptr<Handler> MakeListMembers(app::App& app, domain::MemberScope scope);
std::unique_ptr<Handler> MakeGetMember(app::App& app, domain::MemberScope scope);
std::unique_ptr<Handler> MakePutMember(app::App& app, domain::MemberScope scope);
std::unique_ptr<Handler> MakeDeleteMember(app::App& app, domain::MemberScope scope);
std::unique_ptr<Handler> MakePutGroupMappings(app::App& app);
std::unique_ptr<Handler> MakePatchWorkspace(app::App& app);
std::unique_ptr<Handler> MakePatchWorkspaceStatus(app::App& app);
std::unique_ptr<Handler> MakeWorkspaceAudit(app::App& app);
std::unique_ptr<Handler> MakeExportWorkspace(app::App& app);
std::unique_ptr<Handler> MakeAuditDenials(app::App& app);
// The secrets pillar (handlers/secrets.cc).
std::unique_ptr<Handler> MakePutSecret(app::App& app);
std::unique_ptr<Handler> MakeListSecrets(app::App& app);
std::unique_ptr<Handler> MakeGetSecret(app::App& app);
std::unique_ptr<Handler> MakeRevealSecret(app::App& app);
std::unique_ptr<Handler> MakeDeleteSecret(app::App& app);
// The data vault pillar (handlers/vault.cc).
std::unique_ptr<Handler> MakeCreateVaultRecord(app::App& app);
std::unique_ptr<Handler> MakeGetVaultRecord(app::App& app);
std::unique_ptr<Handler> MakeListVaultRecords(app::App& app);
std::unique_ptr<Handler> MakeDeleteVaultRecord(app::App& app);
std::unique_ptr<Handler> MakeDetokenize(app::App& app);
// The Customer Portal (handlers/portal.cc).
std::unique_ptr<Handler> MakePortalPage();
std::unique_ptr<Handler> MakePortalAsset();
std::unique_ptr<Handler> MakePortalConfig(app::App& app);
std::unique_ptr<Handler> MakePortalDevToken(app::App& app);
std::unique_ptr<Handler> MakePortalPermissions(app::App& app, authz::ObjectType type);

// Whether the request's Content-Type is `type` (case-insensitive) in UTF-8:
// a charset parameter other than utf-8 does not match; others are ignored.
bool HasMediaType(const http::Request& request, std::string_view type);

// The account a create's body names in `member` (a UUID, lowercased),
// whatever else is wrong with the body: authorization is decided on it
// before a caller learns how the rest is wrong.
std::optional<std::string> NamedAccount(std::string_view body, std::string_view member);

// 415 unless the request says its body is application/json.
Status RequireJsonBody(const http::Request& request);

// 400 `this endpoint takes no query parameters` for a request with any.
Status RequireNoQuery(const http::Request& request);

// The 202 of a started provisioning run (create, retry), as stored for
// Idempotency-Key replays.
IdempotentResponse AcceptedResponse(const domain::Accepted& accepted);
// The 200 of a lifecycle operation (restore, cancel): the operation, and
// with `location` its URL, as stored for Idempotency-Key replays.
IdempotentResponse OperationResponse(const domain::LifecycleResult& done, bool location);

}  // namespace workspaced::api
