#include "api/v0/workspace_json.h"

#include <boost/json.hpp>

#include "common/time_format.h"

namespace workspaced::api::v0 {

std::string WorkspaceJson(const model::Workspace& ws) {
  namespace json = boost::json;
  json::object o;
  o["id"] = ws.id;
  o["name"] = ws.slug;
  o["displayName"] = ws.name;
  o["accountId"] = ws.account_id;
  o["region"] = ws.region;
  json::object labels;
  for (const auto& [k, v] : ws.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  json::array mappings;
  for (const model::GroupMapping& m : ws.group_mappings)
    mappings.push_back(json::object{{"groupName", m.group_name}, {"role", model::ToString(m.role)}});
  o["groupMappings"] = std::move(mappings);
  json::object runtime;
  if (!ws.runtime_generation.empty()) runtime["generation"] = ws.runtime_generation;
  o["runtime"] = std::move(runtime);
  o["status"] = model::ToString(ws.phase);
  // Seed 003: "Reason for current status (only set for error status)".
  if (ws.phase == model::ProvisioningPhase::kError && !ws.status_reason.empty())
    o["statusReason"] = ws.status_reason;
  o["createdAt"] = FormatRfc3339(ws.created_at);
  o["updatedAt"] = FormatRfc3339(ws.updated_at);
  o["createdBy"] = ws.created_by;
  o["updatedBy"] = ws.updated_by;
  return json::serialize(o);
}

std::string UserJson(std::string_view subject, std::string_view role) {
  if (role.empty()) return boost::json::serialize(boost::json::object{{"sub", subject}});
  return boost::json::serialize(
      boost::json::object{{"sub", subject}, {"role", role}, {"accepted", true}});
}

}  // namespace workspaced::api::v0
