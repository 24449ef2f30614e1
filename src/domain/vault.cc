#include "domain/vault.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "common/base64url.h"
#include "common/hex.h"
#include "common/hmac.h"
#include "crypto/aead.h"
#include "domain/pillar_contents.h"
#include "domain/quotas.h"
#include "domain/secrets.h"
#include "domain/vault_fields.h"
#include "domain/workspace_rules.h"

namespace workspaced::domain {
namespace {

constexpr char kWhat[] = "vault records";

// Binds a sealed value to its workspace, record, field and token (none
// holds a NUL, so the parts cannot run into each other): a value copied to
// another row, or a row's token changed to another's, does not open, and a
// detokenize never answers one token with another's value. Values sealed
// before the token was bound (AAD "vault", without it) open by
// LegacyAad.
std::string Aad(const std::string& workspace_id, const std::string& record_id,
                const std::string& field, const std::string& token) {
  std::string aad = "vault2";
  for (const std::string* part : {&workspace_id, &record_id, &field, &token}) {
    aad.push_back('\0');
    aad += *part;
  }
  return aad;
}

std::string LegacyAad(const std::string& workspace_id, const std::string& record_id,
                      const std::string& field) {
  std::string aad = "vault";
  for (const std::string* part : {&workspace_id, &record_id, &field}) {
    aad.push_back('\0');
    aad += *part;
  }
  return aad;
}

// Committed field rows folded into records, in row order.
std::vector<VaultRecordInfo> Fold(const std::vector<dataplane::VaultRow>& rows) {
  std::vector<VaultRecordInfo> out;
  for (const auto& r : rows) {
    if (out.empty() || out.back().id != r.record_id)
      out.push_back({r.record_id, r.created_at, r.created_by, {}});
    out.back().fields.push_back({r.field, r.type, r.token, r.deterministic, r.mask});
  }
  return out;
}

}  // namespace

Vault::Vault(VaultDeps deps)
    : d_(deps), protocol_(deps.store, deps.clock, deps.failpoints, "vault") {}

StatusOr<bool> Vault::Resolve(const model::Workspace& ws, const dataplane::VaultRow& row) {
  return protocol_.Resolve(
      ws, row.operation_id, row.created_at, kPendingBound,
      [&](std::string_view op) { return d_.dataplane.CommitVaultOperation(ws, op); },
      [&](std::string_view op) { return d_.dataplane.DiscardVaultOperation(ws, op); });
}

StatusOr<std::vector<dataplane::VaultRow>> Vault::CommittedRows(
    const model::Workspace& ws, const dataplane::VaultRowQuery& query, RowsRead* read) {
  // A workspace that never became ready never held a record: its
  // dataplane (perhaps never made, or compensated away) is not asked, and
  // every read answers as its list does (nothing there).
  if (ws.phase != model::ProvisioningPhase::kReady) {
    if (read != nullptr) *read = {};
    return std::vector<dataplane::VaultRow>{};
  }
  WS_ASSIGN_OR_RETURN(std::vector<dataplane::VaultRow> rows, d_.dataplane.ListVaultRows(ws, query));
  std::set<std::string> resolved;
  bool changed = false;
  for (const auto& r : rows) {
    if (!r.pending || !resolved.insert(r.operation_id).second) continue;
    WS_ASSIGN_OR_RETURN(const bool committed, Resolve(ws, r));
    changed = changed || committed;
  }
  if (changed) {
    WS_ASSIGN_OR_RETURN(rows, d_.dataplane.ListVaultRows(ws, query));
  }
  if (read != nullptr) {
    *read = {rows.size(), rows.empty() ? std::string() : rows.back().record_id, {}};
    for (auto r = rows.rbegin(); r != rows.rend(); ++r) {
      if (r->record_id == read->last_record_id) continue;
      read->whole_record_id = r->record_id;
      break;
    }
  }
  std::erase_if(rows, [](const dataplane::VaultRow& r) { return r.pending || r.tombstone; });
  return rows;
}

StatusOr<VaultRecordInfo> Vault::Create(const Actor& actor, const std::string& workspace_id,
                                        VaultWrite& w) {
  return Create(actor, workspace_id, w,
                [](store::Tx&, const VaultRecordInfo&) { return Status::Ok(); });
}

StatusOr<std::string> Vault::CreateFingerprint(const std::string& workspace_id,
                                               std::string_view message, const VaultWrite& w) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  StatusOr<crypto::Key> key = Status::Ok();
  if (Status active = RequireActiveFor(ws, kWhat); !active.ok()) {
    // A workspace that takes no write gets no data key made for one
    // (outside audit: a refused create made one). Its key, when it has
    // one, still makes the fingerprint: a create answered before the
    // freeze is replayed, not refused (the first draft of this answered
    // 423). With none, no create ever succeeded here: Create's answer
    // (bad input first, then the state).
    key = d_.keys.ForWorkspace(ws.id, /*create=*/false);
    if (!key.ok() && key.status().code() == Code::kNotFound) {
      StatusOr<std::vector<std::string>> values = NormaliseVaultWrite(w);
      if (!values.ok()) return values.status();
      for (auto& v : *values) crypto::Wipe(v);
      return active;
    }
  } else {
    key = d_.keys.ForWrite(ws.id, [&] { return HoldsSealedValues(d_.dataplane, ws); });
  }
  if (!key.ok()) return key.status();
  std::string bytes = key->Bytes();
  std::string info = "workspaced vault idempotency v1";
  info.push_back('\0');
  info += ws.id;
  std::string derived = HmacSha256(bytes, info);
  crypto::Wipe(bytes);
  const std::string digest = HmacSha256(derived, message);
  crypto::Wipe(derived);
  return HexEncode(digest);
}

StatusOr<VaultRecordInfo> Vault::Create(const Actor& actor, const std::string& workspace_id,
                                        VaultWrite& w, CreatedInTx created) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  // Bad input is 422 whatever the state; then the state (step 2 decides).
  WS_ASSIGN_OR_RETURN(std::vector<std::string> values, NormaliseVaultWrite(w));
  if (Status active = RequireActiveFor(ws, kWhat); !active.ok()) {
    for (auto& v : values) crypto::Wipe(v);
    return active;
  }
  for (auto& f : w.fields) crypto::Wipe(f.value);
  StatusOr<crypto::Key> key =
      d_.keys.ForWrite(ws.id, [&] { return HoldsSealedValues(d_.dataplane, ws); });
  if (!key.ok()) {
    for (auto& v : values) crypto::Wipe(v);
    return key.status();
  }
  std::string token_key;
  const std::string record_id = NewUuidV7(d_.random, d_.clock);
  const std::string operation_id = NewUuidV7(d_.random, d_.clock);
  std::vector<dataplane::VaultRow> rows;
  boost::json::array audited_fields;
  for (std::size_t i = 0; i < w.fields.size(); ++i) {
    const VaultFieldInput& f = w.fields[i];
    dataplane::VaultRow r;
    r.record_id = record_id;
    r.field = f.name;
    r.type = f.type;
    r.deterministic = f.deterministic;
    if (f.deterministic && token_key.empty()) token_key = VaultTokenKey(*key, ws.id);
    r.token = f.deterministic ? DeterministicVaultToken(token_key, f.type, values[i])
                              : RandomVaultToken(d_.random);
    r.mask = ApplyVaultMask(f.mask.empty() ? DefaultVaultMask(f.type) : f.mask, values[i]);
    r.sealed = Base64UrlEncode(
        crypto::Seal(*key, Aad(ws.id, record_id, f.name, r.token), values[i], d_.random));
    crypto::Wipe(values[i]);
    r.operation_id = operation_id;
    r.created_at = d_.clock.Now();
    r.created_by = actor.subject;
    audited_fields.push_back(boost::json::object{
        {"name", f.name}, {"type", f.type}, {"deterministic", f.deterministic}});
    rows.push_back(std::move(r));
  }
  crypto::Wipe(token_key);
  std::ranges::sort(rows, {}, &dataplane::VaultRow::field);
  VaultRecordInfo answer = std::move(Fold(rows).front());
  // Step 1.
  WS_RETURN_IF_ERROR(d_.dataplane.AddPendingVaultRows(ws, rows));
  protocol_.MaybeCrash("after_pending");
  model::AuditEvent e =
      AuditEventBy(actor, d_.clock.Now(), "vault.record.create", "vault_record", record_id, ws.id);
  e.details = boost::json::serialize(
      boost::json::object{{"fields", std::move(audited_fields)}, {"operation_id", operation_id}});
  WS_RETURN_IF_ERROR(protocol_.Finish(
      ws, operation_id, std::move(e),
      [&](store::Tx& tx, const model::Workspace& current) -> Status {
        WS_RETURN_IF_ERROR(
            AddPillarItemWithinQuota(tx, current, PillarItem::kVaultRecord, record_id, 0));
        return created(tx, answer);
      },
      [&](std::string_view op) { return d_.dataplane.CommitVaultOperation(ws, op); },
      [&](std::string_view op) { return d_.dataplane.DiscardVaultOperation(ws, op); }));
  return answer;
}

StatusOr<VaultRecordInfo> Vault::Get(const std::string& workspace_id,
                                     const std::string& record_id) {
  if (!IsUuid(record_id)) return NotFound("vault record not found");
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.record_id = record_id}));
  if (rows.empty()) return NotFound("vault record not found");
  return std::move(Fold(rows).front());
}

StatusOr<VaultPage> Vault::ListPage(const std::string& workspace_id, const std::string& after,
                                    int limit) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  if (ws.phase != model::ProvisioningPhase::kReady) return VaultPage{};
  // Enough rows for `limit` + 1 whole records (a record is at most 32
  // fields and its tombstone), so that a next page is announced only when
  // there is one; "~" sorts after every field name: after the record.
  const std::size_t rows_limit = (limit + 1) * (kMaxVaultFieldsPerRecord + 1);
  RowsRead read;
  StatusOr<std::vector<dataplane::VaultRow>> rows =
      CommittedRows(ws,
                    {.after_record_id = after,
                     .after_field = after.empty() ? "" : "~",
                     .limit = static_cast<int>(rows_limit)},
                    &read);
  if (rows.status().code() == Code::kConflict) return VaultPage{};  // not provisioned
  WS_RETURN_IF_ERROR(rows.status());
  VaultPage page;
  if (read.count == rows_limit) {
    // The read stopped inside the list (deleted records' rows among the
    // live ones), perhaps inside its last record: that record goes on the
    // next page, whole, and the page ends before it.
    std::erase_if(*rows,
                  [&](const dataplane::VaultRow& r) { return r.record_id == read.last_record_id; });
    page.records = Fold(*rows);
    if (static_cast<int>(page.records.size()) > limit) {
      page.records.resize(limit);
      page.next = page.records.back().id;
    } else {
      // Every record before the cut was read: the next page starts after
      // the last of them, shown or deleted. The read holds at least two
      // records' worth of rows, so there is one.
      page.next = read.whole_record_id;
    }
    return page;
  }
  page.records = Fold(*rows);
  if (static_cast<int>(page.records.size()) > limit) {
    page.records.resize(limit);
    page.next = page.records.back().id;
  }
  return page;
}

StatusOr<Detokenization> Vault::Detokenize(const Actor& actor, const std::string& workspace_id,
                                           const std::vector<std::string>& tokens,
                                           bool with_values) {
  std::optional<std::string> wrapped_key;  // read with the workspace: one transaction
  WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                      protocol_.ReadWorkspace(workspace_id, with_values ? &wrapped_key : nullptr));
  WS_RETURN_IF_ERROR(RequireNotDeleted(ws, "to detokenize its tokens"));
  std::vector<std::string> unique = tokens;
  std::ranges::sort(unique);
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  for (const auto& t : unique)
    if (!IsVaultToken(t)) return Unprocessable("not a vault token");
  WS_ASSIGN_OR_RETURN(const auto rows,
                      CommittedRows(ws, {.tokens = unique, .with_values = with_values}));
  std::map<std::string, const dataplane::VaultRow*> by_token;
  for (const auto& r : rows) by_token.emplace(r.token, &r);  // the first record's, for a shared one
  Detokenization out;
  out.answers.reserve(tokens.size());
  std::map<std::string, std::string> opened;
  std::optional<crypto::Key> key;
  const auto wipe = [&] {
    for (auto& [t, v] : opened) crypto::Wipe(v);
  };
  if (with_values) {
    if (!by_token.empty()) {
      WS_ASSIGN_OR_RETURN(key, d_.keys.Open(ws.id, wrapped_key));
    }
    for (const auto& [t, r] : by_token) {
      const std::optional<std::string> sealed = Base64UrlDecode(r->sealed);
      if (!sealed) {
        wipe();
        return Internal("vault: a stored value is not base64url");
      }
      StatusOr<std::string> value =
          crypto::Open(*key, Aad(ws.id, r->record_id, r->field, r->token), *sealed);
      if (!value.ok())  // sealed before the token was bound
        value = crypto::Open(*key, LegacyAad(ws.id, r->record_id, r->field), *sealed);
      if (!value.ok()) {
        wipe();
        return Internal("vault: a stored value does not open: " + value.status().message());
      }
      opened.emplace(t, std::move(*value));
    }
    // The values leave only once their detokenization is on the record
    // (kNotFound there once purged).
    // As the answer counts: `count` the tokens asked, `found` the answers
    // with a value, a token asked twice counted twice in each.
    boost::json::array listed;
    std::int64_t found = 0;
    for (const auto& t : tokens) {
      listed.emplace_back(t);
      found += by_token.contains(t) ? 1 : 0;
    }
    model::AuditEvent e =
        AuditEventBy(actor, d_.clock.Now(), "vault.detokenize", "workspace", ws.id, ws.id);
    e.details = boost::json::serialize(
        boost::json::object{{"tokens", std::move(listed)},
                            {"count", static_cast<std::int64_t>(tokens.size())},
                            {"found", found}});
    out.audit = PendingAudit(d_.audit, std::move(e));
  }
  for (const auto& t : tokens) {
    Detokenized d{.token = t};
    if (const auto it = by_token.find(t); it != by_token.end()) {
      const dataplane::VaultRow& r = *it->second;
      d.found = true;
      d.record_id = r.record_id;
      d.field = r.field;
      d.type = r.type;
      d.mask = r.mask;
      if (with_values) d.value = opened.at(t);
    }
    out.answers.push_back(std::move(d));
  }
  wipe();
  return out;
}

Status Vault::Delete(const Actor& actor, const std::string& workspace_id,
                     const std::string& record_id) {
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, protocol_.ReadWorkspace(workspace_id));
  WS_RETURN_IF_ERROR(RequireActiveFor(ws, kWhat));
  if (!IsUuid(record_id)) return NotFound("vault record not found");
  WS_ASSIGN_OR_RETURN(const auto rows, CommittedRows(ws, {.record_id = record_id}));
  if (rows.empty()) return NotFound("vault record not found");
  dataplane::VaultRow tomb;
  tomb.record_id = record_id;
  tomb.tombstone = true;
  tomb.operation_id = NewUuidV7(d_.random, d_.clock);
  tomb.created_at = d_.clock.Now();
  tomb.created_by = actor.subject;
  WS_RETURN_IF_ERROR(d_.dataplane.AddPendingVaultRows(ws, {tomb}));
  protocol_.MaybeCrash("after_pending");
  model::AuditEvent e =
      AuditEventBy(actor, d_.clock.Now(), "vault.record.delete", "vault_record", record_id, ws.id);
  e.details = boost::json::serialize(boost::json::object{
      {"fields", static_cast<std::int64_t>(rows.size())}, {"operation_id", tomb.operation_id}});
  return protocol_.Finish(
      ws, tomb.operation_id, std::move(e),
      [&](store::Tx& tx, const model::Workspace& current) -> Status {
        // Deleted by a DELETE that committed first (secrets.cc Delete).
        WS_ASSIGN_OR_RETURN(const bool released,
                            RemovePillarItem(tx, current, PillarItem::kVaultRecord, record_id, 0));
        if (!released) return NotFound("vault record not found");
        return Status::Ok();
      },
      [&](std::string_view op) { return d_.dataplane.CommitVaultOperation(ws, op); },
      [&](std::string_view op) { return d_.dataplane.DiscardVaultOperation(ws, op); });
}

StatusOr<int> Vault::SweepPending() {
  int resolved = 0;
  WS_RETURN_IF_ERROR(protocol_.ForEachKeyedWorkspace([&](const model::Workspace& ws) {
    // The pending rows only, a page at a time: memory stays bounded however
    // many records the workspace holds.
    constexpr int kSweepPage = 500;
    dataplane::VaultRowQuery page{.limit = kSweepPage, .pending_only = true};
    std::set<std::string> seen;  // operations resolved in this sweep
    for (;;) {
      StatusOr<std::vector<dataplane::VaultRow>> rows = d_.dataplane.ListVaultRows(ws, page);
      if (!rows.ok()) return;  // not provisioned here, or unreachable: next time
      for (const auto& r : *rows) {
        if (d_.clock.Now() - r.created_at < kPendingBound) continue;
        if (!seen.insert(r.operation_id).second) continue;
        if (Resolve(ws, r).ok()) ++resolved;
      }
      if (static_cast<int>(rows->size()) < kSweepPage) break;
      page.after_record_id = rows->back().record_id;
      page.after_field = rows->back().field;
    }
  }));
  return resolved;
}

}  // namespace workspaced::domain
