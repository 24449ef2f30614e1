// The storage interface. Backends: SQLite (sqlite_store.h, the embedded
// default) and, later, PostgreSQL; both pass the same suite
// (store_suite_test.cc).
//
// Model: every access happens inside a transaction given to a callback.
//   store.Read([&](store::Tx& tx) { ... })   — a consistent read snapshot;
//   store.Write([&](store::Tx& tx) { ... })  — one serializable write
//     transaction, committed iff the callback returns OK. A backend may run the
//     callback again after a transient conflict, so it must have no effects
//     outside the transaction (collect results into captured variables and
//     act on them after Write returns).
//   store.WriteRowLocked(...) — the same, for a transaction whose invariants
//     are all kept by the rows it writes (see there), without SSI's cost.
//
// Thread-safety: Store is safe to use from any number of threads at once.
// A Tx belongs to the callback it was given to: never keep or share it.
//
// Failure: kNotFound / kConflict as documented per method; kUnavailable when
// the database cannot be reached or stays locked (retry later); kInternal for
// anything unexpected (the message is for logs, not clients).
#pragma once

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/status.h"
#include "model/model.h"

namespace workspaced::store {

// Keyset pagination: items with id > after, in ascending id order, at most
// limit of them. Ids are UUIDv7, so this is creation order.
// The members of an account or a workspace, counted (Tx::Count*Members).
struct MemberCounts {
  std::int64_t members = 0;
  std::int64_t admins = 0;
};

struct Page {
  std::string after;  // empty: from the start
  int limit = 100;    // >= 1; callers validate the upper bound
};

// What a filtered workspace listing keeps (Tx::ListWorkspaces*Matching):
// the workspaces every given criterion holds for. Callers validate the
// values and bound their number.
struct WorkspaceFilter {
  std::optional<model::WorkspaceStatus> status;
  std::string region;                         // empty: any
  std::map<std::string, std::string> labels;  // each key set to its value
  std::string name_prefix;                    // empty: any; case-sensitive
  bool empty() const { return !status && region.empty() && labels.empty() && name_prefix.empty(); }
};

// A kept count of a workspace's items of a pillar (pillar_counts) that
// disagrees with the items it counts (pillar_items held): `counted` is the
// kept count (0 without a row), `held` the items.
struct PillarCountDrift {
  std::string workspace_id;
  std::string pillar;
  std::int64_t counted = 0;
  std::int64_t held = 0;
};

// A relationship change made by a committed write: `seq` is its outbox
// position (commit order), `touch` false for a delete.
struct RelationshipChange {
  std::int64_t seq = 0;
  bool touch = true;
  model::Relationship rel;
};

// Told of the relationship changes of every committed write, in commit order,
// before that Write returns (so a reader of what it maintains is never behind
// this process's own writes). Must not call back into the store.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  virtual void OnRelationshipsCommitted(const std::vector<RelationshipChange>& changes) = 0;
};

// What identifies one state of a workspace: every update raises `version`
// (UpdateWorkspace) and sets `updated_at`, so equal stamps mean equal rows
// (the time also tells apart a database restored to an older version).
struct WorkspaceStamp {
  std::string id;
  std::int64_t version = 0;
  Micros updated_at = 0;
  bool operator==(const WorkspaceStamp&) const = default;
};

// A chain of the audit log as the database records it (Tx::ListAuditChains).
struct AuditChainRef {
  std::string scope;                     // a workspace id, or "" for events without one
  std::optional<model::AuditHead> head;  // its audit_chain_heads row; nullopt: none
  // The workspace's updated_at (each change of a workspace row is audited in
  // the same transaction, at the same time); nullopt: no such workspace.
  std::optional<Micros> workspace_updated_at;
};

// What a check of the database found (Store::CheckIntegrity). `problem` is
// for operators (it names tables, indexes, files): never shown to clients.
struct IntegrityReport {
  enum class Outcome {
    kOk,          // nothing wrong in all that was checked
    kDamaged,     // `problem` says what is wrong
    kIncomplete,  // the budget ran out first; nothing wrong found so far
  };
  Outcome outcome = Outcome::kOk;
  std::string problem;
};

// Meta keys kept by PruneRelationshipChanges (numbers: MetaNumber).
inline constexpr char kOutboxPrunedThrough[] = "relationship_outbox_pruned_through";
inline constexpr char kOutboxPrunedUndelivered[] = "relationship_outbox_pruned_undelivered";

class Tx {
 public:
  virtual ~Tx() = default;

  // --- accounts ---
  // kNotFound when absent.
  virtual StatusOr<model::Account> GetAccount(std::string_view id) = 0;
  // kConflict when the id exists.
  virtual Status InsertAccount(const model::Account& account) = 0;
  // Replaces the issuers the account trusts. kNotFound when absent.
  virtual Status SetTrustedIssuers(std::string_view account_id,
                                   const std::vector<model::TrustedIssuer>& issuers) = 0;
  // Inserts or changes the subject's role on the account.
  virtual Status PutAccountMember(const model::AccountMember& member) = 0;
  // kNotFound when the subject is not a member.
  virtual Status DeleteAccountMember(std::string_view account_id, std::string_view subject) = 0;
  // nullopt when the subject has no role on the account.
  virtual StatusOr<std::optional<model::AccountRole>> GetAccountRole(std::string_view account_id,
                                                                     std::string_view subject) = 0;
  // The subject's membership of the account (role and since when);
  // nullopt: none. One row read.
  virtual StatusOr<std::optional<model::AccountMember>> GetAccountMember(
      std::string_view account_id, std::string_view subject) = 0;
  // How many members the account has, and how many of them are admins.
  virtual StatusOr<MemberCounts> CountAccountMembers(std::string_view account_id) = 0;
  // Ordered by subject.
  virtual StatusOr<std::vector<model::AccountMember>> ListAccountMembers(
      std::string_view account_id) = 0;
  // At most `limit` (>= 1) of them, in subject order, after the subject
  // `after` ("": from the first): keyset pagination, so a member added or
  // removed between pages neither repeats nor hides another.
  virtual StatusOr<std::vector<model::AccountMember>> ListAccountMembers(
      std::string_view account_id, std::string_view after, int limit) = 0;
  // Every account, in id order (keyset pagination).
  virtual StatusOr<std::vector<model::Account>> ListAccounts(const Page& page) = 0;
  // The accounts on which `subject`, or one of `groups` (group#member), holds
  // an admin or member relationship, in id order: exactly the accounts the
  // authorizer lets the caller read other than as a platform admin (who
  // reads them all: ListAccounts).
  virtual StatusOr<std::vector<model::Account>> ListAccountsForSubject(
      std::string_view subject, const std::vector<std::string>& groups, const Page& page) = 0;

  // --- quotas (domain/quotas.h) ---
  // nullopt when the account has no quotas row: every quota is unlimited.
  virtual StatusOr<std::optional<model::AccountQuotas>> GetAccountQuotas(
      std::string_view account_id) = 0;
  // GetAccountQuotas, and the row (when there is one) locked by a write
  // until the transaction ends: it is rewritten unchanged. Another
  // transaction that locks or changes it waits for this one, and on
  // PostgreSQL is then run again (Store::WriteRowLocked), so it counts what
  // this one created. No row: on PostgreSQL the account's row is
  // share-locked, which PutAccountQuotas's rewrite of it waits for (and
  // which a transaction older than that rewrite cannot take: it runs
  // again), so a first limit set while creates are in flight holds too.
  virtual StatusOr<std::optional<model::AccountQuotas>> LockAccountQuotas(
      std::string_view account_id) = 0;
  // Inserts or replaces the account's quotas. kNotFound when the account is
  // absent.
  virtual Status PutAccountQuotas(const model::AccountQuotas& quotas) = 0;
  // How many workspaces the account holds: every row, whatever its status,
  // but purged ones (a deleted workspace counts until it is purged).
  virtual StatusOr<std::int64_t> CountWorkspaces(std::string_view account_id) = 0;
  // The most direct members any one workspace of the account has (0: none).
  virtual StatusOr<std::int64_t> LargestWorkspaceMembership(std::string_view account_id) = 0;
  // The most items of `pillar` any one workspace of the account holds (0:
  // none): one count (pillar_counts) per workspace, not its items.
  virtual StatusOr<std::int64_t> LargestPillarCount(std::string_view account_id,
                                                    std::string_view pillar) = 0;
  // The distinct regions of the account's workspaces (but purged ones), sorted.
  virtual StatusOr<std::vector<std::string>> RegionsInUse(std::string_view account_id) = 0;

  // --- workspaces ---
  // kConflict when the id, or the slug within the account, exists.
  virtual Status InsertWorkspace(const model::Workspace& ws) = 0;
  // Replaces every mutable field. `ws.version` must be the stored version + 1
  // (optimistic concurrency): kConflict otherwise; kNotFound when absent.
  virtual Status UpdateWorkspace(const model::Workspace& ws) = 0;
  // Writes the row unchanged: a concurrent writer of it (at REPEATABLE READ
  // or SERIALIZABLE on PostgreSQL) then conflicts with this transaction and
  // one of the two runs again, seeing the other's writes. kNotFound when
  // absent.
  virtual Status TouchWorkspace(std::string_view id) = 0;
  // kNotFound when absent.
  virtual StatusOr<model::Workspace> GetWorkspace(std::string_view id) = 0;
  // The stamp alone (one index lookup): whether a cached rendering is
  // current. kNotFound when absent.
  virtual StatusOr<WorkspaceStamp> GetWorkspaceStamp(std::string_view id) = 0;
  // The status alone (one primary-key lookup): what api::Require reads to
  // hide a deleted workspace. kNotFound when absent.
  virtual StatusOr<model::WorkspaceStatus> GetWorkspaceStatus(std::string_view id) = 0;
  // Every listing leaves out workspaces being deleted, deleted or purged
  // (model::IsGone); a filter asking for status deleting or deleted lists
  // those. Listings return stamps, not whole workspaces: callers render from a
  // cache keyed by the stamp and fetch (GetWorkspace) only what changed.
  virtual StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesByAccount(std::string_view account_id,
                                                                        const Page& page) = 0;
  // Workspaces where `subject` has a direct membership, or where one of
  // `groups` holds a role through a relationship (workspace#role@group#member,
  // written by provisioning's write_relationships step): exactly the
  // workspaces the authorizer lets the caller read by membership. A stored
  // mapping whose relationship is not (or no longer) written lists nothing.
  virtual StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesForSubject(
      std::string_view subject, const std::vector<std::string>& groups, const Page& page) = 0;
  // The same two listings narrowed by `filter`, in the same id order, the
  // filter applied before the page is cut (a page is only short at the end).
  // Separate methods so that the unfiltered listings stay exactly as they
  // are; the filtered ones walk the account's (or the subject's) workspaces
  // in id order, testing each.
  virtual StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesByAccountMatching(
      std::string_view account_id, const WorkspaceFilter& filter, const Page& page) = 0;
  virtual StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesForSubjectMatching(
      std::string_view subject, const std::vector<std::string>& groups,
      const WorkspaceFilter& filter, const Page& page) = 0;
  virtual StatusOr<bool> SlugTaken(std::string_view account_id, std::string_view slug) = 0;
  // The workspaces whose slug is `slug`, in any account, in id order, at
  // most `limit`, leaving out deleted ones (the /v0 surface addresses
  // workspaces by name: docs/blaxel.md).
  virtual StatusOr<std::vector<WorkspaceStamp>> ListWorkspacesWithSlug(std::string_view slug,
                                                                       int limit) = 0;

  // --- environments ---
  // kConflict when the id, or the name within the workspace, exists.
  virtual Status InsertEnvironment(const model::Environment& env) = 0;
  // Ordered by id (creation order).
  virtual StatusOr<std::vector<model::Environment>> ListEnvironments(
      std::string_view workspace_id) = 0;
  // Removes all of a workspace's environments (a saga compensation). OK when
  // there are none.
  virtual Status DeleteEnvironments(std::string_view workspace_id) = 0;

  // --- workspace memberships ---
  virtual Status PutWorkspaceMember(const model::WorkspaceMember& member) = 0;
  // kNotFound when the subject is not a member.
  virtual Status DeleteWorkspaceMember(std::string_view workspace_id, std::string_view subject) = 0;
  virtual StatusOr<std::optional<model::WorkspaceRole>> GetWorkspaceRole(
      std::string_view workspace_id, std::string_view subject) = 0;
  // As GetAccountMember and CountAccountMembers, for a workspace's direct
  // members.
  virtual StatusOr<std::optional<model::WorkspaceMember>> GetWorkspaceMember(
      std::string_view workspace_id, std::string_view subject) = 0;
  virtual StatusOr<MemberCounts> CountWorkspaceMembers(std::string_view workspace_id) = 0;
  // Ordered by subject.
  virtual StatusOr<std::vector<model::WorkspaceMember>> ListWorkspaceMembers(
      std::string_view workspace_id) = 0;
  // A page of them, as ListAccountMembers's.
  virtual StatusOr<std::vector<model::WorkspaceMember>> ListWorkspaceMembers(
      std::string_view workspace_id, std::string_view after, int limit) = 0;

  // --- provisioning runs ---
  // Inserts the run with its steps. kConflict when the id exists.
  virtual Status InsertRun(const model::ProvisioningRun& run) = 0;
  // The run with its steps, in order. kNotFound when absent.
  virtual StatusOr<model::ProvisioningRun> GetRun(std::string_view id) = 0;
  // The workspace's most recent run (by id), or nullopt.
  virtual StatusOr<std::optional<model::ProvisioningRun>> LatestRunForWorkspace(
      std::string_view workspace_id) = 0;
  // The workspace's most recent provisioning run (kind create or retry; not
  // a delete, purge or restore), or nullopt.
  virtual StatusOr<std::optional<model::ProvisioningRun>> LatestProvisioningRunForWorkspace(
      std::string_view workspace_id) = 0;
  // The workspace's runs (its operations), in id (creation) order, keyset
  // paginated.
  virtual StatusOr<std::vector<model::ProvisioningRun>> ListRunsForWorkspace(
      std::string_view workspace_id, const Page& page) = 0;
  // Writes every mutable field of the run and of its steps (the set of steps
  // never changes after insert) — but only while the stored lease_version is
  // `fence`: kConflict otherwise (another worker has claimed the run since:
  // the caller has lost its lease and must stop). kNotFound when absent.
  virtual Status UpdateRun(const model::ProvisioningRun& run, std::int64_t fence) = 0;
  // Moves lease_expires_at of a run still held at lease_version `fence`;
  // kConflict when the lease has been lost.
  virtual Status ExtendLease(std::string_view run_id, std::int64_t fence, Micros expires_at) = 0;
  // Ids of runs a worker may claim now: state pending, running or
  // compensating; next_attempt_at <= now; unleased or lease expired. Oldest
  // next_attempt_at first, at most `limit`.
  virtual StatusOr<std::vector<std::string>> ListClaimableRuns(Micros now, int limit) = 0;
  // Locks the run for the rest of this write transaction, unless another
  // transaction holds it (then false at once: another worker is claiming it;
  // PostgreSQL's FOR UPDATE SKIP LOCKED). kNotFound when absent. On SQLite,
  // where writers take turns, always true.
  virtual StatusOr<bool> LockRunForClaim(std::string_view run_id) = 0;
  // The first run ListClaimableRuns would list, locked for the rest of this
  // write transaction; runs other transactions hold are skipped, not waited
  // on (as LockRunForClaim). nullopt: none is claimable. A worker finds and
  // claims its next run in one transaction.
  virtual StatusOr<std::optional<std::string>> LockNextClaimableRun(Micros now) = 0;
  // The earliest next_attempt_at (or lease expiry, for leased runs) among
  // unfinished runs: when a worker should look again. nullopt: none.
  virtual StatusOr<std::optional<Micros>> NextRunWakeup() = 0;

  // --- idempotency keys (POST retries) ---
  // The record for (subject, key), expired or not; nullopt when absent.
  virtual StatusOr<std::optional<model::IdempotencyRecord>> GetIdempotencyRecord(
      std::string_view subject, std::string_view key) = 0;
  // Inserts or replaces the record for (subject, key).
  virtual Status PutIdempotencyRecord(const model::IdempotencyRecord& record) = 0;
  // OK when absent.
  virtual Status DeleteIdempotencyRecord(std::string_view subject, std::string_view key) = 0;
  // Deletes at most `limit` records with expires_at <= now; how many.
  virtual StatusOr<int> PurgeIdempotencyRecords(Micros now, int limit) = 0;
  // Forgets the answers of every record that belongs to the workspace (the
  // purge's: a vault record's answer holds its tokens and masks), keeping
  // the keys until they expire, answered 410 (kPurgedAnswer): a retried
  // create whose workspace was purged makes no second one. OK when there is
  // none.
  virtual Status ForgetIdempotencyAnswersOf(std::string_view workspace_id) = 0;

  // --- authorization relationships and their outbox to SpiceDB ---
  // Each relationship is stored (a no-op when present) and a TOUCH is
  // appended to the outbox, in the order given (the outbox rows are written
  // when the transaction ends, so its seqs follow commit order on every
  // backend).
  virtual Status TouchRelationships(const std::vector<model::Relationship>& rels) = 0;
  // Each relationship is removed (a no-op when absent) and a DELETE is
  // appended to the outbox.
  virtual Status DeleteRelationships(const std::vector<model::Relationship>& rels) = 0;
  // Relationships whose resource is (type, id), in a stable order.
  virtual StatusOr<std::vector<model::Relationship>> ListRelationshipsForResource(
      std::string_view resource_type, std::string_view resource_id) = 0;
  // Those of them with `relation` whose subject is `user` or not a user
  // (a subject set, an account, a platform: one walk of the primary key),
  // for the authorizer inside a write transaction (WriteCheck). Write
  // transactions only: on PostgreSQL the rows are locked FOR KEY SHARE, so
  // a revocation that deletes one waits for this transaction to commit, or
  // (deleted first) fails it as a serialization failure the store retries.
  virtual StatusOr<std::vector<model::Relationship>> LockRelationshipSubjects(
      std::string_view resource_type, std::string_view resource_id, std::string_view relation,
      std::string_view user) = 0;
  // Every relationship, in primary-key order, until `fn` returns false.
  virtual Status ForEachRelationship(FunctionRef<bool(const model::Relationship&)> fn) = 0;
  // The outbox position of the latest relationship change (0: none).
  virtual StatusOr<std::int64_t> LatestRelationshipChange() = 0;
  // Relationship changes with seq > after_seq, in seq (commit) order, at
  // most `limit`.
  virtual StatusOr<std::vector<RelationshipChange>> ListRelationshipChanges(std::int64_t after_seq,
                                                                            int limit) = 0;
  // Undelivered changes, oldest (lowest seq) first, at most `limit`.
  virtual StatusOr<std::vector<RelationshipChange>> ListUndeliveredChanges(int limit) = 0;
  // Marks every undelivered change with seq <= up_to as delivered at `at`.
  virtual Status MarkDelivered(std::int64_t up_to, Micros at) = 0;
  // Marks every change with seq > after_seq undelivered again (reconcile:
  // what was committed while it ran is delivered once more after it).
  virtual Status MarkUndelivered(std::int64_t after_seq) = 0;
  // When the oldest undelivered change was made (microseconds since the
  // epoch); nullopt when everything is delivered.
  virtual StatusOr<std::optional<Micros>> OldestUndelivered() = 0;
  // Number of undelivered outbox entries.
  virtual StatusOr<std::int64_t> OutboxDepth() = 0;
  // Deletes at most `limit` outbox entries made before `older_than`, oldest
  // first: only delivered ones when `delivered_only`, and never the newest
  // entry (its seq is the outbox position readers compare against). Raises
  // the meta value kOutboxPrunedThrough to the highest seq deleted (readers
  // behind it must reload the relationships whole) and, when an undelivered
  // entry went, raises kOutboxPrunedUndelivered to the highest such seq
  // (SpiceDB then needs a reconcile, not the outbox, to catch up). How many
  // were deleted.
  virtual StatusOr<int> PruneRelationshipChanges(Micros older_than, bool delivered_only,
                                                 int limit) = 0;

  // --- audit log ---
  // Appends the event to its workspace's hash chain: `seq`, `prev_hash` and
  // `hash` are assigned by the store (audit/chain.h), and the chain's head
  // moves to it.
  virtual Status AppendAudit(const model::AuditEvent& event) = 0;
  // The events the query selects, newest first, at most query.limit.
  virtual StatusOr<std::vector<model::AuditEvent>> ListAudit(const model::AuditQuery& query) = 0;
  // One chain's events oldest first, seq > after_seq: at most `limit`, and
  // none more once those taken hold `max_bytes` of text (at least one is
  // taken), so a page of large events is never read whole. Verification and
  // the export walk chains with it; kNoByteLimit: `limit` alone bounds it.
  static constexpr std::int64_t kNoByteLimit = std::numeric_limits<std::int64_t>::max();
  virtual StatusOr<std::vector<model::AuditEvent>> ScanAuditChain(std::string_view scope,
                                                                  std::int64_t after_seq, int limit,
                                                                  std::int64_t max_bytes) = 0;
  // Every chain the log holds or should hold, by scope, each once: the scope
  // of every event and of every head row, and the id of every workspace
  // (each is created with a workspace.create event, so a workspace without
  // events has lost its chain). Verification walks these rather than the
  // head rows alone, which one deleted row would blind.
  virtual StatusOr<std::vector<AuditChainRef>> ListAuditChains() = 0;
  // One chain's head row as this transaction sees it; nullopt: none.
  virtual StatusOr<std::optional<model::AuditHead>> GetAuditHead(std::string_view scope) = 0;

  // --- denials counted rather than chained (domain/denials.h) ---
  // Adds each count to the row of its key (model::DenialCount), widening
  // its first_at/last_at; a new key's row is created with the count's id,
  // window_end, user agent and request id.
  virtual Status AddDenialCounts(const std::vector<model::DenialCount>& counts) = 0;
  virtual StatusOr<std::vector<model::DenialCount>> ListDenialCounts(
      const model::DenialQuery& query) = 0;
  // Deletes at most `limit` rows whose window started before `before`; how
  // many.
  virtual StatusOr<int> PruneDenialCounts(Micros before, int limit) = 0;

  // --- named leases: one holder at a time across processes (the relay) ---
  // Takes the lease `name` for `owner` until `expires_at` when it is free,
  // expired at `now`, or already `owner`'s (then it is extended). Returns the
  // fence, which changes whenever the holder changes. kConflict while another
  // owner's lease is valid.
  virtual StatusOr<std::int64_t> AcquireLease(std::string_view name, std::string_view owner,
                                              Micros now, Micros expires_at) = 0;
  // OK while `owner` holds `name` at `fence`; kConflict once it has lost it.
  virtual Status CheckLease(std::string_view name, std::string_view owner, std::int64_t fence) = 0;

  // --- pillars: data keys and operation outcomes (docs/pillars.md) ---
  // The workspace's data key as stored (crypto::EncodeWrappedKey); nullopt
  // when it has none yet.
  virtual StatusOr<std::optional<std::string>> GetDataKey(std::string_view workspace_id) = 0;
  // Stores `wrapped` as the workspace's data key unless it has one, and
  // returns the one it holds afterwards (racing first uses agree on one).
  // kNotFound when the workspace is absent.
  virtual StatusOr<std::string> PutDataKeyIfAbsent(std::string_view workspace_id,
                                                   std::string_view wrapped, Micros now) = 0;
  // Replaces the stored form of a key (rotation rewraps). kNotFound when the
  // workspace has no key.
  virtual Status ReplaceDataKey(std::string_view workspace_id, std::string_view wrapped,
                                Micros now) = 0;
  // (workspace id, stored key) with workspace id > after, in id order, at
  // most `limit`.
  virtual StatusOr<std::vector<std::pair<std::string, std::string>>> ListDataKeys(
      std::string_view after, int limit) = 0;
  // Destroys the workspace's data key (crypto-shredding). OK when absent.
  virtual Status DeleteDataKey(std::string_view workspace_id) = 0;
  // Records the outcome of a pillar operation. kConflict when the id has an
  // outcome already (the first recorded wins: an operation a sweep aborted
  // can no longer commit, and the reverse).
  virtual Status RecordPillarOperation(std::string_view id, std::string_view workspace_id,
                                       bool committed, Micros now) = 0;
  // nullopt: no outcome recorded; true: committed; false: aborted.
  virtual StatusOr<std::optional<bool>> GetPillarOperation(std::string_view id) = 0;
  // Deletes the workspace's recorded outcomes older than `before`, but those
  // in `keep` (operations whose dataplane rows are still pending), at most
  // `limit`; how many it deleted.
  virtual StatusOr<std::int64_t> PrunePillarOperations(std::string_view workspace_id, Micros before,
                                                       const std::vector<std::string>& keep,
                                                       int limit) = 0;
  // The items of a pillar a quota counts (pillar_items: a secret's name…),
  // each decided by the highest `version` recorded for it (a secret's
  // version or tombstone; 0 for items that have no versions): a write or a
  // removal of a lower version than the one recorded changes nothing.
  // Holds the item at `version`: true when it was not held before (a new
  // item, for the quota).
  virtual StatusOr<bool> AddPillarItem(std::string_view workspace_id, std::string_view pillar,
                                       std::string_view item, std::int64_t version) = 0;
  // Releases it at `version` (remembered, so that a lower version committed
  // later does not hold it again). False when a removal released it already,
  // in either numbering order (two DELETEs of one item: the one committed
  // second has nothing to release); true otherwise, an item never recorded
  // included.
  virtual StatusOr<bool> RemovePillarItem(std::string_view workspace_id, std::string_view pillar,
                                          std::string_view item, std::int64_t version) = 0;
  // The items held: a count kept per workspace and pillar (pillar_counts)
  // by the two above, one row read however many items there are.
  virtual StatusOr<std::int64_t> CountPillarItems(std::string_view workspace_id,
                                                  std::string_view pillar) = 0;
  // Every kept count that disagrees with the items it counts, in
  // (workspace, pillar) order, read against all items (linear: an
  // operator's check, `workspaced quotas recount`); with `repair`, each is
  // set to the items held in the same transaction.
  virtual StatusOr<std::vector<PillarCountDrift>> RecountPillarItems(bool repair) = 0;
  // Deletes at most `limit` of the workspace's pillar items (any pillar,
  // any decision; their counts may not follow: the workspace is being
  // purged, and DeletePillarRows deletes the counts); how many. The purge takes a large
  // workspace's items in batches like this, each its own transaction,
  // before DeletePillarRows.
  virtual StatusOr<std::int64_t> DeletePillarItems(std::string_view workspace_id, int limit) = 0;
  // Deletes every pillar row the control plane keeps for the workspace, of
  // every pillar: its items, their counts and its operations' outcomes (the purge's; one
  // statement per table, through the indexes that lead with workspace_id).
  virtual Status DeletePillarRows(std::string_view workspace_id) = 0;

  // --- service metadata (bootstrap state such as the default account id) ---
  virtual StatusOr<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;
  // Stores `value` under `key` unless the key holds a value already, and
  // returns the value the key holds afterwards: transactions racing to set
  // it (replicas starting at once) all return the one that committed.
  virtual StatusOr<std::string> PutMetaIfAbsent(std::string_view key, std::string_view value) = 0;
  // A meta value that holds a number (0 when absent); kInternal when it
  // holds something else.
  virtual StatusOr<std::int64_t> MetaNumber(std::string_view key) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies every pending versioned migration, each in its own transaction.
  // Idempotent. Refuses (kInternal) a database newer than this binary knows.
  virtual Status Migrate() = 0;
  // The highest applied migration version (0 for an empty database).
  virtual StatusOr<int> SchemaVersion() = 0;
  // OK when the database answers a trivial query.
  virtual Status Ping() = 0;
  // Looks for damage, within about `budget`. SQLite: PRAGMA integrity_check
  // on a connection of its own (every page, every index entry against its
  // row: O(size), a snapshot held meanwhile; interrupted at the budget, 0
  // for none),
  // then whether the schema is whole. PostgreSQL, which guards its own
  // pages: whether the schema is whole (every migration this binary knows
  // applied, every table it needs present). kUnavailable when the database
  // cannot be reached.
  virtual StatusOr<IntegrityReport> CheckIntegrity(Micros budget) = 0;

  virtual Status Read(FunctionRef<Status(Tx&)> fn) = 0;
  virtual Status Write(FunctionRef<Status(Tx&)> fn) = 0;
  // Like Write, for a transaction whose every rule is kept by what it
  // writes, never by what a read of rows it leaves alone showed: each row
  // whose reading decides what it writes is a row it writes (or locks with a
  // write: LockAccountQuotas), new rows meet unique indexes through INSERT …
  // ON CONFLICT, and the outbox keeps its own order (Finish). Such a
  // transaction is serializable without predicate locks, so PostgreSQL runs
  // it at REPEATABLE READ: the first of two transactions to write a row wins
  // and the other is run again (as after any serialization failure), while
  // transactions that write different rows — creates in one account — never
  // cancel each other, as SSI's page-granular predicate locks make them do.
  // docs/postgresql.md lists each invariant and what keeps it. SQLite, with
  // its one writer, runs it as Write.
  virtual Status WriteRowLocked(FunctionRef<Status(Tx&)> fn) { return Write(fn); }

  // A number that changes whenever a commit by anyone — this process or
  // another — may have changed the data; cheap enough to ask before every
  // authorization check (in-memory caches use it to know when to look).
  virtual StatusOr<std::uint64_t> DataVersion() = 0;
  // Whether DataVersion changes with a commit to any table (SQLite's
  // PRAGMA data_version; PostgreSQL's commit notifications, pg_change_feed.h)
  // rather than only with relationship changes. A cache of anything but
  // relationships may rely on DataVersion only when this is true. Both
  // backends say true: a commit of this process moves DataVersion before
  // its Write returns; another process's, on PostgreSQL, within the bound
  // docs/postgresql.md gives.
  virtual bool DataVersionCoversEveryWrite() const { return false; }
  // Like DataVersion, but it need not change with this process's own
  // commits (PostgreSQL: it does not); for a cache that learns of those
  // from the commit observer (the relationship index).
  virtual StatusOr<std::uint64_t> ForeignDataVersion() { return DataVersion(); }

  // Installs the observer of committed relationship changes (null: none).
  // Call before the store is shared between threads; the observer must
  // outlive the store's use.
  virtual void SetCommitObserver(CommitObserver* observer) = 0;
};

}  // namespace workspaced::store
