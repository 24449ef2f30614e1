// The data vault pillar (docs/vault.md): records of sensitive fields, each
// sealed (AES-256-GCM) under the workspace's data key with AAD binding the
// workspace, record id, field name and token, and answered by a token (random, or
// deterministic per field: domain/vault_fields.h). Rows live in the
// workspace's dataplane and are written by the pillar protocol
// (docs/pillars.md, domain/pillar_protocol.h): pending rows, one
// control-plane transaction that checks the rules, records the operation
// and audits, then commit. Failpoints vault_after_pending and
// vault_after_commit_record (`crash`).
//
// Failure: kNotFound (workspace, record), kFrozen (a change to a frozen
// workspace), kConflict (not active, not provisioned), kUnprocessable (with
// field errors; never a value in a message), kUnavailable / kInternal from
// the stores or keys.
//
// Thread-safety: safe from any thread.
#pragma once

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
#include "domain/vault_fields.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

// A field as shown: never its value.
struct VaultFieldInfo {
  std::string name;
  std::string type;
  std::string token;
  bool deterministic = false;
  std::string mask;
};

struct VaultRecordInfo {
  std::string id;
  Micros created_at = 0;
  std::string created_by;
  std::vector<VaultFieldInfo> fields;  // by name
};

// Where a page of records starts: after this record id.
struct VaultPage {
  std::vector<VaultRecordInfo> records;
  std::optional<std::string> next;  // the last record id of this page
};

// One token's answer: unknown (found false), or its field with the mask,
// and the value when asked for with the detokenize permission.
struct Detokenized {
  std::string token;
  bool found = false;
  std::string record_id;
  std::string field;
  std::string type;
  std::string mask;
  std::optional<std::string> value;
};

struct Detokenization {
  std::vector<Detokenized> answers;  // one per token asked, in order
  PendingAudit audit;                // set when values were asked for
};

struct VaultDeps {
  store::Store& store;
  dataplane::Dataplane& dataplane;
  DataKeys& keys;
  const Clock& clock;
  Random& random;
  // Where a detokenize's audit event is committed, shared with concurrent
  // ones (and with the secrets' reveals).
  AuditGroupCommit& audit;
  const saga::Failpoints& failpoints;
};

class Vault {
 public:
  explicit Vault(VaultDeps deps);

  // A new record; audited vault.record.create (record id, field names,
  // types, token kinds, the operation id). Frozen: kFrozen. Beyond the
  // account's vault_records_per_workspace quota: kConflict, the
  // quota-exceeded problem (domain/quotas.h; a delete frees a place).
  StatusOr<VaultRecordInfo> Create(const Actor& actor, const std::string& workspace_id,
                                   VaultWrite& w);
  // The same; `created` runs inside the transaction that commits it, with
  // the record as it is answered (an Idempotency-Key's stored response
  // commits with the record, api/idempotency.h).
  using CreatedInTx = FunctionRef<Status(store::Tx& tx, const VaultRecordInfo& created)>;
  StatusOr<VaultRecordInfo> Create(const Actor& actor, const std::string& workspace_id,
                                   VaultWrite& w, CreatedInTx created);
  // What an Idempotency-Key of a create keeps to compare a retry with
  // (api/idempotency.h): HMAC-SHA256 of `message` under a key derived from
  // the workspace's data key, in hex. A plain hash of a body holding a card
  // number could be reversed by trying every number; this one cannot
  // without the key-encryption key. kNotFound: no such workspace. A
  // workspace that takes no write (frozen, deleted) gets no data key made
  // for a write that will not happen: with a key, the fingerprint is made
  // (a create answered before is replayed); without one, it answers what
  // Create would (422 for `w` invalid, else the state's refusal).
  StatusOr<std::string> CreateFingerprint(const std::string& workspace_id, std::string_view message,
                                          const VaultWrite& w);
  StatusOr<VaultRecordInfo> Get(const std::string& workspace_id, const std::string& record_id);
  // At most `limit` records after `after` (record id order); committed only.
  // A workspace that never became ready (or has no dataplane) has none.
  StatusOr<VaultPage> ListPage(const std::string& workspace_id, const std::string& after,
                               int limit);
  // One answer per token, in order. `with_values`: values, with a
  // vault.detokenize event (tokens and counts, never a value) that must be
  // committed before they leave (the caller submits `audit`, as for a
  // secret's reveal); otherwise masks only, not audited. Tokens must be
  // IsVaultToken (the caller checks: kUnprocessable otherwise). Allowed
  // while frozen.
  StatusOr<Detokenization> Detokenize(const Actor& actor, const std::string& workspace_id,
                                      const std::vector<std::string>& tokens, bool with_values);
  // Destroys every field of the record; audited vault.record.delete.
  Status Delete(const Actor& actor, const std::string& workspace_id, const std::string& record_id);
  // Resolves pending rows older than kPendingBound of every workspace with
  // a data key; how many operations it resolved.
  StatusOr<int> SweepPending();

 private:
  // What a read of rows answered before the pending and deleted were
  // dropped: how many, the record id of the last row, and the one before it
  // (rows come in record order, so every record up to that one was read
  // whole; empty when the read held one record).
  struct RowsRead {
    std::size_t count = 0;
    std::string last_record_id;
    std::string whole_record_id;
  };
  // The committed rows `query` finds; `read`, when given, describes the
  // dataplane's answer (pending rows and tombstones included).
  StatusOr<std::vector<dataplane::VaultRow>> CommittedRows(const model::Workspace& ws,
                                                           const dataplane::VaultRowQuery& query,
                                                           RowsRead* read = nullptr);
  StatusOr<bool> Resolve(const model::Workspace& ws, const dataplane::VaultRow& row);

  VaultDeps d_;
  PillarProtocol protocol_;
};

}  // namespace workspaced::domain
