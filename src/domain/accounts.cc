#include "domain/accounts.h"

#include <boost/json.hpp>

#include "common/text.h"
#include "domain/workspace_fields.h"
#include "domain/workspace_rules.h"
#include "model/identity.h"
#include "model/relationships.h"

namespace workspaced::domain {

Status ValidateNewAccount(const std::string& name, const std::string& admin) {
  Status s = Unprocessable("invalid account");
  // An account's name follows a workspace's (1-200 characters, display-safe,
  // not blank); its first admin is a user id some token can have.
  if (auto problem = NameProblem(name)) s.WithField("name", std::move(*problem));
  if (!model::IsUserId(admin))
    s.WithField("admin", "must be a user id some token can have (docs/identity.md)");
  return s.field_errors().empty() ? Status::Ok() : s;
}

namespace {

// Shown to people as it is stored (the portal, the audit): no control,
// bidi or invisible character, no space at either end.
bool ShownAsStored(std::string_view s) {
  return IsDisplaySafe(s) && !HasSurroundingSpace(s) && !HasBlankEdge(s);
}

boost::json::array IssuersJson(const std::vector<model::TrustedIssuer>& issuers) {
  boost::json::array out;
  for (const auto& t : issuers) out.push_back({{"issuer", t.issuer}, {"org", t.org}});
  return out;
}

}  // namespace

Status ValidateTrustedIssuers(const std::vector<model::TrustedIssuer>& issuers) {
  Status s = Unprocessable("invalid trusted issuers");
  if (issuers.empty() || issuers.size() > 16)
    s.WithField("trusted_issuers", "must list 1-16 issuers");
  for (std::size_t i = 0; i < issuers.size(); ++i) {
    const std::string at = "trusted_issuers[" + std::to_string(i) + "]";
    const auto& t = issuers[i];
    if (t.issuer.empty() || t.issuer.size() > 255 || !ShownAsStored(t.issuer))
      s.WithField(at + ".issuer",
                  "must be 1-255 characters, none of them control, bidi or invisible, and no "
                  "space at either end");
    if (t.org.size() > 255 || !ShownAsStored(t.org))
      s.WithField(at + ".org",
                  "must be at most 255 characters, none of them control, bidi or invisible, "
                  "and no space at either end");
    for (std::size_t j = 0; j < i; ++j)
      if (issuers[j] == t) s.WithField(at, "is listed twice");
  }
  return s.field_errors().empty() ? Status::Ok() : s;
}

StatusOr<model::Account> Accounts::Create(
    const Actor& actor, const std::string& name, const std::string& admin,
    const std::vector<model::TrustedIssuer>& issuers,
    FunctionRef<Status(store::Tx&, const model::Account&)> record) {
  WS_RETURN_IF_ERROR(ValidateNewAccount(name, admin));
  if (!issuers.empty()) WS_RETURN_IF_ERROR(ValidateTrustedIssuers(issuers));
  model::Account account;
  WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    const Micros now = clock_.Now();
    account = model::Account{NewUuidV7(random_, clock_), name, now};
    if (!issuers.empty()) account.trusted_issuers = issuers;
    WS_RETURN_IF_ERROR(tx.InsertAccount(account));
    WS_RETURN_IF_ERROR(tx.PutAccountMember({account.id, admin, model::AccountRole::kAdmin, now}));
    model::AuditEvent e = AuditEventBy(actor, now, "account.create", "account", account.id, "");
    e.details = boost::json::serialize(
        boost::json::object{{"name", name},
                            {"admin", admin},
                            {"trusted_issuers", IssuersJson(account.trusted_issuers)}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(e));
    return record(tx, account);
  }));
  return account;
}

StatusOr<model::Account> Accounts::SetTrustedIssuers(
    const Actor& actor, const std::string& account_id,
    const std::vector<model::TrustedIssuer>& issuers) {
  WS_RETURN_IF_ERROR(ValidateTrustedIssuers(issuers));
  model::Account account;
  WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    const Micros now = clock_.Now();
    WS_ASSIGN_OR_RETURN(account, tx.GetAccount(account_id));
    const auto before = account.trusted_issuers;
    // Every workspace whose mapping relationships are written: theirs follow.
    // Soft-deleted ones too (deleting, deleted): they keep their
    // relationships for a restore, which would otherwise give the role back
    // to the groups of an issuer no longer trusted (outside audit).
    const auto follow = [&](const store::WorkspaceFilter* gone) -> Status {
      store::Page page{.after = "", .limit = 500};
      while (true) {
        WS_ASSIGN_OR_RETURN(const auto stamps,
                            gone ? tx.ListWorkspacesByAccountMatching(account_id, *gone, page)
                                 : tx.ListWorkspacesByAccount(account_id, page));
        for (const auto& stamp : stamps) {
          WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(stamp.id));
          if (!RelationshipsWritten(ws)) {
            // Not written yet: the saga writes them with the issuers it reads,
            // at REPEATABLE READ (Store::WriteRowLocked). Writing the row
            // makes its write of this row conflict with this change, so it
            // runs again and reads these issuers, or this change runs again
            // and finds them written. (Unchanged: a new version and
            // updated_at, with no event of the workspace's, would read as
            // events cut from its chain to `audit verify`.)
            if (ws.status != model::WorkspaceStatus::kProvisioning) continue;
            WS_RETURN_IF_ERROR(tx.TouchWorkspace(ws.id));
            continue;
          }
          // A soft-deleted workspace may be sealed by its purge meanwhile
          // (the purge's steps run at REPEATABLE READ on PostgreSQL, which
          // sees no conflict with relationship rows inserted here): the row
          // written makes the seal and this change conflict, so the seal runs
          // again and deletes what this wrote, or this runs again and finds
          // the workspace purged (outside audit: 17 of 40 purged workspaces
          // kept grants).
          if (gone) WS_RETURN_IF_ERROR(tx.TouchWorkspace(ws.id));
          WS_RETURN_IF_ERROR(SyncGroupRelationships(tx, ws.id, ws.group_mappings, issuers));
        }
        if (static_cast<int>(stamps.size()) < page.limit) break;
        page.after = stamps.back().id;
      }
      return Status::Ok();
    };
    WS_RETURN_IF_ERROR(follow(nullptr));
    for (const auto status :
         {model::WorkspaceStatus::kDeleting, model::WorkspaceStatus::kDeleted}) {
      store::WorkspaceFilter gone;
      gone.status = status;
      WS_RETURN_IF_ERROR(follow(&gone));
    }
    WS_RETURN_IF_ERROR(tx.SetTrustedIssuers(account_id, issuers));
    account.trusted_issuers = issuers;
    model::AuditEvent e =
        AuditEventBy(actor, now, "account.trusted_issuers.put", "account", account_id, "");
    e.details = boost::json::serialize(
        boost::json::object{{"before", IssuersJson(before)}, {"after", IssuersJson(issuers)}});
    return tx.AppendAudit(e);
  }));
  return account;
}

StatusOr<model::Account> Accounts::Create(const Actor& actor, const std::string& name,
                                          const std::string& admin) {
  return Create(actor, name, admin, {},
                [](store::Tx&, const model::Account&) { return Status::Ok(); });
}

}  // namespace workspaced::domain
