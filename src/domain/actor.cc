#include "domain/actor.h"

namespace workspaced::domain {

model::AuditEvent AuditEventBy(const Actor& actor, Micros now, std::string action,
                               std::string target_type, std::string target_id,
                               std::string workspace_id) {
  model::AuditEvent e;
  e.time = now;
  e.actor = actor.subject;
  e.actor_auth = actor.auth;
  e.action = std::move(action);
  e.target_type = std::move(target_type);
  e.target_id = std::move(target_id);
  e.workspace_id = std::move(workspace_id);
  e.outcome = "success";
  e.request_id = actor.request_id;
  e.source_ip = actor.source_ip;
  e.user_agent = actor.user_agent;
  e.details = "{}";
  return e;
}

}  // namespace workspaced::domain
