// POST /v1/workspaces — starts the provisioning saga and answers 202 with the
// workspace (visible at once as `provisioning`) and its provisioning run.
// Permission: administer on the parent account.
#include <strings.h>

#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/create_workspace_request.h"
#include "api/handlers/handlers.h"
#include "api/idempotency.h"
#include "api/json_views.h"
#include "api/json_body.h"

namespace workspaced::api {
namespace {

class CreateWorkspace final : public Handler {
 public:
  explicit CreateWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    StatusOr<CreateWorkspaceRequest> parsed =
        ParseCreateWorkspaceRequest(ctx.request.body, app_.config().regions);
    if (!parsed.ok()) {
      // Authorization first whenever the body names an account: a caller who
      // may not administer it learns nothing from how the rest is wrong.
      if (const std::optional<std::string> account = NamedAccount(ctx.request.body, "account_id")) {
        WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, *account,
                                   authz::Permission::kAdminister));
      }
      return parsed.status();
    }
    const CreateWorkspaceRequest req = std::move(parsed).value();
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, req.account_id,
                               authz::Permission::kAdminister));
    return RunIdempotent(app_, ctx, out,
                         [&](const Idempotency& idem) { return Create(ctx, req, idem); });
  }

 private:
  StatusOr<IdempotentResponse> Create(RequestContext& ctx, const CreateWorkspaceRequest& req,
                                      const Idempotency& idem) {
    IdempotentResponse response;
    WS_RETURN_IF_ERROR(app_.workspaces()
                           .Create(ActorOf(ctx), req,
                                   [&](store::Tx& tx, const domain::Accepted& a) {
                                     response = AcceptedResponse(a);
                                     return idem.Complete(tx, response);
                                   })
                           .status());
    return response;
  }

  app::App& app_;
};

}  // namespace

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool HasMediaType(const http::Request& request, std::string_view want) {
  std::string_view rest = request.HeaderValue("Content-Type");
  const std::size_t semi = rest.find(';');
  if (!IEquals(Trim(rest.substr(0, semi)), want)) return false;
  // Our JSON types are UTF-8 (RFC 8259 §8.1): a body declared in another
  // charset would be read as bytes it is not.
  std::string_view params = semi == std::string_view::npos ? "" : rest.substr(semi + 1);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    const std::string_view param = Trim(params.substr(0, next));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && IEquals(Trim(param.substr(0, eq)), "charset")) {
      std::string_view value = Trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      if (!IEquals(value, "utf-8")) return false;
    }
    params = next == std::string_view::npos ? "" : params.substr(next + 1);
  }
  return true;
}

std::optional<std::string> NamedAccount(std::string_view body, std::string_view member) {
  const StatusOr<boost::json::value> v = ParseJsonBody(body);
  const boost::json::object* o = v.ok() ? v.value().if_object() : nullptr;
  const boost::json::value* id = o ? o->if_contains(member) : nullptr;
  if (id == nullptr || !id->is_string() || !IsUuid(id->as_string())) return std::nullopt;
  std::string account(id->as_string());
  for (char& c : account) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return account;
}

Status RequireJsonBody(const http::Request& request) {
  if (HasMediaType(request, "application/json")) return Status::Ok();
  return {Code::kUnsupportedMediaType,
          "the request body must be JSON in UTF-8 (Content-Type: application/json)"};
}

Status RequireNoQuery(const http::Request& request) {
  if (request.query.empty()) return Status::Ok();
  return InvalidArgument("this endpoint takes no query parameters");
}

IdempotentResponse AcceptedResponse(const domain::Accepted& a) {
  return {202, ProvisioningAcceptedJson(a.workspace, a.run_id), "/v1/provisioning-runs/" + a.run_id,
          a.workspace.id};
}

IdempotentResponse OperationResponse(const domain::LifecycleResult& done, bool location) {
  return {200, OperationJson(done.operation),
          location ? "/v1/operations/" + done.operation.id : "", done.workspace.id};
}

std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app) {
  return std::make_unique<CreateWorkspace>(app);
}

}  // namespace workspaced::api
