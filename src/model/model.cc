#include "model/model.h"

#include <array>
#include <utility>

namespace workspaced::model {
namespace {

template <typename E, std::size_t N>
std::string_view Name(const std::array<std::pair<E, std::string_view>, N>& table, E v) {
  for (const auto& [e, s] : table)
    if (e == v) return s;
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view s) {
  for (const auto& [e, name] : table)
    if (name == s) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<AccountRole, std::string_view>, 2> kAccountRoles{{
    {AccountRole::kAdmin, "admin"},
    {AccountRole::kMember, "member"},
}};
constexpr std::array<std::pair<WorkspaceRole, std::string_view>, 3> kWorkspaceRoles{{
    {WorkspaceRole::kAdmin, "admin"},
    {WorkspaceRole::kMember, "member"},
    {WorkspaceRole::kViewer, "viewer"},
}};
constexpr std::array<std::pair<WorkspaceStatus, std::string_view>, 7> kStatuses{{
    {WorkspaceStatus::kProvisioning, "provisioning"},
    {WorkspaceStatus::kActive, "active"},
    {WorkspaceStatus::kFrozen, "frozen"},
    {WorkspaceStatus::kError, "error"},
    {WorkspaceStatus::kDeleting, "deleting"},
    {WorkspaceStatus::kDeleted, "deleted"},
    {WorkspaceStatus::kPurged, "purged"},
}};
constexpr std::array<std::pair<ProvisioningPhase, std::string_view>, 6> kPhases{{
    {ProvisioningPhase::kCreated, "created"},
    {ProvisioningPhase::kAccountBinded, "account_binded"},
    {ProvisioningPhase::kAccountConfigured, "account_configured"},
    {ProvisioningPhase::kWorkspaceConfigured, "workspace_configured"},
    {ProvisioningPhase::kReady, "ready"},
    {ProvisioningPhase::kError, "error"},
}};
constexpr std::array<std::pair<TenancyModel, std::string_view>, 2> kTenancy{{
    {TenancyModel::kDedicated, "dedicated"},
    {TenancyModel::kShared, "shared"},
}};

constexpr std::array<std::pair<RunState, std::string_view>, 6> kRunStates{{
    {RunState::kPending, "pending"},
    {RunState::kRunning, "running"},
    {RunState::kCompensating, "compensating"},
    {RunState::kSucceeded, "succeeded"},
    {RunState::kFailed, "failed"},
    {RunState::kCancelled, "cancelled"},
}};
constexpr std::array<std::pair<OperationKind, std::string_view>, 5> kKinds{{
    {OperationKind::kCreate, "create"},
    {OperationKind::kRetry, "retry"},
    {OperationKind::kDelete, "delete"},
    {OperationKind::kPurge, "purge"},
    {OperationKind::kRestore, "restore"},
}};
constexpr std::array<std::pair<StepState, std::string_view>, 5> kStepStates{{
    {StepState::kPending, "pending"},
    {StepState::kRunning, "running"},
    {StepState::kSucceeded, "succeeded"},
    {StepState::kFailed, "failed"},
    {StepState::kCompensated, "compensated"},
}};

}  // namespace

std::string_view ToString(RunState s) { return Name(kRunStates, s); }
std::string_view ToString(StepState s) { return Name(kStepStates, s); }
std::string_view ToString(OperationKind k) { return Name(kKinds, k); }
std::optional<OperationKind> ParseOperationKind(std::string_view s) { return Parse(kKinds, s); }
bool IsGone(WorkspaceStatus s) {
  return s == WorkspaceStatus::kDeleting || s == WorkspaceStatus::kDeleted ||
         s == WorkspaceStatus::kPurged;
}
std::optional<RunState> ParseRunState(std::string_view s) { return Parse(kRunStates, s); }
std::optional<StepState> ParseStepState(std::string_view s) { return Parse(kStepStates, s); }
std::string_view ToString(AccountRole r) { return Name(kAccountRoles, r); }
std::string_view ToString(WorkspaceRole r) { return Name(kWorkspaceRoles, r); }
std::string_view ToString(WorkspaceStatus s) { return Name(kStatuses, s); }
std::string_view ToString(ProvisioningPhase p) { return Name(kPhases, p); }
std::string_view ToString(TenancyModel t) { return Name(kTenancy, t); }
std::optional<AccountRole> ParseAccountRole(std::string_view s) { return Parse(kAccountRoles, s); }
std::optional<WorkspaceRole> ParseWorkspaceRole(std::string_view s) {
  return Parse(kWorkspaceRoles, s);
}
std::optional<WorkspaceStatus> ParseWorkspaceStatus(std::string_view s) {
  return Parse(kStatuses, s);
}
std::optional<ProvisioningPhase> ParseProvisioningPhase(std::string_view s) {
  return Parse(kPhases, s);
}
std::optional<TenancyModel> ParseTenancyModel(std::string_view s) { return Parse(kTenancy, s); }

}  // namespace workspaced::model
