#include "model/relationships.h"

#include <algorithm>

namespace workspaced::model {
namespace {

Relationship Rel(std::string_view type, std::string_view id, std::string_view relation,
                 std::string_view subject_type, std::string_view subject_id,
                 std::string_view subject_relation = "") {
  return {std::string(type),         std::string(id),         std::string(relation),
          std::string(subject_type), std::string(subject_id), std::string(subject_relation)};
}

}  // namespace

Relationship PlatformAdmin(std::string_view subject) {
  return Rel("platform", kPlatformId, "admin", "user", subject);
}

Relationship AccountOnPlatform(std::string_view account_id) {
  return Rel("account", account_id, "platform", "platform", kPlatformId);
}

Relationship AccountMemberRelationship(std::string_view account_id, AccountRole role,
                                       std::string_view subject) {
  return Rel("account", account_id, ToString(role), "user", subject);
}

Relationship WorkspaceOfAccount(std::string_view workspace_id, std::string_view account_id) {
  return Rel("workspace", workspace_id, "account", "account", account_id);
}

Relationship WorkspaceMemberRelationship(std::string_view workspace_id, WorkspaceRole role,
                                         std::string_view subject) {
  return Rel("workspace", workspace_id, ToString(role), "user", subject);
}

Relationship GroupMappingRelationship(std::string_view workspace_id, const GroupMapping& mapping,
                                      const TrustedIssuer& issuer) {
  return Rel("workspace", workspace_id, ToString(mapping.role), "group",
             QualifiedGroup(issuer.issuer, issuer.org, mapping.group_name), "member");
}

std::vector<Relationship> GroupMappingRelationships(std::string_view workspace_id,
                                                    const std::vector<GroupMapping>& mappings,
                                                    const std::vector<TrustedIssuer>& issuers) {
  std::vector<Relationship> out;
  for (const auto& g : mappings)
    for (const auto& t : issuers) out.push_back(GroupMappingRelationship(workspace_id, g, t));
  return out;
}

Relationship EnvironmentOfWorkspace(std::string_view environment_id,
                                    std::string_view workspace_id) {
  return Rel("environment", environment_id, "workspace", "workspace", workspace_id);
}

std::vector<Relationship> WorkspaceRelationships(const Workspace& ws,
                                                 const std::vector<Environment>& environments,
                                                 const std::vector<TrustedIssuer>& issuers) {
  std::vector<Relationship> rels;
  for (const auto& e : environments) rels.push_back(EnvironmentOfWorkspace(e.id, ws.id));
  for (auto& r : GroupMappingRelationships(ws.id, ws.group_mappings, issuers))
    rels.push_back(std::move(r));
  return rels;
}

}  // namespace workspaced::model
