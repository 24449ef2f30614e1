#include "domain/quotas.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <optional>

namespace workspaced::domain {
namespace {

namespace json = boost::json;

json::value Limit(const std::optional<std::int64_t>& n) {
  return n ? json::value(*n) : json::value(nullptr);
}

json::value Regions(const std::optional<std::vector<std::string>>& regions) {
  return regions ? json::value_from(*regions) : json::value(nullptr);
}

// The limits as PUT takes them (the audit event's before and after).
json::object LimitsJson(const model::AccountQuotas& q) {
  return {{"workspaces", Limit(q.workspaces)},
          {"members_per_workspace", Limit(q.members_per_workspace)},
          {"regions", Regions(q.regions)},
          {"secrets_per_workspace", Limit(q.secrets_per_workspace)},
          {"vault_records_per_workspace", Limit(q.vault_records_per_workspace)}};
}

// What each pillar's quota is called and where its limit is kept.
struct PillarQuota {
  PillarItem pillar;
  std::string_view key;    // pillar_items.pillar
  std::string_view limit;  // the quota's name (API, problem)
  std::string_view noun;   // in a problem's detail
  std::optional<std::int64_t> model::AccountQuotas::*allowed;
};
constexpr PillarQuota kPillarQuotas[] = {
    {PillarItem::kSecret, "secret", "secrets_per_workspace", "secrets",
     &model::AccountQuotas::secrets_per_workspace},
    {PillarItem::kVaultRecord, "vault_record", "vault_records_per_workspace", "vault records",
     &model::AccountQuotas::vault_records_per_workspace},
};

const PillarQuota& QuotaOf(PillarItem pillar) {
  for (const auto& q : kPillarQuotas)
    if (q.pillar == pillar) return q;
  std::abort();  // every PillarItem has its line
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// 409, the one problem every quota refusal answers.
Status QuotaExceeded(std::string detail, std::string_view limit, const json::value& allowed,
                     const json::value& current) {
  Status s = Conflict(std::move(detail) + "; a platform admin can change the account's quotas");
  s.WithProblemType("quota-exceeded", "Quota Exceeded")
      .WithMember("limit", json::serialize(json::value(limit)))
      .WithMember("allowed", json::serialize(allowed))
      .WithMember("current", json::serialize(current));
  return s;
}

StatusOr<model::AccountQuotas> LimitsOf(store::Tx& tx, std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(auto row, tx.GetAccountQuotas(account_id));
  if (row) return *std::move(row);
  model::AccountQuotas none;
  none.account_id = std::string(account_id);
  return none;
}

StatusOr<QuotaUsage> UsageOf(store::Tx& tx, std::string_view account_id) {
  QuotaUsage u;
  WS_RETURN_IF_ERROR(tx.GetAccount(account_id).status());
  WS_ASSIGN_OR_RETURN(u.limits, LimitsOf(tx, account_id));
  WS_ASSIGN_OR_RETURN(u.workspaces, tx.CountWorkspaces(account_id));
  WS_ASSIGN_OR_RETURN(u.largest_membership, tx.LargestWorkspaceMembership(account_id));
  WS_ASSIGN_OR_RETURN(u.largest_secrets,
                      tx.LargestPillarCount(account_id, QuotaOf(PillarItem::kSecret).key));
  WS_ASSIGN_OR_RETURN(u.largest_vault_records,
                      tx.LargestPillarCount(account_id, QuotaOf(PillarItem::kVaultRecord).key));
  WS_ASSIGN_OR_RETURN(u.regions, tx.RegionsInUse(account_id));
  return u;
}

}  // namespace

Status ValidateQuotas(const model::AccountQuotas& q, const std::vector<std::string>& configured) {
  Status s = Unprocessable("invalid quotas");
  if (q.workspaces && (*q.workspaces < 0 || *q.workspaces > kMaxWorkspacesQuota))
    s.WithField("workspaces", "must be null or 0-" + std::to_string(kMaxWorkspacesQuota));
  if (q.members_per_workspace &&
      (*q.members_per_workspace < 1 || *q.members_per_workspace > kMaxMembersQuota))
    s.WithField("members_per_workspace", "must be null or 1-" + std::to_string(kMaxMembersQuota) +
                                             " (a workspace's creator is its first member)");
  for (const auto& pq : kPillarQuotas) {
    const auto& limit = q.*pq.allowed;
    if (limit && (*limit < 0 || *limit > kMaxPillarItemsQuota))
      s.WithField(std::string(pq.limit),
                  "must be null or 0-" + std::to_string(kMaxPillarItemsQuota));
  }
  if (q.regions) {
    const auto& regions = *q.regions;
    for (std::size_t i = 0; i < regions.size(); ++i) {
      const std::string at = "regions[" + std::to_string(i) + "]";
      if (std::find(configured.begin(), configured.end(), regions[i]) == configured.end())
        s.WithField(at, "unknown region; valid regions: " + Join(configured));
      else if (std::find(regions.begin(), regions.begin() + static_cast<std::ptrdiff_t>(i),
                         regions[i]) != regions.begin() + static_cast<std::ptrdiff_t>(i))
        s.WithField(at, "is listed twice");
    }
  }
  return s.field_errors().empty() ? Status::Ok() : s;
}

Status CheckWorkspaceQuota(store::Tx& tx, std::string_view account_id, std::string_view region) {
  // Locked until the create commits, so concurrent creates count one
  // another (Store::WriteRowLocked).
  WS_ASSIGN_OR_RETURN(const auto limits, tx.LockAccountQuotas(account_id));
  if (!limits) return Status::Ok();  // no quotas: the usual case costs one lookup
  if (limits->regions && std::find(limits->regions->begin(), limits->regions->end(), region) ==
                             limits->regions->end()) {
    WS_ASSIGN_OR_RETURN(const auto in_use, tx.RegionsInUse(account_id));
    return QuotaExceeded(
        "the account may not create workspaces in " + std::string(region) +
            (limits->regions->empty() ? std::string("; it may create them in no region")
                                      : "; it may create them in " + Join(*limits->regions)),
        "regions", json::value_from(*limits->regions), json::value_from(in_use));
  }
  if (limits->workspaces) {
    WS_ASSIGN_OR_RETURN(const std::int64_t count, tx.CountWorkspaces(account_id));
    if (count >= *limits->workspaces) {
      return QuotaExceeded("the account may hold " + std::to_string(*limits->workspaces) +
                               " workspaces and holds " + std::to_string(count),
                           "workspaces", json::value(*limits->workspaces), json::value(count));
    }
  }
  return Status::Ok();
}

Status CheckMemberQuota(store::Tx& tx, std::string_view account_id, std::int64_t members) {
  WS_ASSIGN_OR_RETURN(const auto limits, tx.GetAccountQuotas(account_id));
  if (!limits || !limits->members_per_workspace || members < *limits->members_per_workspace)
    return Status::Ok();
  return QuotaExceeded(
      "a workspace of this account may have " + std::to_string(*limits->members_per_workspace) +
          " members and this one has " + std::to_string(members),
      "members_per_workspace", json::value(*limits->members_per_workspace), json::value(members));
}

Status AddPillarItemWithinQuota(store::Tx& tx, const model::Workspace& ws, PillarItem pillar,
                                std::string_view item, std::int64_t version) {
  const PillarQuota& pq = QuotaOf(pillar);
  WS_ASSIGN_OR_RETURN(const bool added, tx.AddPillarItem(ws.id, pq.key, item, version));
  if (!added) return Status::Ok();  // held already: a new version, not a new item
  WS_ASSIGN_OR_RETURN(const auto limits, tx.GetAccountQuotas(ws.account_id));
  if (!limits || !((*limits).*pq.allowed)) return Status::Ok();
  const std::int64_t allowed = *((*limits).*pq.allowed);
  WS_ASSIGN_OR_RETURN(const std::int64_t count, tx.CountPillarItems(ws.id, pq.key));
  if (count <= allowed) return Status::Ok();
  return QuotaExceeded("a workspace of this account may hold " + std::to_string(allowed) + " " +
                           std::string(pq.noun) + " and this one holds " +
                           std::to_string(count - 1),
                       pq.limit, json::value(allowed), json::value(count - 1));
}

StatusOr<bool> RemovePillarItem(store::Tx& tx, const model::Workspace& ws, PillarItem pillar,
                                std::string_view item, std::int64_t version) {
  return tx.RemovePillarItem(ws.id, QuotaOf(pillar).key, item, version);
}

StatusOr<std::int64_t> CountPillarItems(store::Tx& tx, const model::Workspace& ws,
                                        PillarItem pillar) {
  return tx.CountPillarItems(ws.id, QuotaOf(pillar).key);
}

StatusOr<QuotaUsage> Quotas::Put(const Actor& actor, const model::AccountQuotas& limits) {
  WS_RETURN_IF_ERROR(ValidateQuotas(limits, regions_));
  WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    const Micros now = clock_.Now();
    WS_RETURN_IF_ERROR(tx.GetAccount(limits.account_id).status());
    WS_ASSIGN_OR_RETURN(const model::AccountQuotas before, LimitsOf(tx, limits.account_id));
    model::AccountQuotas after = limits;
    after.updated_at = now;
    after.updated_by = actor.subject;
    WS_RETURN_IF_ERROR(tx.PutAccountQuotas(after));
    model::AuditEvent e =
        AuditEventBy(actor, now, "account.quotas.put", "account", limits.account_id, "");
    e.details =
        json::serialize(json::object{{"before", LimitsJson(before)}, {"after", LimitsJson(after)}});
    return tx.AppendAudit(e);
  }));
  // Read after the commit: the write waited for creates in flight
  // (Tx::PutAccountQuotas) that its snapshot does not show.
  return Get(limits.account_id);
}

StatusOr<QuotaUsage> Quotas::Get(std::string_view account_id) {
  QuotaUsage usage;
  WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(usage, UsageOf(tx, account_id));
    return Status::Ok();
  }));
  return usage;
}

}  // namespace workspaced::domain
