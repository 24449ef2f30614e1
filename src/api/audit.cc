#include "api/audit.h"

#include <boost/json.hpp>

#include "common/log.h"

namespace workspaced::api {
namespace {

constexpr std::size_t kMaxUserAgent = 512;

}  // namespace

domain::Actor ActorOf(const RequestContext& ctx) {
  domain::Actor a;
  if (ctx.principal) {
    a.subject = ctx.principal->subject;
    a.auth = ctx.principal->method == auth::AuthMethod::kDevKey ? "dev" : "jwt";
  }
  a.request_id = std::string(ctx.request.request_id);
  a.source_ip = std::string(ctx.request.remote_ip);
  a.user_agent = std::string(ctx.request.HeaderValue("User-Agent").substr(0, kMaxUserAgent));
  return a;
}

model::AuditEvent RequestAuditEvent(const RequestContext& ctx, Micros now, std::string action,
                                    std::string target_type, std::string target_id,
                                    std::string workspace_id) {
  return domain::AuditEventBy(ActorOf(ctx), now, std::move(action), std::move(target_type),
                              std::move(target_id), std::move(workspace_id));
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
