// POST /v0/workspaces/availability {"name"} [?withReason=true] — whether a
// v0 create of this name would find it free: true/false, or
// {"available", "message", "reason"} with withReason. Taken: the caller
// already reads a workspace of that name (it would no longer address one),
// or the account a create would land in holds it. Reserved: names a /v0
// path uses ("availability"). A name that is not a valid name is 400.
#include <boost/json.hpp>

#include "api/handlers/handlers.h"
#include "api/json_body.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "domain/workspace_fields.h"

namespace workspaced::api::v0 {
namespace {

class WorkspaceAvailability final : public Handler {
 public:
  explicit WorkspaceAvailability(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {"withReason"}));
    WS_ASSIGN_OR_RETURN(const bool with_reason, QueryFlag(ctx.request, "withReason"));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    const StatusOr<boost::json::value> v = ParseJsonBody(ctx.request.body, /*max_depth=*/4);
    const boost::json::object* o = v.ok() ? v->if_object() : nullptr;
    const boost::json::value* name = o ? o->if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string() || o->size() != 1)
      return InvalidArgument("the body must be {\"name\": \"…\"}");
    const std::string wanted(name->as_string());
    if (auto problem = domain::SlugProblem(wanted))
      return InvalidArgument("name " + *problem);

    std::string_view reason;
    std::string message;
    if (IsReservedName(wanted)) {
      reason = "forbidden_reserved";
      message = "this name is reserved";
    }
    if (reason.empty()) {
      WS_ASSIGN_OR_RETURN(bool taken, CallerSees(app_, ctx, wanted));
      // The account a create without accountId would use, when there is one.
      if (!taken) {
        if (const StatusOr<std::string> account = TargetAccount(app_, ctx, std::nullopt);
            account.ok()) {
          WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
            WS_ASSIGN_OR_RETURN(taken, tx.SlugTaken(*account, wanted));
            return Status::Ok();
          }));
        }
      }
      if (taken) {
        reason = "taken";
        message = "a workspace with this name exists";
      }
    }
    if (!with_reason) {
      out.Json(200, reason.empty() ? "true" : "false");
      return Status::Ok();
    }
    out.Json(200, boost::json::serialize(boost::json::object{
                      {"available", reason.empty()}, {"message", message}, {"reason", reason}}));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeWorkspaceAvailability(app::App& app) {
  return std::make_unique<WorkspaceAvailability>(app);
}

}  // namespace workspaced::api::v0
