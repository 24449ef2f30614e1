// Creating accounts (tenants). Memberships of accounts: members.h.
//
// Create is one write transaction: the account, its first admin (whose
// relationships the store derives with the row) and the audit event.
//
// Thread-safety: safe from any thread.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/random.h"
#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

// kUnprocessable naming each bad field: name 1–200 characters without
// control characters; admin a subject of 1–1024 characters.
Status ValidateNewAccount(const std::string& name, const std::string& admin);

// kUnprocessable unless 1–16 distinct entries, each an issuer of 1–255
// printable characters and an organisation of at most 255.
Status ValidateTrustedIssuers(const std::vector<model::TrustedIssuer>& issuers);

class Accounts {
 public:
  Accounts(store::Store& store, const Clock& clock, Random& random)
      : store_(store), clock_(clock), random_(random) {}

  // `record` runs inside the transaction with the new account (an
  // idempotent response commits with it). `issuers` empty: the default.
  StatusOr<model::Account> Create(const Actor& actor, const std::string& name,
                                  const std::string& admin,
                                  const std::vector<model::TrustedIssuer>& issuers,
                                  FunctionRef<Status(store::Tx&, const model::Account&)> record);
  StatusOr<model::Account> Create(const Actor& actor, const std::string& name,
                                  const std::string& admin);

  // Replaces the identity providers the account trusts. In the same
  // transaction, the group-mapping relationships of every workspace of the
  // account whose relationships provisioning has written are rewritten for
  // the new issuers (a mapping then grants to exactly the tokens of a trusted
  // issuer and organisation), and the change is audited with before/after.
  StatusOr<model::Account> SetTrustedIssuers(const Actor& actor, const std::string& account_id,
                                             const std::vector<model::TrustedIssuer>& issuers);

 private:
  store::Store& store_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace workspaced::domain
