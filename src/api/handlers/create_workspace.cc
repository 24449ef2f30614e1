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

// The body's account_id when it is a UUID (lowercased), whatever else is wrong.
std::optional<std::string> NamedAccount(std::string_view body) {
  const StatusOr<boost::json::value> v = ParseJsonBody(body);
  const boost::json::object* o = v.ok() ? v.value().if_object() : nullptr;
  const boost::json::value* id = o ? o->if_contains("account_id") : nullptr;
  if (id == nullptr || !id->is_string() || !IsUuid(id->as_string())) return std::nullopt;
  std::string account(id->as_string());
  for (char& c : account) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return account;
}

class CreateWorkspace final : public Handler {
 public:
  explicit CreateWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    StatusOr<CreateWorkspaceRequest> parsed =
        ParseCreateWorkspaceRequest(ctx.request.body, app_.config().regions);
    if (!parsed.ok()) {
      // Authorization first whenever the body names an account: a caller who
      // may not administer it learns nothing from how the rest is wrong.
      if (const std::optional<std::string> account = NamedAccount(ctx.request.body)) {
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

bool HasMediaType(const http::Request& request, std::string_view want) {
  std::string_view type = request.HeaderValue("Content-Type");
  const std::size_t semi = type.find(';');
  if (semi != std::string_view::npos) type = type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.size() == want.size() && strncasecmp(type.data(), want.data(), want.size()) == 0;
}

Status RequireJsonBody(const http::Request& request) {
  if (HasMediaType(request, "application/json")) return Status::Ok();
  return {Code::kUnsupportedMediaType,
          "the request body must be JSON (Content-Type: application/json)"};
}

IdempotentResponse AcceptedResponse(const domain::Accepted& a) {
  return {202, ProvisioningAcceptedJson(a.workspace, a.run_id), "/v1/provisioning-runs/" + a.run_id};
}

std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app) {
  return std::make_unique<CreateWorkspace>(app);
}

}  // namespace workspaced::api
