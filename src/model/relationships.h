// The authorization relationships (authz/schema.zed) that the data implies,
// in one place so that every writer derives them the same way.
//
// Two kinds:
//   - derived by the store itself, in the transaction that changes the data
//     (so no caller can forget them): an account's link to the platform,
//     account and workspace memberships, and a workspace's link to its
//     account (which lives as long as the workspace row, so that the
//     account's admins can read and retry a workspace whose provisioning
//     failed);
//   - written by the provisioning saga's write_relationships step, and
//     removed by its compensation: each environment's parent and the
//     workspace's group mappings (WorkspaceRelationships); a change of group
//     mappings (domain::Workspaces::PutGroupMappings) writes the difference
//     (GroupMappingChanges) in its own transaction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace workspaced::model {

// The one platform object; configuration `platform_admins` are its admins.
inline constexpr char kPlatformId[] = "workspaced";

Relationship PlatformAdmin(std::string_view subject);
Relationship AccountOnPlatform(std::string_view account_id);
Relationship AccountMemberRelationship(std::string_view account_id, AccountRole role,
                                       std::string_view subject);
Relationship WorkspaceOfAccount(std::string_view workspace_id, std::string_view account_id);
Relationship WorkspaceMemberRelationship(std::string_view workspace_id, WorkspaceRole role,
                                         std::string_view subject);
// A mapping grants through the group as each trusted issuer (and
// organisation) of the workspace's account names it (model/identity.h).
Relationship GroupMappingRelationship(std::string_view workspace_id, const GroupMapping& mapping,
                                      const TrustedIssuer& issuer);
std::vector<Relationship> GroupMappingRelationships(std::string_view workspace_id,
                                                    const std::vector<GroupMapping>& mappings,
                                                    const std::vector<TrustedIssuer>& issuers);
Relationship EnvironmentOfWorkspace(std::string_view environment_id, std::string_view workspace_id);

// What write_relationships writes for a workspace: each environment's parent
// and each group mapping.
// `issuers`: what the workspace's account trusts.
std::vector<Relationship> WorkspaceRelationships(const Workspace& ws,
                                                 const std::vector<Environment>& environments,
                                                 const std::vector<TrustedIssuer>& issuers);

}  // namespace workspaced::model
