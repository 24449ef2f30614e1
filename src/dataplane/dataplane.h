// A workspace's isolated store in its region's cell, where the pillars
// (secrets, files, vault, logs, apps, coderunners) will keep their data.
// The provisioning saga's `provision_dataplane` step calls Provision, its
// compensation Deprovision.
//
// Both are idempotent (a step may run again after a crash) and durable when
// they return OK.
//
// Thread-safety: implementations are safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/status.h"
#include "model/model.h"

namespace workspaced::dataplane {

// One row of the secrets pillar (docs/secrets.md, docs/pillars.md): a
// version of a secret, or a tombstone (the delete of every version of
// `name` below it; once committed it stays, never shown, as the name's
// high-water mark, so versions number on after a delete). Rows are written
// `pending` with the id of the operation that will record its outcome in
// the control plane; only committed versions are ever shown.
struct SecretRow {
  std::string name;
  std::int64_t version = 0;
  std::string environment;  // "" when none was given
  std::string description;
  std::string sealed;  // base64url of crypto::Seal's output; only when asked for
  bool pending = true;
  bool tombstone = false;
  std::string operation_id;
  Micros created_at = 0;
  std::string created_by;
};

// Which rows ListSecretRows returns: those of `name` (every name when
// empty; a page never holds a committed tombstone, a deleted name's
// high-water mark, which no list shows), in (name, version) order, after the key (after_name,
// after_version) (keyset paging: a page starts after the last row of the
// one before; not with a name, whose versions are few), at most `limit` of
// them (every one when 0). Each form reads through the primary key.
// The number AddPendingSecret gave a row.
struct NumberedSecret {
  std::int64_t version = 0;
  bool first = false;
};

struct SecretRowQuery {
  std::string name;
  bool with_values = false;
  std::string after_name;
  std::int64_t after_version = 0;
  int limit = 0;
  bool pending_only = false;  // the sweep's: rows whose operation is unresolved
};

// One row of the data vault (docs/vault.md): a field of a record, sealed,
// with its token and mask; or a tombstone (field "", the pending delete of
// every field of `record_id`). Written `pending` like SecretRow.
struct VaultRow {
  std::string record_id;
  std::string field;  // "" for a tombstone
  std::string type;
  std::string token;
  bool deterministic = false;
  std::string mask;
  std::string sealed;  // base64url of crypto::Seal's output; only when asked for
  bool pending = true;
  bool tombstone = false;
  std::string operation_id;
  Micros created_at = 0;
  std::string created_by;
};

// The order ListVaultRows answers in: (record_id, field, operation_id),
// byte order.
inline bool InRecordOrder(const VaultRow& a, const VaultRow& b) {
  return std::tie(a.record_id, a.field, a.operation_id) <
         std::tie(b.record_id, b.field, b.operation_id);
}

// Which rows ListVaultRows returns, by (record_id, field) (byte order):
// those of `record_id`, or every record's after (after_record_id,
// after_field) (keyset paging); at most `limit` (every one when 0). Or, when
// `tokens` is not empty (and only with_values besides), each token's rows
// in that order up to its first committed one (a detokenize's answer, and
// the pending rows before it), read through an index whatever the vault
// holds. Tokens hold only [A-Za-z0-9_-] (the domain checks them before
// asking).
struct VaultRowQuery {
  std::string record_id;
  std::vector<std::string> tokens;
  bool with_values = false;
  std::string after_record_id;
  std::string after_field;
  int limit = 0;
  bool pending_only = false;  // the sweep's: rows whose operation is unresolved
};

class Dataplane {
 public:
  virtual ~Dataplane() = default;
  // Creates the workspace's store (dedicated) or its share of the region's
  // shared store. OK when it already exists.
  virtual Status Provision(const model::Workspace& ws) = 0;
  // Removes what Provision created. OK when nothing is there.
  virtual Status Deprovision(const model::Workspace& ws) = 0;
  virtual StatusOr<bool> Exists(const model::Workspace& ws) = 0;
  // OK when the dataplane answers a trivial request (the deep readiness
  // check); kUnavailable, with a message a client may see, when it does not.
  virtual Status Ping() = 0;

  // --- the secrets pillar (rows of the workspace's store) ---
  // Each fails kConflict when the workspace has no store here (not
  // provisioned), kUnavailable (with a Cause) when the store cannot be used.
  // The defaults answer kInternal (test doubles without pillars).
  //
  // Inserts `row` as pending with the next version of its name (1 + the
  // highest of any row of that name), sealed by `seal(version)`, durably;
  // returns the version, and whether it is the name's first: no row of the
  // name was there, or the highest was a tombstone (a delete). A version in
  // flight or left pending by a crash counts as there.
  virtual StatusOr<NumberedSecret> AddPendingSecret(
      const model::Workspace& ws, const SecretRow& row,
      FunctionRef<std::string(std::int64_t version)> seal);
  // Applies the operation's row: it becomes committed; a tombstone also
  // deletes every committed lower row of its name (versions and an older
  // tombstone), and a version every committed version of its name but the
  // newest `keep_versions` (>= 1), in one transaction. A version below a
  // committed tombstone (a write that raced a delete numbered after it) is
  // deleted instead: the versions a name keeps are decided by numbering
  // order, whatever order the commits come in. OK when no row carries the
  // id (already applied or discarded).
  virtual Status CommitSecretOperation(const model::Workspace& ws, std::string_view operation_id,
                                       int keep_versions);
  // Deletes the operation's pending row. OK when there is none.
  virtual Status DiscardSecretOperation(const model::Workspace& ws, std::string_view operation_id);
  // The rows `query` selects, pending ones included, by name then version
  // (byte order); `sealed` only when `query.with_values`.
  virtual StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                          const SecretRowQuery& query);

  // --- the data vault (rows of the workspace's store; the same failures) ---
  // Inserts `rows` (one operation: one record's fields, or its tombstone)
  // as pending, durably, in one transaction.
  virtual Status AddPendingVaultRows(const model::Workspace& ws, const std::vector<VaultRow>& rows);
  // Applies the operation: its fields become committed; a tombstone deletes
  // every committed field of its record, then itself. OK when no row
  // carries the id.
  virtual Status CommitVaultOperation(const model::Workspace& ws, std::string_view operation_id);
  // Deletes the operation's pending rows. OK when there are none.
  virtual Status DiscardVaultOperation(const model::Workspace& ws, std::string_view operation_id);
  // The rows `query` selects, pending ones included; `sealed` only when
  // `query.with_values`.
  virtual StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                        const VaultRowQuery& query);

  // Whether the workspace's store holds any pillar row (pending ones
  // included): values sealed under its data key (two one-row reads).
  StatusOr<bool> HoldsPillarRows(const model::Workspace& ws);
};

}  // namespace workspaced::dataplane
