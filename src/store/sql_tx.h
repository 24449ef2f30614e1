// The one Tx implementation, over a backend's connection (sql.h) on which the
// store has already begun a transaction: SQLite and PostgreSQL run the same
// code and, but for a few statements spelled per dialect, the same SQL.
// Workspaces are in sql_tx_workspaces.cc (their filtered listings in
// sql_tx_workspace_filters.cc), quotas in sql_tx_quotas.cc, runs in
// sql_tx_runs.cc, relationships and audit in sql_tx_authz.cc, denial counts
// in sql_tx_denials.cc, the rest in sql_tx.cc.
//
// Ownership: borrows the connection for the duration of one Read or Write
// callback. Thread-safety: none (see Tx).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/sql.h"
#include "store/store.h"

namespace workspaced::store {

// What a write transaction leaves for its store to read once it committed.
struct TxLog {
  // The outbox rows it wrote (seq, op, resource…, subject…) as the database
  // returned them: complete once the transaction has committed (PostgreSQL
  // reads them with the COMMIT's answer).
  std::vector<std::vector<std::string>> outbox;
  std::size_t expected = 0;  // rows the transaction wrote
  // It destroyed what must not be readable from the files afterwards (a
  // data key): SQLite's store then truncates its write-ahead log, whose
  // older page images still hold it (outside audit: purged data keys were
  // carved from workspaced.db-wal).
  bool scrub = false;
  // Those rows as relationship changes, in seq order.
  StatusOr<std::vector<RelationshipChange>> Changes() const;
};

class SqlTx final : public Tx {
 public:
  // `log` (null for reads) collects what the commit leaves (TxLog); it must
  // outlive the transaction.
  explicit SqlTx(SqlConnection& conn, TxLog* log = nullptr) : conn_(conn), log_(log) {}

  // Writes what a write transaction defers to its end: the outbox rows of its
  // relationship changes, under the outbox's ordering lock on PostgreSQL
  // (sql_tx_authz.cc), so that lock is held for those rows and the commit
  // only. The stores call it after the callback succeeded, just before
  // COMMIT; a failure rolls the transaction back like any other.
  Status Finish();

  StatusOr<model::Account> GetAccount(std::string_view id) override;
  Status InsertAccount(const model::Account& account) override;
  Status SetTrustedIssuers(std::string_view account_id,
                           const std::vector<model::TrustedIssuer>& issuers) override;
  Status PutAccountMember(const model::AccountMember& member) override;
  Status DeleteAccountMember(std::string_view account_id, std::string_view subject) override;
  StatusOr<std::optional<model::AccountRole>> GetAccountRole(std::string_view account_id,
                                                             std::string_view subject) override;
  StatusOr<std::optional<model::AccountMember>> GetAccountMember(std::string_view account_id,
                                                                 std::string_view subject) override;
  StatusOr<MemberCounts> CountAccountMembers(std::string_view account_id) override;
  StatusOr<std::vector<model::AccountMember>> ListAccountMembers(
      std::string_view account_id) override;
  StatusOr<std::vector<model::AccountMember>> ListAccountMembers(std::string_view account_id,
                                                                 std::string_view after,
                                                                 int limit) override;
  StatusOr<std::vector<model::Account>> ListAccounts(const Page& page) override;
  StatusOr<std::vector<model::Account>> ListAccountsForSubject(
      std::string_view subject, const std::vector<std::string>& groups, const Page& page) override;

  StatusOr<std::optional<model::AccountQuotas>> GetAccountQuotas(
      std::string_view account_id) override;
  StatusOr<std::optional<model::AccountQuotas>> LockAccountQuotas(
      std::string_view account_id) override;
  Status PutAccountQuotas(const model::AccountQuotas& quotas) override;
  StatusOr<std::int64_t> CountWorkspaces(std::string_view account_id) override;
  StatusOr<std::int64_t> LargestWorkspaceMembership(std::string_view account_id) override;
  StatusOr<std::int64_t> LargestPillarCount(std::string_view account_id,
                                            std::string_view pillar) override;
  StatusOr<std::vector<std::string>> RegionsInUse(std::string_view account_id) override;

  Status InsertWorkspace(const model::Workspace& ws) override;
  Status UpdateWorkspace(const model::Workspace& ws) override;
  Status TouchWorkspace(std::string_view id) override;
  StatusOr<model::Workspace> GetWorkspace(std::string_view id) override;
  StatusOr<WorkspaceStamp> GetWorkspaceStamp(std::string_view id) override;
  StatusOr<model::WorkspaceStatus> GetWorkspaceStatus(std::string_view id) override;
  StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesByAccount(std::string_view account_id,
                                                                const Page& page) override;
  StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesForSubject(
      std::string_view subject, const std::vector<std::string>& groups, const Page& page) override;
  StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesByAccountMatching(
      std::string_view account_id, const WorkspaceFilter& filter, const Page& page) override;
  StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesForSubjectMatching(
      std::string_view subject, const std::vector<std::string>& groups,
      const WorkspaceFilter& filter, const Page& page) override;
  StatusOr<bool> SlugTaken(std::string_view account_id, std::string_view slug) override;
  StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesWithSlug(std::string_view slug,
                                                               int limit) override;

  Status InsertEnvironment(const model::Environment& env) override;
  StatusOr<std::vector<model::Environment>> ListEnvironments(
      std::string_view workspace_id) override;
  Status DeleteEnvironments(std::string_view workspace_id) override;

  Status PutWorkspaceMember(const model::WorkspaceMember& member) override;
  Status DeleteWorkspaceMember(std::string_view workspace_id, std::string_view subject) override;
  StatusOr<std::optional<model::WorkspaceRole>> GetWorkspaceRole(std::string_view workspace_id,
                                                                 std::string_view subject) override;
  StatusOr<std::optional<model::WorkspaceMember>> GetWorkspaceMember(
      std::string_view workspace_id, std::string_view subject) override;
  StatusOr<MemberCounts> CountWorkspaceMembers(std::string_view workspace_id) override;
  StatusOr<std::vector<model::WorkspaceMember>> ListWorkspaceMembers(
      std::string_view workspace_id) override;
  StatusOr<std::vector<model::WorkspaceMember>> ListWorkspaceMembers(std::string_view workspace_id,
                                                                     std::string_view after,
                                                                     int limit) override;

  Status InsertRun(const model::ProvisioningRun& run) override;
  StatusOr<model::ProvisioningRun> GetRun(std::string_view id) override;
  StatusOr<std::vector<model::ProvisioningRun>> ListRunsForWorkspace(std::string_view workspace_id,
                                                                     const Page& page) override;
  StatusOr<std::optional<model::ProvisioningRun>> LatestRunForWorkspace(
      std::string_view workspace_id) override;
  StatusOr<std::optional<model::ProvisioningRun>> LatestProvisioningRunForWorkspace(
      std::string_view workspace_id) override;
  Status UpdateRun(const model::ProvisioningRun& run, std::int64_t fence) override;
  Status ExtendLease(std::string_view run_id, std::int64_t fence, Micros expires_at) override;
  StatusOr<std::vector<std::string>> ListClaimableRuns(Micros now, int limit) override;
  StatusOr<std::optional<Micros>> NextRunWakeup() override;

  StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotencyRecord(
      std::string_view subject, std::string_view key) override;
  Status PutIdempotencyRecord(const model::IdempotencyRecord& record) override;
  Status DeleteIdempotencyRecord(std::string_view subject, std::string_view key) override;
  StatusOr<int> PurgeIdempotencyRecords(Micros now, int limit) override;
  Status ForgetIdempotencyAnswersOf(std::string_view workspace_id) override;

  Status TouchRelationships(const std::vector<model::Relationship>& rels) override;
  Status DeleteRelationships(const std::vector<model::Relationship>& rels) override;
  Status ForEachRelationship(FunctionRef<bool(const model::Relationship&)> fn) override;
  StatusOr<std::vector<RelationshipChange>> ListUndeliveredChanges(int limit) override;
  Status MarkDelivered(std::int64_t up_to, Micros at) override;
  Status MarkUndelivered(std::int64_t after_seq) override;
  StatusOr<std::optional<Micros>> OldestUndelivered() override;
  StatusOr<bool> LockRunForClaim(std::string_view run_id) override;
  StatusOr<std::optional<std::string>> LockNextClaimableRun(Micros now) override;
  StatusOr<std::int64_t> AcquireLease(std::string_view name, std::string_view owner, Micros now,
                                      Micros expires_at) override;
  Status CheckLease(std::string_view name, std::string_view owner, std::int64_t fence) override;
  StatusOr<std::int64_t> LatestRelationshipChange() override;
  StatusOr<std::vector<RelationshipChange>> ListRelationshipChanges(std::int64_t after_seq,
                                                                    int limit) override;
  StatusOr<std::vector<model::Relationship>> ListRelationshipsForResource(
      std::string_view resource_type, std::string_view resource_id) override;
  StatusOr<std::vector<model::Relationship>> LockRelationshipSubjects(
      std::string_view resource_type, std::string_view resource_id, std::string_view relation,
      std::string_view user) override;
  StatusOr<std::int64_t> OutboxDepth() override;
  StatusOr<int> PruneRelationshipChanges(Micros older_than, bool delivered_only,
                                         int limit) override;

  Status AppendAudit(const model::AuditEvent& event) override;
  StatusOr<std::vector<model::AuditEvent>> ListAudit(const model::AuditQuery& query) override;
  StatusOr<std::vector<model::AuditEvent>> ScanAuditChain(std::string_view scope,
                                                          std::int64_t after_seq, int limit,
                                                          std::int64_t max_bytes) override;
  StatusOr<std::vector<AuditChainRef>> ListAuditChains() override;
  StatusOr<std::optional<model::AuditHead>> GetAuditHead(std::string_view scope) override;

  Status AddDenialCounts(const std::vector<model::DenialCount>& counts) override;
  StatusOr<std::vector<model::DenialCount>> ListDenialCounts(
      const model::DenialQuery& query) override;
  StatusOr<int> PruneDenialCounts(Micros before, int limit) override;

  StatusOr<std::optional<std::string>> GetDataKey(std::string_view workspace_id) override;
  StatusOr<std::string> PutDataKeyIfAbsent(std::string_view workspace_id, std::string_view wrapped,
                                           Micros now) override;
  Status ReplaceDataKey(std::string_view workspace_id, std::string_view wrapped,
                        Micros now) override;
  StatusOr<std::vector<std::pair<std::string, std::string>>> ListDataKeys(std::string_view after,
                                                                          int limit) override;
  Status DeleteDataKey(std::string_view workspace_id) override;
  Status RecordPillarOperation(std::string_view id, std::string_view workspace_id, bool committed,
                               Micros now) override;
  StatusOr<std::optional<bool>> GetPillarOperation(std::string_view id) override;
  StatusOr<std::int64_t> PrunePillarOperations(std::string_view workspace_id, Micros before,
                                               const std::vector<std::string>& keep,
                                               int limit) override;
  StatusOr<bool> AddPillarItem(std::string_view workspace_id, std::string_view pillar,
                               std::string_view item, std::int64_t version) override;
  StatusOr<bool> RemovePillarItem(std::string_view workspace_id, std::string_view pillar,
                                  std::string_view item, std::int64_t version) override;
  StatusOr<std::vector<PillarCountDrift>> RecountPillarItems(bool repair) override;
  StatusOr<std::int64_t> CountPillarItems(std::string_view workspace_id,
                                          std::string_view pillar) override;
  StatusOr<std::int64_t> DeletePillarItems(std::string_view workspace_id, int limit) override;
  Status DeletePillarRows(std::string_view workspace_id) override;

  StatusOr<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status PutMeta(std::string_view key, std::string_view value) override;
  StatusOr<std::string> PutMetaIfAbsent(std::string_view key, std::string_view value) override;
  StatusOr<std::int64_t> MetaNumber(std::string_view key) override;

 private:
  // The connection's cached statement (refused once the database has rolled
  // the transaction back by itself).
  StatusOr<Stmt> Prepare(Sql sql);
  // A statement the dialects spell differently.
  StatusOr<Stmt> Prepare(Sql sqlite, Sql postgres) {
    return Prepare(conn_.dialect() == Dialect::kSqlite ? sqlite : postgres);
  }
  // PostgreSQL: pillar items deleted in this transaction are not counted
  // (the purge's; sql_tx_pillars.cc).
  Status UncountedInThisTransaction();
  // Reads the rows of a workspace SELECT (columns as kWorkspaceColumns in
  // sqlite_tx_workspaces.cc), each with its group mappings.
  // Reads (id, version, updated_at) rows into stamps.
  static StatusOr<std::vector<WorkspaceStamp>> CollectStamps(Stmt& stmt);
  Status ReplaceGroupMappings(const model::Workspace& ws);
  // Reads the run at the current row of a SELECT of WS_RUN_COLUMNS, and its
  // steps (sqlite_tx_runs.cc).
  StatusOr<model::ProvisioningRun> ReadRun(Stmt& stmt);
  // The workspace's newest run, or newest create or retry run (sql_tx_runs.cc).
  StatusOr<std::optional<model::ProvisioningRun>> LatestRunWhere(std::string_view workspace_id,
                                                                 bool provisioning_only);
  // Before the first outbox row (sql_tx_authz.cc).
  Status OrderOutbox();
  Status FlushAudit();
  // AddPillarItem's and RemovePillarItem's one rule (sql_tx_pillars.cc):
  // false when a higher version decided the item already.
  StatusOr<bool> DecidePillarItem(std::string_view workspace_id, std::string_view pillar,
                                  std::string_view item, std::int64_t version, bool held,
                                  bool& was_held, bool* found = nullptr);
  // Stores (touch) or removes each relationship, logging each in the outbox.
  Status ChangeRelationships(const std::vector<model::Relationship>& rels, bool touch);

  SqlConnection& conn_;
  TxLog* log_;
  struct PendingChange {
    bool touch;
    model::Relationship relationship;
  };
  std::vector<PendingChange> pending_outbox_;  // relationship changes Finish logs
  // Audit chain heads as this transaction last read or wrote them, by
  // scope. SQLite: a head moved by an insert is written by FlushAudit, once
  // per scope and transaction (a group commit appends dozens to one).
  struct ChainHead {
    std::string hash;
    std::int64_t seq = 0;
    bool moved = false;
  };
  std::map<std::string, ChainHead, std::less<>> chain_heads_;
  // PostgreSQL: events appended and not yet written, with their chain links;
  // FlushAudit writes them (at Finish, or before this transaction reads
  // the audit log).
  struct PendingAudit {
    model::AuditEvent event;
    std::string prev_hash, hash;
  };
  std::vector<PendingAudit> pending_audit_;
};

}  // namespace workspaced::store
