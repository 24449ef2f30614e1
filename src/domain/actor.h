// Who makes a change, and the facts of the request that the audit log keeps
// with it. Built by the caller (the API from a request, the CLI for itself);
// the domain operations only read it.
#pragma once

#include <string>

#include "common/clock.h"
#include "model/model.h"

namespace workspaced::domain {

struct Actor {
  std::string subject;  // the principal's user id (auth::Principal::subject)
  std::string auth;     // how it was authenticated: dev, jwt, cli, system
  std::string request_id;
  std::string source_ip;
  std::string user_agent;  // bounded by the caller
};

// An audit event by `actor`, outcome success, details "{}": the endpoint's
// operation fills in the rest.
model::AuditEvent AuditEventBy(const Actor& actor, Micros now, std::string action,
                               std::string target_type, std::string target_id,
                               std::string workspace_id);

}  // namespace workspaced::domain
