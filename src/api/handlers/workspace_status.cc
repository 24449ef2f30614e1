// PATCH /v1/workspaces/{workspace_id}/status — freeze or unfreeze.
// Permission: administer on workspace. Body {"status":"frozen"|"active",
// "reason":"…"}; only active ⇄ frozen (409 otherwise); If-Match honoured
// (412 on a stale ETag). A frozen workspace records who froze it, when and
// why; every change under it answers 423 (domain/workspace_rules.h).
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/if_match.h"
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
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        app_.workspaces().SetStatus(ActorOf(ctx), id, change.status,
                                                    change.reason, IfMatchWorkspace(ctx.request)));
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
