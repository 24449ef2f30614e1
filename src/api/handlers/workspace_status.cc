// PATCH /v1/workspaces/{workspace_id}/status — freeze or unfreeze.
// Permission: administer on workspace. Body {"status":"frozen"|"active",
// "reason":"…"}; only active ⇄ frozen (409 otherwise); If-Match honoured
// (412 on a stale ETag). A frozen workspace records who froze it, when and
// why; every mutation under it answers 423 (api.cc, CheckNotFrozen).
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxReason = 1000;

struct StatusChange {
  model::WorkspaceStatus status;
  std::string reason;
};

StatusOr<StatusChange> ParseBody(std::string_view body) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
  std::vector<FieldError> errors;
  StatusChange out{model::WorkspaceStatus::kActive, ""};
  const json::object* o = v.if_object();
  if (o == nullptr) {
    errors.push_back({"", "the body must be a JSON object"});
  } else {
    for (const auto& [k, unused] : *o)
      if (k != "status" && k != "reason")
        errors.push_back({std::string(k), "is not a field of this request"});
    const json::value* status = o->if_contains("status");
    if (status != nullptr && status->is_string() && status->as_string() == "frozen") {
      out.status = model::WorkspaceStatus::kFrozen;
    } else if (status == nullptr || !status->is_string() || status->as_string() != "active") {
      errors.push_back({"status", "must be frozen or active"});
    }
    if (const json::value* reason = o->if_contains("reason")) {
      if (!reason->is_string() || reason->as_string().size() > kMaxReason) {
        errors.push_back({"reason", "must be a string of at most 1000 characters"});
      } else {
        out.reason = std::string(reason->as_string());
      }
    }
  }
  if (!errors.empty())
    return Status(Code::kUnprocessable, "the request body is not valid").WithFields(errors);
  return out;
}

class PatchWorkspaceStatus final : public Handler {
 public:
  explicit PatchWorkspaceStatus(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kWorkspace, id,
                               authz::Permission::kAdminister));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const StatusChange change, ParseBody(ctx.request.body));
    const std::string_view if_match = ctx.request.HeaderValue("If-Match");
    const bool has_if_match = ctx.request.HasHeader("If-Match");
    model::Workspace ws;
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
      if (has_if_match && !EtagMatches(if_match, WorkspaceEtag(ws), /*strong=*/true)) {
        return Status(Code::kPreconditionFailed,
                      "the workspace has changed: its ETag is now " + WorkspaceEtag(ws));
      }
      const bool freeze = change.status == model::WorkspaceStatus::kFrozen;
      const model::WorkspaceStatus from =
          freeze ? model::WorkspaceStatus::kActive : model::WorkspaceStatus::kFrozen;
      if (ws.status != from) {
        return Conflict("the workspace is " + std::string(model::ToString(ws.status)) +
                        "; only an active workspace can be frozen and only a frozen one "
                        "unfrozen");
      }
      ws.status = change.status;
      if (freeze) {
        ws.frozen_by = ctx.principal->subject;
        ws.frozen_at = now;
        ws.status_reason = change.reason;
      } else {
        ws.frozen_by.clear();
        ws.frozen_at = 0;
        ws.status_reason.clear();
      }
      ws.version += 1;
      ws.updated_at = now;
      ws.updated_by = ctx.principal->subject;
      WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
      model::AuditEvent e = RequestAuditEvent(
          ctx, now, freeze ? "workspace.freeze" : "workspace.unfreeze", "workspace", id, id);
      e.details = json::serialize(json::object{{"reason", change.reason}});
      return tx.AppendAudit(e);
    }));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePatchWorkspaceStatus(app::App& app) {
  return std::make_unique<PatchWorkspaceStatus>(app);
}

}  // namespace workspaced::api
