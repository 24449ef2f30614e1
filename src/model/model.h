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
#include "model/identity.h"

namespace workspaced::model {

enum class AccountRole { kAdmin, kMember };
enum class WorkspaceRole { kAdmin, kMember, kViewer };
// deleting → deleted (soft-deleted, restorable within the retention window)
// → purged (a tombstone: the row stays for its operations and audit chain).
enum class WorkspaceStatus { kProvisioning, kActive, kFrozen, kError, kDeleting, kDeleted, kPurged };
// Whether the workspace is being deleted, deleted or purged: left out of
// every listing, and of quotas once purged (docs/lifecycle.md).
bool IsGone(WorkspaceStatus s);
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
// A provisioning run (the saga instance a create or retry starts).
// kCancelled: a pending purge cancelled by a restore (never claimed again).
enum class RunState { kPending, kRunning, kCompensating, kSucceeded, kFailed, kCancelled };
// What an operation (a run of the saga engine) does (docs/lifecycle.md).
enum class OperationKind { kCreate, kRetry, kDelete, kPurge, kRestore };
// One step of a run. A failed run's completed steps end kCompensated.
enum class StepState { kPending, kRunning, kSucceeded, kFailed, kCompensated };

std::string_view ToString(AccountRole r);
std::string_view ToString(WorkspaceRole r);
std::string_view ToString(WorkspaceStatus s);
std::string_view ToString(ProvisioningPhase p);
std::string_view ToString(TenancyModel t);
std::string_view ToString(RunState s);
std::string_view ToString(StepState s);
std::string_view ToString(OperationKind k);
std::optional<OperationKind> ParseOperationKind(std::string_view s);
std::optional<AccountRole> ParseAccountRole(std::string_view s);
std::optional<WorkspaceRole> ParseWorkspaceRole(std::string_view s);
std::optional<WorkspaceStatus> ParseWorkspaceStatus(std::string_view s);
std::optional<ProvisioningPhase> ParseProvisioningPhase(std::string_view s);
std::optional<TenancyModel> ParseTenancyModel(std::string_view s);
std::optional<RunState> ParseRunState(std::string_view s);
std::optional<StepState> ParseStepState(std::string_view s);

struct Account {
  std::string id;  // UUID
  std::string name;
  Micros created_at = 0;
  // The identity providers whose groups count in this account's workspaces
  // (model/identity.h).
  std::vector<TrustedIssuer> trusted_issuers = DefaultTrustedIssuers();
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
  std::string frozen_by;           // who froze it (set while frozen)
  Micros frozen_at = 0;            // when (0 unless frozen)
  ProvisioningPhase phase = ProvisioningPhase::kCreated;
  // While set, deleting the workspace is refused (409) until it is cleared.
  bool deletion_protection = false;
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

struct ProvisioningStep {
  std::string name;
  StepState state = StepState::kPending;
  int attempts = 0;  // tries of the forward action so far
  // The last failed attempt's public reason (common/public_error.h): never
  // a dependency's raw message; its stable code is last_error_code.
  std::string last_error;
  Micros started_at = 0;   // 0: not started
  Micros finished_at = 0;  // 0: not finished
  std::string last_error_code;
};

// A run of the saga engine: an operation (docs/lifecycle.md). Provisioning
// runs are its create and retry kinds.
struct ProvisioningRun {
  std::string id;  // UUID
  std::string workspace_id;
  OperationKind kind = OperationKind::kCreate;
  RunState state = RunState::kPending;
  // Index into steps: the step to run next (kPending/kRunning), or, while
  // kCompensating, the step to compensate next (counting down).
  int current_step = 0;
  std::vector<ProvisioningStep> steps;  // in execution order
  std::string created_by;               // subject that started it
  std::string retry_of;                 // the failed run this one retries, or empty
  std::string error;                    // why the run failed (human-readable, public)
  std::string error_code;               // its stable code (common/public_error.h)
  Micros created_at = 0;
  Micros updated_at = 0;
  Micros finished_at = 0;      // 0 until succeeded/failed
  Micros next_attempt_at = 0;  // not claimable before (backoff)
  // Lease: the worker that may advance the run, until when. lease_version is
  // bumped by every claim and fences out a previous owner's writes.
  std::string lease_owner;  // empty: unleased
  Micros lease_expires_at = 0;
  std::int64_t lease_version = 0;
};

// The quotas of an account, set by platform admins (domain/quotas.h); each
// nullopt is unlimited, as is every quota of an account without a row.
struct AccountQuotas {
  std::string account_id;
  std::optional<std::int64_t> workspaces;             // workspaces the account holds
  std::optional<std::int64_t> members_per_workspace;  // direct members of each workspace
  std::optional<std::vector<std::string>> regions;    // where new workspaces may be created
  Micros updated_at = 0;
  std::string updated_by;
  std::optional<std::int64_t> secrets_per_workspace;  // secret names each workspace holds
  std::optional<std::int64_t> vault_records_per_workspace;  // vault records each workspace holds
  bool operator==(const AccountQuotas&) const = default;
};

// A stored response to a POST carrying an Idempotency-Key, per caller.
struct IdempotencyRecord {
  std::string subject;
  std::string key;
  std::string request_hash;  // hex SHA-256 of method, path and body
  bool completed = false;    // false: the first request is still in progress
  int status = 0;            // the response, once completed
  std::string body;
  std::string location;
  Micros created_at = 0;
  Micros expires_at = 0;
  // The workspace the answer belongs to ("" for none): the purge removes it.
  std::string workspace_id;
};

// A SpiceDB relationship: resource#relation@subject[#subject_relation].
struct Relationship {
  std::string resource_type;
  std::string resource_id;
  std::string relation;
  std::string subject_type;
  std::string subject_id;
  std::string subject_relation;  // empty, or e.g. "member" for group#member
  auto operator<=>(const Relationship&) const = default;
};

// One audit log entry. Issue 6 adds the hash chain, filters and the endpoint.
struct AuditEvent {
  std::int64_t seq = 0;  // assigned by the store, increasing
  Micros time = 0;
  std::string actor;       // subject, or "system:<part>" for the service itself
  std::string actor_auth;  // how the actor was authenticated: jwt, dev, system
  std::string action;      // e.g. workspace.create, provisioning.step.succeeded
  std::string target_type;
  std::string target_id;
  std::string workspace_id;  // scope of the event, or empty
  std::string outcome;       // success, failure, denied
  std::string request_id;
  std::string source_ip;
  std::string user_agent;
  std::string details;  // a JSON object
  // The hash chain (audit/chain.h), set by the store.
  std::string prev_hash;
  std::string hash;
};

// Which of a workspace's audit events to list: newest first, seq below
// `before_seq` (0: from the newest), optionally one action, one actor and a
// time window (inclusive, 0: open).
struct AuditQuery {
  std::string workspace_id;
  std::int64_t before_seq = 0;
  int limit = 50;
  std::string action;
  std::string actor;
  Micros since = 0;
  Micros until = 0;
};

// Refused requests counted together rather than chained one by one
// (domain/denials.h): one row per (window_start, source_ip, subject, status,
// reason, route) — the key — whose count grows in place.
struct DenialCount {
  std::string id;  // UUIDv7, given when the row is first written
  Micros window_start = 0;
  Micros window_end = 0;  // exclusive
  std::string source_ip;  // "*": every source past the per-window limit
  std::string subject;    // "" for no valid token; "*" as source_ip
  int status = 0;         // 401, 403, 404
  std::string reason;     // what the client was told
  std::string route;      // the route template, never the raw path
  std::int64_t count = 0;
  Micros first_at = 0;
  Micros last_at = 0;
  std::string user_agent;  // of the first request counted in the row
  std::string request_id;  // of the first request counted in the row
};

// Which denial counts to list: ids above `after` in id order, at most
// `limit`, windows that start within [since, until] (0: open), from one
// source when source_ip is set.
struct DenialQuery {
  std::string after;
  int limit = 100;
  Micros since = 0;
  Micros until = 0;
  std::string source_ip;
};

// The newest event of a chain (audit/chain.h).
struct AuditHead {
  std::string scope;  // the workspace id, or "" for events without one
  std::int64_t seq = 0;
  std::string hash;
};

}  // namespace workspaced::model
