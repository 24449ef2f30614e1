#include "api/json_views.h"

#include <boost/json.hpp>

#include "common/time_format.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

json::object WorkspaceObject(const model::Workspace& ws) {
  json::object o;
  o["id"] = ws.id;
  o["account_id"] = ws.account_id;
  o["name"] = ws.name;
  o["slug"] = ws.slug;
  o["status"] = model::ToString(ws.status);
  o["region"] = ws.region;
  o["tenancy_model"] = model::ToString(ws.tenancy_model);
  o["created_at"] = FormatRfc3339(ws.created_at);
  o["updated_at"] = FormatRfc3339(ws.updated_at);
  o["created_by"] = ws.created_by;
  o["updated_by"] = ws.updated_by;
  json::object labels;
  for (const auto& [k, v] : ws.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  json::array mappings;
  for (const auto& m : ws.group_mappings)
    mappings.push_back(json::object{{"group_name", m.group_name}, {"role", model::ToString(m.role)}});
  o["group_mappings"] = std::move(mappings);
  o["runtime"] = json::object{{"generation", ws.runtime_generation}};
  o["provisioning_phase"] = model::ToString(ws.phase);
  if (ws.status_reason.empty()) {
    o["status_reason"] = nullptr;
  } else {
    o["status_reason"] = ws.status_reason;
  }
  return o;
}

}  // namespace

std::string WorkspaceJson(const model::Workspace& ws) { return json::serialize(WorkspaceObject(ws)); }

std::string WorkspacesJson(const std::vector<model::Workspace>& list) {
  json::array a;
  a.reserve(list.size());
  for (const auto& ws : list) a.push_back(WorkspaceObject(ws));
  return json::serialize(a);
}

std::string EnvironmentsJson(const std::vector<model::Environment>& list) {
  json::array a;
  for (const auto& e : list) {
    a.push_back(json::object{{"id", e.id},
                             {"workspace_id", e.workspace_id},
                             {"name", e.name},
                             {"created_at", FormatRfc3339(e.created_at)}});
  }
  return json::serialize(a);
}

std::string AccountJson(const model::Account& account) {
  return json::serialize(json::object{
      {"id", account.id}, {"name", account.name}, {"created_at", FormatRfc3339(account.created_at)}});
}

std::string WorkspaceEtag(const model::Workspace& ws) {
  return "\"v" + std::to_string(ws.version) + "\"";
}

}  // namespace workspaced::api
