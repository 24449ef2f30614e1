// Quotas per account: how many workspaces it may hold, how many direct
// members each of its workspaces may have, in which regions new workspaces
// may be created, and how many secrets and vault records each workspace may
// hold. Platform admins set them
// (Quotas::Put); the account's members read them with the current usage (Quotas::Get). An account
// without quotas, and each limit left unset, is unlimited.
//
// The limits are rules of the operations that create what they count, checked
// inside their own write transaction (CheckWorkspaceQuota in
// Workspaces::Create, CheckMemberQuota in Members::Put). On SQLite the one
// writer serialises those transactions; on PostgreSQL they run SERIALIZABLE
// (store.h Write), so of concurrent creates that each saw room, those that
// would overshoot fail to commit and are re-run, then see the others. A limit
// lowered below the usage refuses new items and keeps the existing ones.
//
// Failure: kNotFound (no such account), kUnprocessable (a limit out of
// bounds, an unknown region: one field error each), kConflict with the
// quota-exceeded problem (members `limit`, `allowed`, `current`) from the
// checks, kUnavailable / kInternal from the store.
//
// Thread-safety: safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

// Bounds of what a platform admin may set.
inline constexpr std::int64_t kMaxWorkspacesQuota = 1'000'000;
inline constexpr std::int64_t kMaxMembersQuota = 100'000;  // at least 1: the creator
inline constexpr std::int64_t kMaxPillarItemsQuota = 10'000'000;

// kUnprocessable naming each bad field: workspaces 0..kMaxWorkspacesQuota,
// members_per_workspace 1..kMaxMembersQuota, regions distinct names of
// `configured` (an empty list allows none).
Status ValidateQuotas(const model::AccountQuotas& quotas,
                      const std::vector<std::string>& configured);

// An account's limits and what it uses now.
struct QuotaUsage {
  model::AccountQuotas limits;             // every limit nullopt without a row
  std::int64_t workspaces = 0;             // workspaces the account holds
  std::int64_t largest_membership = 0;     // direct members of its largest workspace
  std::int64_t largest_secrets = 0;        // secret names of the workspace holding most
  std::int64_t largest_vault_records = 0;  // vault records of the workspace holding most
  std::vector<std::string> regions;        // regions its workspaces are in, sorted
};

// Inside a creating transaction: OK when the account may hold one more
// workspace, in `region`; else the quota-exceeded problem.
Status CheckWorkspaceQuota(store::Tx& tx, std::string_view account_id, std::string_view region);
// Inside a member's transaction: OK when a workspace of the account that has
// `members` direct members may take one more.
Status CheckMemberQuota(store::Tx& tx, std::string_view account_id, std::int64_t members);

// The pillars' items a quota counts per workspace (pillar_items): each has a
// limit in model::AccountQuotas. A pillar adds its line to kPillarQuotas
// (domain/quotas.cc) and calls these in its committing transaction.
enum class PillarItem { kSecret, kVaultRecord };
// Inside the transaction that commits a pillar write adding `item` (a
// secret's name) at `version` (the secret's version; 0 for an item without
// versions): records it as held and, when it is new, OK while the
// workspace stays within its account's limit; else the quota-exceeded
// problem (and the caller's transaction must not commit). A removal of a
// higher version committed first stands (Tx::AddPillarItem).
Status AddPillarItemWithinQuota(store::Tx& tx, const model::Workspace& ws, PillarItem pillar,
                                std::string_view item, std::int64_t version);
// Inside the transaction that commits the item's removal at `version` (a
// secret's tombstone: it destroys only lower versions, so a write of a
// higher version committed first keeps the item held). False when a removal
// that committed first released it already (store.h).
StatusOr<bool> RemovePillarItem(store::Tx& tx, const model::Workspace& ws, PillarItem pillar,
                                std::string_view item, std::int64_t version);
// The items of `pillar` the workspace holds, as its quota counts them (one
// indexed count; the dataplane is not read).
StatusOr<std::int64_t> CountPillarItems(store::Tx& tx, const model::Workspace& ws,
                                        PillarItem pillar);

class Quotas {
 public:
  // `regions`: the configured regions a quota may name.
  Quotas(store::Store& store, const Clock& clock, std::vector<std::string> regions)
      : store_(store), clock_(clock), regions_(std::move(regions)) {}

  // Replaces the account's limits (audited as account.quotas.put with before
  // and after); answers them with the usage.
  StatusOr<QuotaUsage> Put(const Actor& actor, const model::AccountQuotas& limits);
  StatusOr<QuotaUsage> Get(std::string_view account_id);

 private:
  store::Store& store_;
  const Clock& clock_;
  const std::vector<std::string> regions_;
};

}  // namespace workspaced::domain
