#include "domain/secrets.h"

#include <algorithm>
#include <boost/json.hpp>
#include <iterator>
#include <limits>

#include "common/base64url.h"
#include "common/log.h"
#include "crypto/aead.h"
#include "domain/pillar_contents.h"
#include "domain/workspace_fields.h"
#include "domain/workspace_rules.h"

namespace workspaced::domain {
namespace {

constexpr char kWhat[] = "secrets";  // the pillar, in messages and failpoints

// Binds a sealed value to its workspace, name and version (names hold no
// NUL, so the parts cannot run into each other).
std::string Aad(const std::string& workspace_id, const std::string& name, std::int64_t version) {
  std::string aad = "secret";
  aad.push_back('\0');
  aad += workspace_id;
  aad.push_back('\0');
  aad += name;
  aad.push_back('\0');
  aad += std::to_string(version);
  return aad;
}

SecretInfo Fold(const std::string& name, const std::vector<dataplane::SecretRow>& rows) {
  SecretInfo info{name, {}};
  for (const auto& r : rows) {
    if (r.name != name) continue;
    info.versions.push_back({r.version, r.environment, r.description, r.created_at, r.created_by});
  }
  return info;
}

}  // namespace

bool IsSecretName(std::string_view name) {
  if (name.empty() || name.size() > kMaxSecretNameBytes) return false;
  const char c0 = name[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  return name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
         std::string_view::npos;
}

Status ValidateSecretWrite(const SecretWrite& w) {
  std::vector<FieldError> errors = w.parse_errors;
  if (!IsSecretName(w.name))
    errors.push_back({"name",
                      "a secret name is 1 to 128 of A-Z a-z 0-9 _ . - and starts with "
                      "a letter or _"});
  const auto named = [&](std::string_view field) {
    for (const auto& e : w.parse_errors)
      if (e.field == field) return true;
    return false;
  };
  if (!named("value") && (w.value.empty() || w.value.size() > kMaxSecretValueBytes))
    errors.push_back({"value", "a value is 1 to 65536 bytes"});
  if (!named("environment") && !w.environment.empty() && w.environment != "dev" &&
      w.environment != "staging" && w.environment != "prod")
    errors.push_back({"environment", "must be one of dev, staging, prod"});
  if (!named("description") && w.description.size() > kMaxSecretDescriptionBytes)
    errors.push_back({"description", "a description is at most 1024 bytes"});
  else if (auto problem = UnsafeTextProblem(w.description); problem && !named("description"))
    errors.push_back({"description", std::move(*problem)});
  if (errors.empty()) return Status::Ok();
  return Unprocessable("the secret is not valid").WithFields(std::move(errors));
}

Secrets::Secrets(SecretsDeps deps)
    : d_(deps), protocol_(deps.store, deps.clock, deps.failpoints, kWhat) {}

StatusOr<bool> Secrets::ResolvePending(const model::Workspace& ws,
                                       const dataplane::SecretRow& row) {
  return protocol_.Resolve(
      ws, row.operation_id, row.created_at, kPendingBound,
      [&](std::string_view op) {
        return d_.dataplane.CommitSecretOperation(ws, op, d_.max_versions);
      },
      [&](std::string_view op) { return d_.dataplane.DiscardSecretOperation(ws, op); });
}

StatusOr<std::vector<dataplane::SecretRow>> Secrets::CommittedRows(
    const model::Workspace& ws, const dataplane::SecretRowQuery& query) {
  // A workspace that never became ready never held a secret: its
  // dataplane (perhaps never made, or compensated away) is not asked, and
  // a get or reveal answers 404 as its list answers nothing.
  if (ws.phase != model::ProvisioningPhase::kReady) return std::vector<dataplane::SecretRow>{};
  WS_ASSIGN_OR_RETURN(std::vector<dataplane::SecretRow> rows,
                      d_.dataplane.ListSecretRows(ws, query));
  bool changed = false;
  for (const auto& r : rows) {
    if (!r.pending) continue;
    WS_ASSIGN_OR_RETURN(const bool committed, ResolvePending(ws, r));
    changed = changed || committed;
  }
  if (changed) {
    WS_ASSIGN_OR_RETURN(rows, d_.dataplane.ListSecretRows(ws, query));
  }
  std::erase_if(rows, [](const dataplane::SecretRow& r) { return r.pending || r.tombstone; });
  return rows;
}

Status Secrets::Finish(const model::Workspace& ws, const std::string& operation_id,
                       model::AuditEvent audit, PillarProtocol::RuleFn rule) {
  return protocol_.Finish(
      ws, operation_id, std::move(audit), rule,
      [&](std::string_view op) {
        return d_.dataplane.CommitSecretOperation(ws, op, d_.max_versions);
      },
      [&](std::string_view op) { return d_.dataplane.DiscardSecretOperation(ws, op); });
}

StatusOr<Secrets::Written> Secrets::Put(const Actor& actor, const std::string& workspace_id,
                                        const SecretWrite& w) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  WS_RETURN_IF_ERROR(ValidateSecretWrite(w));       // bad input is 422 whatever the state
  WS_RETURN_IF_ERROR(RequireActiveFor(ws, kWhat));  // early; step 2 decides
  WS_ASSIGN_OR_RETURN(const crypto::Key key,
                      d_.keys.ForWrite(ws.id, [&] { return HoldsSealedValues(d_.dataplane, ws); }));

  dataplane::SecretRow row;
  row.name = w.name;
  row.environment = w.environment;
  row.description = w.description;
  row.operation_id = NewUuidV7(d_.random, d_.clock);
  row.created_at = d_.clock.Now();
  row.created_by = actor.subject;
  // Step 1.
  WS_ASSIGN_OR_RETURN(
      const dataplane::NumberedSecret numbered,
      d_.dataplane.AddPendingSecret(ws, row, [&](std::int64_t v) {
        return Base64UrlEncode(crypto::Seal(key, Aad(ws.id, w.name, v), w.value, d_.random));
      }));
  const std::int64_t version = numbered.version;
  protocol_.MaybeCrash("after_pending");

  model::AuditEvent e = AuditEventBy(actor, d_.clock.Now(), "secret.put", "secret", w.name, ws.id);
  boost::json::object details{{"version", version}, {"operation_id", row.operation_id}};
  if (!w.environment.empty()) details["environment"] = w.environment;
  e.details = boost::json::serialize(details);
  WS_RETURN_IF_ERROR(Finish(
      ws, row.operation_id, std::move(e), [&](store::Tx& tx, const model::Workspace& current) {
        return AddPillarItemWithinQuota(tx, current, PillarItem::kSecret, w.name, version);
      }));
  // The secret as this write left it: its committed versions below the one
  // written (the newest max_versions), and that one (concurrent writers of
  // one name each learn their own version). It created the secret when it
  // was numbered first: no version was there, committed or still in
  // flight, or the name's last row was a delete.
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.name = w.name}));
  Written out;
  out.created = numbered.first;
  out.secret = Fold(w.name, rows);  // none: deleted since
  std::erase_if(out.secret.versions,
                [&](const SecretVersionInfo& v) { return v.version >= version; });
  out.secret.versions.push_back(
      {version, row.environment, row.description, row.created_at, row.created_by});
  return out;
}

StatusOr<std::vector<SecretInfo>> Secrets::List(const std::string& workspace_id,
                                                const std::string& after_name, int limit) {
  // Versions are read a bounded page at a time (ListPage, keyset in the
  // dataplane) until `limit` names are complete: the limit-th is once a
  // later name shows, or the versions run out.
  const int chunk = std::clamp(2 * limit, 100, 2000);
  SecretVersionKey key{after_name, std::numeric_limits<std::int64_t>::max()};
  std::vector<SecretInfo> out;
  for (;;) {
    WS_ASSIGN_OR_RETURN(SecretPage page, ListPage(workspace_id, key, chunk));
    for (auto& s : page.secrets) {
      if (!out.empty() && out.back().name == s.name) {
        std::ranges::move(s.versions, std::back_inserter(out.back().versions));
        continue;
      }
      if (static_cast<int>(out.size()) == limit) return out;
      out.push_back(std::move(s));
    }
    if (!page.next) return out;
    key = *page.next;
  }
}

StatusOr<SecretPage> Secrets::ListPage(const std::string& workspace_id,
                                       const SecretVersionKey& after, int limit) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  // A workspace that never became ready never held a secret (a write needs
  // it active): its dataplane, perhaps never made or unreachable, is not
  // asked (an export of a failed create goes on).
  if (ws.phase != model::ProvisioningPhase::kReady) return SecretPage{};
  const dataplane::SecretRowQuery query{
      .after_name = after.name, .after_version = after.version, .limit = limit};
  // The page is cut on the rows read, pending ones included, so that a
  // page of rows that all turn out aborted still moves the key on.
  StatusOr<std::vector<dataplane::SecretRow>> raw = d_.dataplane.ListSecretRows(ws, query);
  if (raw.status().code() == Code::kConflict) return SecretPage{};  // not provisioned
  WS_RETURN_IF_ERROR(raw.status());
  SecretPage page;
  if (raw->empty()) return page;
  if (static_cast<int>(raw->size()) == limit)
    page.next = SecretVersionKey{raw->back().name, raw->back().version};
  // Only a page holding a pending row is read again, resolved; committed
  // tombstones (a deleted name's high-water mark) are never shown.
  std::vector<dataplane::SecretRow> rows;
  if (std::ranges::any_of(*raw, [](const auto& r) { return r.pending; })) {
    WS_ASSIGN_OR_RETURN(rows, CommittedRows(ws, {.after_name = after.name,
                                                 .after_version = after.version,
                                                 .limit = static_cast<int>(raw->size())}));
  } else {
    rows = std::move(*raw);
    std::erase_if(rows, [](const dataplane::SecretRow& r) { return r.tombstone; });
  }
  for (const auto& r : rows) {
    if (page.next &&
        (r.name > page.next->name || (r.name == page.next->name && r.version > page.next->version)))
      break;  // a row the first read did not see: the next page has it
    if (page.secrets.empty() || page.secrets.back().name != r.name)
      page.secrets.push_back({r.name, {}});
    page.secrets.back().versions.push_back(
        {r.version, r.environment, r.description, r.created_at, r.created_by});
  }
  return page;
}

StatusOr<SecretInfo> Secrets::Get(const std::string& workspace_id, const std::string& name) {
  if (!IsSecretName(name)) return NotFound("secret not found");
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.name = name}));
  if (rows.empty()) return NotFound("secret not found");
  return Fold(name, rows);
}

StatusOr<RevealedSecret> Secrets::Reveal(const Actor& actor, const std::string& workspace_id,
                                         const std::string& name,
                                         std::optional<std::int64_t> version) {
  if (!IsSecretName(name)) return NotFound("secret not found");
  std::optional<std::string> wrapped_key;  // read with the workspace: one transaction
  WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                      protocol_.ReadWorkspace(workspace_id, &wrapped_key));
  WS_RETURN_IF_ERROR(RequireNotDeleted(ws, "to reveal its secrets"));
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.name = name, .with_values = true}));
  if (rows.empty()) return NotFound("secret not found");
  const dataplane::SecretRow* row = &rows.back();
  if (version) {
    row = nullptr;
    for (const auto& r : rows)
      if (r.version == *version) row = &r;
    if (row == nullptr) return NotFound("secret version not found");
  }
  WS_ASSIGN_OR_RETURN(const crypto::Key key, d_.keys.Open(ws.id, wrapped_key));
  const std::optional<std::string> sealed = Base64UrlDecode(row->sealed);
  if (!sealed) return Internal("secrets: a stored value is not base64url");
  StatusOr<std::string> value = crypto::Open(key, Aad(ws.id, name, row->version), *sealed);
  if (!value.ok())
    return Internal("secrets: a stored value does not open: " + value.status().message());
  // The value leaves only once its reveal is on the record: the caller
  // sends it when `audit` is durable.
  model::AuditEvent e = AuditEventBy(actor, d_.clock.Now(), "secret.reveal", "secret", name, ws.id);
  boost::json::object details{{"version", row->version}};
  if (!row->environment.empty()) details["environment"] = row->environment;
  e.details = boost::json::serialize(details);
  return RevealedSecret{name, row->version, std::move(*value),
                        PendingAudit(d_.audit, std::move(e))};
}

Status Secrets::Delete(const Actor& actor, const std::string& workspace_id,
                       const std::string& name) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  WS_RETURN_IF_ERROR(RequireActiveFor(ws, kWhat));
  if (!IsSecretName(name)) return NotFound("secret not found");
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.name = name}));
  if (rows.empty()) return NotFound("secret not found");
  dataplane::SecretRow tomb;
  tomb.name = name;
  tomb.tombstone = true;
  tomb.operation_id = NewUuidV7(d_.random, d_.clock);
  tomb.created_at = d_.clock.Now();
  tomb.created_by = actor.subject;
  WS_ASSIGN_OR_RETURN(const dataplane::NumberedSecret numbered,
                      d_.dataplane.AddPendingSecret(ws, tomb, [](std::int64_t) { return ""; }));
  const std::int64_t version = numbered.version;
  protocol_.MaybeCrash("after_pending");
  model::AuditEvent e = AuditEventBy(actor, d_.clock.Now(), "secret.delete", "secret", name, ws.id);
  e.details = boost::json::serialize(
      boost::json::object{{"versions", static_cast<std::int64_t>(rows.size())},
                          {"up_to_version", version - 1},
                          {"operation_id", tomb.operation_id}});
  return Finish(ws, tomb.operation_id, std::move(e),
                [&](store::Tx& tx, const model::Workspace& current) -> Status {
                  // Deleted by a DELETE that committed first: this one
                  // deletes nothing and is answered as a DELETE after it
                  // (outside audit: ten concurrent DELETEs were ten 204s
                  // and ten audit events for one deletion).
                  WS_ASSIGN_OR_RETURN(
                      const bool released,
                      RemovePillarItem(tx, current, PillarItem::kSecret, name, version));
                  if (!released) return NotFound("secret not found");
                  return Status::Ok();
                });
}

// Outcomes removed per workspace and sweep (the rest go in the next).
constexpr int kPruneBatch = 1000;
// Pending rows read at a time by the sweep.
constexpr int kSweepPage = 500;

StatusOr<int> Secrets::SweepPending() {
  int resolved = 0;
  WS_RETURN_IF_ERROR(protocol_.ForEachKeyedWorkspace([&](const model::Workspace& ws) {
    // Before the listing: every outcome older than this was recorded
    // before the listing was taken.
    const Micros outcomes_before = d_.clock.Now() - kOutcomeRetention;
    // The pending rows only, a page at a time: memory stays bounded however
    // many versions the workspace holds.
    std::vector<std::string> pending;
    dataplane::SecretRowQuery page{.limit = kSweepPage, .pending_only = true};
    for (;;) {
      StatusOr<std::vector<dataplane::SecretRow>> rows = d_.dataplane.ListSecretRows(ws, page);
      if (!rows.ok()) return;  // not provisioned here, or unreachable: next time
      for (const auto& r : *rows) {
        pending.push_back(r.operation_id);
        if (d_.clock.Now() - r.created_at < kPendingBound) continue;
        if (ResolvePending(ws, r).ok()) ++resolved;
      }
      if (static_cast<int>(rows->size()) < kSweepPage) break;
      page.after_name = rows->back().name;
      page.after_version = rows->back().version;
    }
    const Status pruned = d_.store.Write([&](store::Tx& tx) {
      return tx.PrunePillarOperations(ws.id, outcomes_before, pending, kPruneBatch).status();
    });
    if (!pruned.ok())
      log::Warn("secrets: old operation outcomes stay",
                {{"workspace_id", ws.id}, {"error", pruned.message()}});
  }));
  return resolved;
}

}  // namespace workspaced::domain
