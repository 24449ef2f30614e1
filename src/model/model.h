// The resources workspaced owns, as plain values. Field names follow the API
// (seed 000 plus what seed 003 adds, in snake_case). Times are Micros (UTC).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace workspaced::model {

enum class AccountRole { kAdmin, kMember };
enum class WorkspaceRole { kAdmin, kMember, kViewer };
enum class WorkspaceStatus { kProvisioning, kActive, kFrozen, kError };
// Seed 003's provisioning lifecycle.
enum class ProvisioningPhase {
  kCreated,
  kAccountBinded,
  kAccountConfigured,
  kWorkspaceConfigured,
  kReady,
  kError,
};
enum class TenancyModel { kDedicated, kShared };

std::string_view ToString(AccountRole r);
std::string_view ToString(WorkspaceRole r);
std::string_view ToString(WorkspaceStatus s);
std::string_view ToString(ProvisioningPhase p);
std::string_view ToString(TenancyModel t);
std::optional<AccountRole> ParseAccountRole(std::string_view s);
std::optional<WorkspaceRole> ParseWorkspaceRole(std::string_view s);
std::optional<WorkspaceStatus> ParseWorkspaceStatus(std::string_view s);
std::optional<ProvisioningPhase> ParseProvisioningPhase(std::string_view s);
std::optional<TenancyModel> ParseTenancyModel(std::string_view s);

struct Account {
  std::string id;  // UUID
  std::string name;
  Micros created_at = 0;
};

struct AccountMember {
  std::string account_id;
  std::string subject;  // JWT `sub`
  AccountRole role = AccountRole::kMember;
  Micros created_at = 0;
};

struct GroupMapping {
  std::string group_name;  // a value of the token's `groups` claim
  WorkspaceRole role = WorkspaceRole::kViewer;
  bool operator==(const GroupMapping&) const = default;
};

struct Workspace {
  std::string id;  // UUID
  std::string account_id;
  std::string name;
  std::string slug;  // unique within the account
  WorkspaceStatus status = WorkspaceStatus::kProvisioning;
  std::string region;
  TenancyModel tenancy_model = TenancyModel::kDedicated;
  Micros created_at = 0;
  Micros updated_at = 0;
  std::string created_by;
  std::string updated_by;
  std::map<std::string, std::string> labels;
  std::vector<GroupMapping> group_mappings;
  std::string runtime_generation;  // `runtime.generation`
  std::string status_reason;       // set for error (and frozen: why)
  ProvisioningPhase phase = ProvisioningPhase::kCreated;
  // Bumped by every update; the ETag is derived from it.
  std::int64_t version = 1;
};

struct Environment {
  std::string id;  // UUID
  std::string workspace_id;
  std::string name;  // dev, staging, prod
  Micros created_at = 0;
};

struct WorkspaceMember {
  std::string workspace_id;
  std::string subject;
  WorkspaceRole role = WorkspaceRole::kViewer;
  Micros created_at = 0;
};

}  // namespace workspaced::model
