#include "api/audit.h"

#include "common/text.h"

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
  a.user_agent = BoundedText(ctx.request.HeaderValue("User-Agent"), kMaxUserAgent);
  return a;
}

model::AuditEvent RequestAuditEvent(const RequestContext& ctx, Micros now, std::string action,
                                    std::string target_type, std::string target_id,
                                    std::string workspace_id) {
  return domain::AuditEventBy(ActorOf(ctx), now, std::move(action), std::move(target_type),
                              std::move(target_id), std::move(workspace_id));
}

void AuditDenial(app::App& app, const RequestContext& ctx, std::string_view route, int status,
                 std::string_view reason) {
  domain::Denied d;
  d.actor = ActorOf(ctx);
  d.status = status;
  d.method = ctx.request.method_text;
  d.path = ctx.request.path;
  d.route = route;
  d.reason = reason;
  if (ctx.denial) {
    d.object_type = ctx.denial->object_type;
    d.object_id = ctx.denial->object_id;
    d.permission = ctx.denial->permission;
  }
  app.denials().Record(d);
}

}  // namespace workspaced::api
