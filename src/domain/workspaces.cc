#include "domain/workspaces.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "domain/quotas.h"
#include "domain/slug.h"
#include "domain/workspace_fields.h"
#include "domain/workspace_rules.h"
#include "model/relationships.h"
#include "saga/engine.h"
#include "saga/steps.h"

namespace workspaced::domain {
namespace {

namespace json = boost::json;

// Generated slugs try base, base-2, … base-kMaxSlugTries, then a random tail.
constexpr int kMaxSlugTries = 100;

json::array MappingsJson(const std::vector<model::GroupMapping>& mappings) {
  json::array out;
  for (const auto& g : mappings)
    out.push_back({{"group_name", g.group_name}, {"role", model::ToString(g.role)}});
  return out;
}

// kConflict when another workspace of the account has the slug.
Status RequireSlugFree(store::Tx& tx, const std::string& account_id, const std::string& slug) {
  if (IsReservedSlug(slug))
    return Conflict("the slug '" + slug + "' is reserved: /v0/workspaces/" + slug +
                    " is an endpoint");
  WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(account_id, slug));
  if (taken) return Conflict("the slug '" + slug + "' is already used in this account");
  return Status::Ok();
}

// Applies `patch` to `ws`, recording each field it changes in `before` and
// `after` (of labels only the keys that change, null where absent). Every
// value was validated (bounded, display-safe), so what is recorded stays
// small; a field set to the value it has is no change.
void ApplyPatch(const WorkspacePatch& patch, model::Workspace& ws, json::object& before,
                json::object& after) {
  const auto text = [&](std::string_view field, std::string& value,
                        const std::optional<std::string>& to) {
    if (!to || *to == value) return;
    before[field] = value;
    after[field] = *to;
    value = *to;
  };
  text("name", ws.name, patch.name);
  text("slug", ws.slug, patch.slug);
  if (patch.runtime_generation && *patch.runtime_generation != ws.runtime_generation) {
    before["runtime"] = {{"generation", ws.runtime_generation}};
    after["runtime"] = {{"generation", *patch.runtime_generation}};
    ws.runtime_generation = *patch.runtime_generation;
  }
  std::map<std::string, std::string> labels =
      patch.clear_labels ? std::map<std::string, std::string>{} : ws.labels;
  for (const auto& [key, value] : patch.labels) {
    if (value) {
      labels[key] = *value;
    } else {
      labels.erase(key);
    }
  }
  const auto value_of = [](const std::map<std::string, std::string>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? json::value(nullptr) : json::value(it->second);
  };
  std::set<std::string> keys;
  for (const auto& [key, unused] : ws.labels) keys.insert(key);
  for (const auto& [key, unused] : labels) keys.insert(key);
  json::object labels_before, labels_after;
  for (const std::string& key : keys) {
    json::value was = value_of(ws.labels, key), now = value_of(labels, key);
    if (was == now) continue;
    labels_before[key] = std::move(was);
    labels_after[key] = std::move(now);
  }
  if (!labels_before.empty()) {
    before["labels"] = std::move(labels_before);
    after["labels"] = std::move(labels_after);
    ws.labels = std::move(labels);
  }
  if (patch.deletion_protection && *patch.deletion_protection != ws.deletion_protection) {
    before["deletion_protection"] = ws.deletion_protection;
    after["deletion_protection"] = *patch.deletion_protection;
    ws.deletion_protection = *patch.deletion_protection;
  }
}

}  // namespace

void Workspaces::WakeEngine() {
  if (d_.engine != nullptr) d_.engine->Wake();
}

StatusOr<Accepted> Workspaces::Create(const Actor& actor, const NewWorkspace& request,
                                      RecordInTx record) {
  // Failpoint for tests: hold the request (its Idempotency-Key reserved).
  if (d_.failpoints.For("create_request", 1) == saga::Failpoint::Action::kDelay) {
    Wakeup never;
    (void)d_.clock.WaitFor(Micros{d_.failpoints.DelayMs("create_request")} * 1000, never,
                           [] { return false; });
  }
  Accepted accepted;
  // Row-locked: the quota row is locked (CheckWorkspaceQuota), the slug meets
  // its unique index (InsertWorkspace), the rest are new rows; so creates in
  // one account do not cancel one another (docs/postgresql.md).
  WS_RETURN_IF_ERROR(d_.store.WriteRowLocked([&](store::Tx& tx) -> Status {
    const Micros now = d_.clock.Now();
    WS_RETURN_IF_ERROR(tx.GetAccount(request.account_id).status());
    WS_RETURN_IF_ERROR(CheckWorkspaceQuota(tx, request.account_id, request.region));
    model::Workspace& ws = accepted.workspace;
    ws = model::Workspace{};
    ws.id = NewUuidV7(d_.random, d_.clock);
    ws.account_id = request.account_id;
    ws.name = request.name;
    WS_ASSIGN_OR_RETURN(ws.slug, ChooseSlug(tx, request));
    ws.status = model::WorkspaceStatus::kProvisioning;
    ws.phase = model::ProvisioningPhase::kCreated;
    ws.region = request.region;
    ws.tenancy_model = request.tenancy_model;
    ws.created_at = ws.updated_at = now;
    ws.created_by = ws.updated_by = actor.subject;
    ws.labels = request.labels;
    ws.group_mappings = request.group_mappings;
    ws.runtime_generation = request.runtime_generation;
    ws.deletion_protection = request.deletion_protection;
    ws.version = 1;
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
    // Its creator is its admin from this transaction on, like the row
    // itself kept whatever its runs do (the saga's configure_account only
    // records it): the creator's own list shows the workspace as soon as
    // the create is answered, in id order with the others, and a member
    // removed while it provisions stays removed.
    if (!ws.created_by.empty()) {
      WS_RETURN_IF_ERROR(
          tx.PutWorkspaceMember({ws.id, ws.created_by, model::WorkspaceRole::kAdmin, now}));
    }
    WS_ASSIGN_OR_RETURN(accepted.run_id, saga::StartProvisioningRun(tx, d_.random, d_.clock, ws.id,
                                                                    actor.subject, ""));
    model::AuditEvent event =
        AuditEventBy(actor, now, "workspace.create", "workspace", ws.id, ws.id);
    event.details =
        json::serialize(json::object{{"provisioning_run_id", accepted.run_id},
                                     {"account_id", ws.account_id},
                                     {"name", ws.name},
                                     {"slug", ws.slug},
                                     {"region", ws.region},
                                     {"tenancy_model", model::ToString(ws.tenancy_model)}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(event));
    return record(tx, accepted);
  }));
  WakeEngine();
  return accepted;
}

StatusOr<std::string> Workspaces::ChooseSlug(store::Tx& tx, const NewWorkspace& request) {
  if (request.slug) {
    WS_RETURN_IF_ERROR(RequireSlugFree(tx, request.account_id, *request.slug));
    return *request.slug;
  }
  const std::string base = SlugFromName(request.name);
  for (int n = 1; n <= kMaxSlugTries; ++n) {
    std::string candidate = n == 1 ? base : SlugCandidate(base, n);
    if (IsReservedSlug(candidate)) continue;
    WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(request.account_id, candidate));
    if (!taken) return candidate;
  }
  // Very crowded names: a random tail, practically never taken.
  std::string candidate = SlugCandidate(base, 99'999'999);
  candidate.resize(candidate.size() - 8);
  candidate += RandomHex(d_.random, 4);
  WS_ASSIGN_OR_RETURN(const bool taken, tx.SlugTaken(request.account_id, candidate));
  if (taken) return Conflict("could not find a free slug for this name; give one");
  return candidate;
}

StatusOr<Accepted> Workspaces::RetryRun(const Actor& actor, const std::string& run_id,
                                        RecordInTx record) {
  Accepted accepted;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    const Micros now = d_.clock.Now();
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun failed, tx.GetRun(run_id));
    WS_ASSIGN_OR_RETURN(model::Workspace ws, LoadForChange(tx, failed.workspace_id));
    if (failed.state != model::RunState::kFailed) {
      return Conflict("only a failed run can be retried; this run is " +
                      std::string(model::ToString(failed.state)));
    }
    // Its latest provisioning run: a delete, a purge or a restore since (a
    // failed workspace deleted and restored) is not a retry.
    WS_ASSIGN_OR_RETURN(const auto latest,
                        tx.LatestProvisioningRunForWorkspace(failed.workspace_id));
    if (latest && latest->id != failed.id) {
      return Conflict("this run was already retried by run " + latest->id + " (" +
                      std::string(model::ToString(latest->state)) + ")");
    }
    ws.status = model::WorkspaceStatus::kProvisioning;
    ws.phase = model::ProvisioningPhase::kCreated;
    ws.status_reason.clear();
    WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
    WS_ASSIGN_OR_RETURN(accepted.run_id, saga::StartProvisioningRun(tx, d_.random, d_.clock, ws.id,
                                                                    actor.subject, failed.id));
    accepted.workspace = ws;
    model::AuditEvent event = AuditEventBy(actor, now, "provisioning.run.retried",
                                           "provisioning_run", accepted.run_id, ws.id);
    event.details = json::serialize(json::object{{"retry_of", failed.id}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(event));
    return record(tx, accepted);
  }));
  WakeEngine();
  return accepted;
}

StatusOr<model::Workspace> Workspaces::SetStatus(const Actor& actor, const std::string& id,
                                                 model::WorkspaceStatus to,
                                                 const std::string& reason,
                                                 const Precondition& precondition) {
  const bool freeze = to == model::WorkspaceStatus::kFrozen;
  model::Workspace ws;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    const Micros now = d_.clock.Now();
    // The one change a frozen workspace takes: not LoadForChange.
    WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
    if (precondition) WS_RETURN_IF_ERROR(precondition(ws));
    const model::WorkspaceStatus from =
        freeze ? model::WorkspaceStatus::kActive : model::WorkspaceStatus::kFrozen;
    if (ws.status != from) {
      return Conflict(WorkspaceIs(ws.status) +
                      "; only an active workspace can be frozen and only a frozen one "
                      "unfrozen");
    }
    ws.status = to;
    if (freeze) {
      ws.frozen_by = actor.subject;
      ws.frozen_at = now;
      ws.status_reason = reason;
    } else {
      ws.frozen_by.clear();
      ws.frozen_at = 0;
      ws.status_reason.clear();
    }
    WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
    model::AuditEvent e = AuditEventBy(
        actor, now, freeze ? "workspace.freeze" : "workspace.unfreeze", "workspace", id, id);
    e.details = json::serialize(json::object{{"reason", reason}});
    return tx.AppendAudit(e);
  }));
  return ws;
}

StatusOr<model::Workspace> Workspaces::Update(const Actor& actor, const std::string& id,
                                              const WorkspacePatch& patch,
                                              const Precondition& precondition) {
  model::Workspace ws;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(ws, LoadForChange(tx, id));
    if (precondition) WS_RETURN_IF_ERROR(precondition(ws));
    json::object before, after;
    ApplyPatch(patch, ws, before, after);
    if (before.empty()) return Status::Ok();  // a no-op: no new version, nothing to audit
    if (auto problem = LabelCountProblem(ws.labels.size())) {
      return Status(Code::kUnprocessable, "the workspace is not valid")
          .WithField("labels",
                     *problem + "; this change would leave " + std::to_string(ws.labels.size()));
    }
    if (after.contains("slug")) WS_RETURN_IF_ERROR(RequireSlugFree(tx, ws.account_id, ws.slug));
    const Micros now = d_.clock.Now();
    WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
    model::AuditEvent e = AuditEventBy(actor, now, "workspace.update", "workspace", id, id);
    e.details =
        json::serialize(json::object{{"before", std::move(before)}, {"after", std::move(after)}});
    return tx.AppendAudit(e);
  }));
  return ws;
}

StatusOr<model::Workspace> Workspaces::PutGroupMappings(
    const Actor& actor, const std::string& id, const std::vector<model::GroupMapping>& mappings,
    const Precondition& precondition) {
  model::Workspace ws;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    const Micros now = d_.clock.Now();
    WS_ASSIGN_OR_RETURN(ws, LoadForChange(tx, id));
    if (precondition) WS_RETURN_IF_ERROR(precondition(ws));
    const json::array before = MappingsJson(ws.group_mappings);
    // Before write_relationships, that step writes the mappings it finds.
    // Its relationships are made what the mappings name even when they do
    // not change (a repeated PUT repairs a stray row: derived data, no event).
    if (RelationshipsWritten(ws)) {
      WS_ASSIGN_OR_RETURN(const model::Account account, tx.GetAccount(ws.account_id));
      WS_RETURN_IF_ERROR(SyncGroupRelationships(tx, id, mappings, account.trusted_issuers));
    }
    // The mappings it already has, in the same order: nothing else changes —
    // no new version, no event (as a PATCH that changes nothing).
    if (MappingsJson(mappings) == before) return Status::Ok();
    ws.group_mappings = mappings;
    WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
    model::AuditEvent e =
        AuditEventBy(actor, now, "workspace.group_mappings.put", "workspace", id, id);
    e.details = json::serialize(
        json::object{{"before", before}, {"after", MappingsJson(ws.group_mappings)}});
    return tx.AppendAudit(e);
  }));
  return ws;
}

StatusOr<ExportStart> Workspaces::StartExport(const Actor& actor, const std::string& id,
                                              std::string_view format) {
  ExportStart start;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(start.workspace, tx.GetWorkspace(id));
    model::AuditEvent e =
        AuditEventBy(actor, d_.clock.Now(), "workspace.export", "workspace", id, id);
    e.details = json::serialize(json::object{{"format", format}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(e));
    WS_ASSIGN_OR_RETURN(const auto newest, tx.ListAudit({.workspace_id = id, .limit = 1}));
    start.last_seq = newest.empty() ? 0 : newest.front().seq;
    return Status::Ok();
  }));
  return start;
}

}  // namespace workspaced::domain
