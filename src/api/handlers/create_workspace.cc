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
#include "api/slug.h"
#include "saga/steps.h"

namespace workspaced::api {
namespace {

// Generated slugs try base, base-2, … base-kMaxSlugTries, then a random tail.
constexpr int kMaxSlugTries = 100;

// The body's account_id when it is a UUID (lowercased), whatever else is wrong.
std::optional<std::string> NamedAccount(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
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
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_RETURN_IF_ERROR(tx.GetAccount(req.account_id).status());
      model::Workspace ws;
      ws.id = NewUuidV7(app_.random(), app_.clock());
      ws.account_id = req.account_id;
      ws.name = req.name;
      WS_ASSIGN_OR_RETURN(ws.slug, ChooseSlug(tx, req));
      ws.status = model::WorkspaceStatus::kProvisioning;
      ws.phase = model::ProvisioningPhase::kCreated;
      ws.region = req.region;
      ws.tenancy_model = req.tenancy_model;
      ws.created_at = ws.updated_at = now;
      ws.created_by = ws.updated_by = ctx.principal->subject;
      ws.labels = req.labels;
      ws.group_mappings = req.group_mappings;
      ws.runtime_generation = req.runtime_generation;
      ws.version = 1;
      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));

      const std::string run_id = NewUuidV7(app_.random(), app_.clock());
      WS_RETURN_IF_ERROR(
          tx.InsertRun(saga::NewProvisioningRun(run_id, ws.id, ctx.principal->subject, "", now)));

      model::AuditEvent event =
          RequestAuditEvent(ctx, now, "workspace.create", "workspace", ws.id, ws.id);
      event.details = boost::json::serialize(
          boost::json::object{{"provisioning_run_id", run_id},
                              {"account_id", ws.account_id},
                              {"name", ws.name},
                              {"slug", ws.slug},
                              {"region", ws.region},
                              {"tenancy_model", model::ToString(ws.tenancy_model)}});
      WS_RETURN_IF_ERROR(tx.AppendAudit(event));

      response = {202, ProvisioningAcceptedJson(ws, run_id), "/v1/provisioning-runs/" + run_id};
      return idem.Complete(tx, response);
    }));
    app_.engine().Wake();
    return response;
  }

  StatusOr<std::string> ChooseSlug(store::Tx& tx, const CreateWorkspaceRequest& req) {
    if (req.slug) {
      WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(req.account_id, *req.slug));
      if (taken) return Conflict("the slug '" + *req.slug + "' is already used in this account");
      return *req.slug;
    }
    const std::string base = SlugFromName(req.name);
    for (int n = 1; n <= kMaxSlugTries; ++n) {
      std::string candidate = n == 1 ? base : SlugCandidate(base, n);
      WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(req.account_id, candidate));
      if (!taken) return candidate;
    }
    // Very crowded names: a random tail, practically never taken.
    std::string candidate = SlugCandidate(base, 99'999'999);
    candidate.resize(candidate.size() - 8);
    candidate += RandomHex(app_.random(), 4);
    WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(req.account_id, candidate));
    if (taken) return Conflict("could not find a free slug for this name; give one");
    return candidate;
  }

  app::App& app_;
};

}  // namespace

Status RequireJsonBody(const http::Request& request) {
  std::string_view type = request.HeaderValue("Content-Type");
  const std::size_t semi = type.find(';');
  if (semi != std::string_view::npos) type = type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type.size() == 16 && strncasecmp(type.data(), "application/json", 16) == 0)
    return Status::Ok();
  return {Code::kUnsupportedMediaType,
          "the request body must be JSON (Content-Type: application/json)"};
}

std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app) {
  return std::make_unique<CreateWorkspace>(app);
}

}  // namespace workspaced::api
