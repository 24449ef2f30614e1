#include "api/audit.h"

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

}  // namespace workspaced::api
