// The secrets pillar (docs/secrets.md), and the first use of the pillar
// pattern (docs/pillars.md): a secret's versions live in its workspace's
// dataplane store, sealed with the workspace's data key (domain/data_keys.h);
// the rules (not frozen, active, audit) are checked in one control-plane
// write transaction, joined to the dataplane write by an operation id:
//   1. the dataplane row is written `pending` with a fresh operation id;
//   2. the control-plane transaction checks the rules, records the
//      operation as committed (store::Tx::RecordPillarOperation) and appends
//      the audit event (names, versions, the operation id: never a value);
//   3. the dataplane row is marked committed.
// Readers show committed rows only and resolve each pending one by its
// operation's recorded outcome (ResolvePending): committed → commit it;
// aborted → remove it; none and older than kPendingBound → record it
// aborted (from then on step 2 of that operation fails) and remove it.
//
// Validation (kUnprocessable with field errors): a name is 1–128 of
// [A-Za-z0-9_.-], starting with a letter or '_'; a value 1 byte to
// kMaxSecretValueBytes; a description at most kMaxDescriptionBytes; an
// environment dev, staging or prod.
//
// Failure: kNotFound (workspace, secret or version), kFrozen (a change to a
// frozen workspace), kConflict (the workspace is not active, or not
// provisioned), kUnprocessable, kUnavailable / kInternal from the stores or
// keys. No message ever holds a value.
//
// Thread-safety: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "dataplane/dataplane.h"
#include "domain/actor.h"
#include "domain/audit_group_commit.h"
#include "domain/data_keys.h"
#include "domain/pillar_protocol.h"
#include "domain/quotas.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

inline constexpr std::size_t kMaxSecretNameBytes = 128;
inline constexpr std::size_t kMaxSecretValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxSecretDescriptionBytes = 1024;
// How long a pending row may wait for its control-plane transaction before
// a reader or the sweep aborts it.
inline constexpr Micros kPendingBound = 60 * 1000 * 1000;  // one minute
// How long an operation's recorded outcome (pillar_operations) is kept once
// its dataplane row is no longer pending; the sweep removes older ones.
inline constexpr Micros kOutcomeRetention = 60 * kPendingBound;  // one hour

struct SecretWrite {
  std::string name;
  std::string value;
  std::string environment;  // "" | dev | staging | prod
  std::string description;
  // What the caller's parser already found wrong (unknown fields, wrong
  // types): reported with the rules' own problems, before the workspace's
  // state (bad input is 422 whatever the state, as for a PATCH).
  std::vector<FieldError> parse_errors;
};

struct SecretVersionInfo {
  std::int64_t version = 0;
  std::string environment;
  std::string description;
  Micros created_at = 0;
  std::string created_by;
};

// A secret's metadata: its versions, oldest first (never a value).
struct SecretInfo {
  std::string name;
  std::vector<SecretVersionInfo> versions;
};

// Where a page of secret versions starts: after this (name, version).
struct SecretVersionKey {
  std::string name;
  std::int64_t version = 0;
};

// One page of ListPage: the committed versions it holds, folded by name
// (a name may continue on the next page), and where the next page starts
// (none after the last).
struct SecretPage {
  std::vector<SecretInfo> secrets;
  std::optional<SecretVersionKey> next;
};

struct RevealedSecret {
  std::string name;
  std::int64_t version = 0;
  std::string value;
  // The secret.reveal event: the value may leave only once it is durable.
  PendingAudit audit;
};

struct SecretsDeps {
  store::Store& store;
  dataplane::Dataplane& dataplane;
  DataKeys& keys;
  const Clock& clock;
  Random& random;
  // Where a reveal's audit event is committed, shared with concurrent ones.
  AuditGroupCommit& audit;
  // secrets_after_pending, secrets_after_commit_record: `crash` only (tests).
  const saga::Failpoints& failpoints;
  // Versions kept per name (config secrets.max_versions, >= 1).
  int max_versions = 10;
};

// The validation above, every problem at once.
Status ValidateSecretWrite(const SecretWrite& w);
bool IsSecretName(std::string_view name);

class Secrets {
 public:
  explicit Secrets(SecretsDeps deps);

  // A new version of `w.name` (created by its first PUT); audited
  // secret.put. Refused while frozen (kFrozen) or not active (kConflict),
  // and for a new name beyond the account's secrets_per_workspace quota
  // (kConflict, the quota-exceeded problem: domain/quotas.h).
  // The secret as this write left it (its versions up to the one written)
  // and whether the write created it: the version written is the name's
  // first (1, or the first after a delete), whatever other writers of the
  // name did at the same moment.
  struct Written {
    SecretInfo secret;
    bool created = false;
  };
  StatusOr<Written> Put(const Actor& actor, const std::string& workspace_id,
                        const SecretWrite& w);
  // At most `limit` secrets named after `after_name` (all when empty), by
  // name, each with every committed version. A workspace whose dataplane is
  // not provisioned has none.
  StatusOr<std::vector<SecretInfo>> List(const std::string& workspace_id,
                                         const std::string& after_name, int limit);
  // At most `limit` versions (metadata) after `after`, in (name, version)
  // order, committed ones only, as List shows them: for a reader that must
  // bound what it holds (the export). A workspace whose dataplane is not
  // provisioned (a failed create) has none.
  StatusOr<SecretPage> ListPage(const std::string& workspace_id, const SecretVersionKey& after,
                                int limit);
  StatusOr<SecretInfo> Get(const std::string& workspace_id, const std::string& name);
  // The value of `version` (the latest when absent), with its secret.reveal
  // event: the value may leave only once that is committed (the caller
  // submits it: PendingAudit; AuditGroupCommit commits it with the
  // concurrent reveals' events, in one durable transaction). Allowed while
  // frozen.
  StatusOr<RevealedSecret> Reveal(const Actor& actor, const std::string& workspace_id,
                                  const std::string& name, std::optional<std::int64_t> version);
  // Destroys every version; audited secret.delete.
  Status Delete(const Actor& actor, const std::string& workspace_id, const std::string& name);

  // The sweep: resolves every pending row older than kPendingBound of every
  // workspace that has a data key, and removes the recorded outcomes older
  // than kOutcomeRetention whose rows are no longer pending (an outcome is
  // written in step 2, after its pending row: an outcome older than a
  // listing that shows its row not pending is needed by no one). How many
  // rows it resolved.
  StatusOr<int> SweepPending();

 private:
  // The rows `query` selects with each pending one resolved; committed
  // rows only.
  StatusOr<std::vector<dataplane::SecretRow>> CommittedRows(
      const model::Workspace& ws, const dataplane::SecretRowQuery& query);
  // Resolves one pending row (PillarProtocol::Resolve, bound
  // kPendingBound); true when it is (now) committed.
  StatusOr<bool> ResolvePending(const model::Workspace& ws, const dataplane::SecretRow& row);
  // Steps 2 and 3 for the pending row of `operation_id` (PillarProtocol::
  // Finish): `audit` is appended; `rule` runs in step 2's transaction (the
  // quota of a new name).
  Status Finish(const model::Workspace& ws, const std::string& operation_id,
                model::AuditEvent audit, PillarProtocol::RuleFn rule);

  SecretsDeps d_;
  PillarProtocol protocol_;
};

}  // namespace workspaced::domain
