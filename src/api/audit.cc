#include "api/audit.h"

#include <boost/json.hpp>

#include "common/log.h"

namespace workspaced::api {
namespace {

constexpr std::size_t kMaxUserAgent = 512;

}  // namespace

model::AuditEvent RequestAuditEvent(const RequestContext& ctx, Micros now, std::string action,
                                    std::string target_type, std::string target_id,
                                    std::string workspace_id) {
  model::AuditEvent e;
  e.time = now;
  if (ctx.principal) {
    e.actor = ctx.principal->subject;
    e.actor_auth = ctx.principal->method == auth::AuthMethod::kDevKey ? "dev" : "jwt";
  }
  e.action = std::move(action);
  e.target_type = std::move(target_type);
  e.target_id = std::move(target_id);
  e.workspace_id = std::move(workspace_id);
  e.outcome = "success";
  e.request_id = std::string(ctx.request.request_id);
  e.source_ip = std::string(ctx.request.remote_ip);
  e.user_agent = std::string(ctx.request.HeaderValue("User-Agent").substr(0, kMaxUserAgent));
  e.details = "{}";
  return e;
}

void AuditDenial(app::App& app, const RequestContext& ctx, int status, std::string_view reason) {
  model::AuditEvent e = RequestAuditEvent(ctx, app.clock().Now(), "authz.denied", "", "", "");
  e.outcome = "denied";
  if (!ctx.principal) e.actor_auth = "none";
  boost::json::object details{{"status", status},
                              {"method", ctx.request.method_text},
                              {"path", ctx.request.path},
                              {"reason", reason}};
  if (ctx.denial) {
    e.target_type = ctx.denial->object_type;
    e.target_id = ctx.denial->object_id;
    details["permission"] = ctx.denial->permission;
  }
  e.details = boost::json::serialize(details);
  const Status s = app.store().Write([&](store::Tx& tx) -> Status {
    model::AuditEvent event = e;
    if (event.target_type == "workspace") {
      StatusOr<model::Workspace> ws = tx.GetWorkspace(event.target_id);
      if (ws.ok()) {
        event.workspace_id = event.target_id;
      } else if (ws.status().code() != Code::kNotFound) {
        return ws.status();
      }
    }
    return tx.AppendAudit(event);
  });
  if (!s.ok()) {
    log::Error("audit: a denial could not be recorded",
               {{"request_id", ctx.request.request_id}, {"error", s.message()}});
  }
}

}  // namespace workspaced::api
