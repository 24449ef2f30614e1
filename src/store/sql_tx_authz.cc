// Authorization relationships with their outbox to SpiceDB, and the audit log.
#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include <boost/json.hpp>

#include "audit/chain.h"
#include "common/clock.h"
#include "store/sql_tx.h"

namespace workspaced::store {

namespace {

namespace json = boost::json;

#define WS_CHANGE_COLUMNS \
  "seq, op, resource_type, resource_id, relation, subject_type, subject_id, subject_relation"

// Reads the changes a SELECT of (seq, op, resource…, subject…) returns.
StatusOr<std::vector<RelationshipChange>> CollectChanges(Stmt& stmt) {
  std::vector<RelationshipChange> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    out.push_back({stmt.Int(0),
                   stmt.Text(1) == "touch",
                   {stmt.String(2), stmt.String(3), stmt.String(4), stmt.String(5), stmt.String(6),
                    stmt.String(7)}});
  }
}

}  // namespace

Status SqlTx::OrderOutbox() {
  // The relay and the relationship index read the outbox in seq order and
  // must never see a lower seq commit after a higher one. SQLite has one
  // writer at a time; on PostgreSQL, the outbox rows are written last (see
  // Finish) under a transaction-level advisory lock (released at commit, so
  // poolers in transaction mode are fine), so seqs are taken in commit order.
  // The holder only inserts fresh outbox rows and commits: it never waits for
  // a row another transaction holds, so the lock cannot deadlock, and it is
  // held for those inserts and the commit, not for the whole transaction.
  if (conn_.dialect() != Dialect::kPostgres) return Status::Ok();
  WS_ASSIGN_OR_RETURN(Stmt order, Prepare("SELECT pg_advisory_xact_lock(7269637)"));
  return order.Defer();
}

Status SqlTx::Finish() {
  WS_RETURN_IF_ERROR(FlushAudit());
  if (pending_outbox_.empty()) return Status::Ok();
  if (log_ == nullptr) return Internal("store: relationship changes in a read transaction");
  WS_RETURN_IF_ERROR(OrderOutbox());
  // Every row in one statement, numbered in the order they were changed;
  // on PostgreSQL sent with the COMMIT, so that the ordering lock is held
  // for the server's work only, never across a round trip.
  json::array rows;
  rows.reserve(pending_outbox_.size());
  for (const PendingChange& p : pending_outbox_) {
    const model::Relationship& r = p.relationship;
    rows.push_back(json::array{p.touch ? "touch" : "delete", r.resource_type, r.resource_id,
                               r.relation, r.subject_type, r.subject_id, r.subject_relation});
  }
  const std::string text = json::serialize(rows);
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO relationship_outbox (op, resource_type, resource_id, relation, "
              "subject_type, subject_id, subject_relation, created_at) SELECT v.value ->> 0, "
              "v.value ->> 1, v.value ->> 2, v.value ->> 3, v.value ->> 4, v.value ->> 5, "
              "v.value ->> 6, ?2 FROM json_each(?1) AS v ORDER BY v.key RETURNING " WS_CHANGE_COLUMNS,
              "INSERT INTO relationship_outbox (op, resource_type, resource_id, relation, "
              "subject_type, subject_id, subject_relation, created_at) SELECT v ->> 0, v ->> 1, "
              "v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, ?2 FROM "
              "jsonb_array_elements(CAST(?1 AS jsonb)) WITH ORDINALITY AS e(v, n) ORDER BY n "
              "RETURNING " WS_CHANGE_COLUMNS));
  // Wall-clock time, for the age of undelivered changes (an operator's
  // figure), whatever clock the caller runs on.
  stmt.Bind(text, SystemClock().Now());
  WS_RETURN_IF_ERROR(stmt.DeferRows(&log_->outbox, 8));
  log_->expected += pending_outbox_.size();
  pending_outbox_.clear();
  return Status::Ok();
}

StatusOr<std::vector<RelationshipChange>> TxLog::Changes() const {
  if (outbox.size() != expected)
    return Internal("store: the outbox insert returned " + std::to_string(outbox.size()) +
                    " rows for " + std::to_string(expected) + " changes");
  std::vector<RelationshipChange> out;
  out.reserve(outbox.size());
  for (const auto& row : outbox) {
    if (row.size() != 8) return Internal("store: an outbox row came back incomplete");
    std::int64_t seq = 0;
    if (std::from_chars(row[0].data(), row[0].data() + row[0].size(), seq).ec != std::errc())
      return Internal("store: an outbox row's seq is not a number");
    out.push_back({seq, row[1] == "touch", {row[2], row[3], row[4], row[5], row[6], row[7]}});
  }
  std::sort(out.begin(), out.end(),
            [](const RelationshipChange& a, const RelationshipChange& b) { return a.seq < b.seq; });
  return out;
}

Status SqlTx::ChangeRelationships(const std::vector<model::Relationship>& rels, bool touch) {
  for (const auto& r : rels) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt,
        touch ? Prepare("INSERT INTO relationships (resource_type, resource_id, relation, "
                        "subject_type, subject_id, subject_relation) VALUES (?1, ?2, ?3, ?4, ?5, "
                        "?6) ON CONFLICT DO NOTHING")
              : Prepare("DELETE FROM relationships WHERE resource_type = ?1 AND resource_id = ?2 "
                        "AND relation = ?3 AND subject_type = ?4 AND subject_id = ?5 AND "
                        "subject_relation = ?6"));
    WS_RETURN_IF_ERROR(stmt.Bind(r.resource_type, r.resource_id, r.relation, r.subject_type,
                                 r.subject_id, r.subject_relation)
                           .Defer());
    pending_outbox_.push_back({touch, r});  // logged by Finish
  }
  return Status::Ok();
}

Status SqlTx::TouchRelationships(const std::vector<model::Relationship>& rels) {
  return ChangeRelationships(rels, /*touch=*/true);
}

Status SqlTx::DeleteRelationships(const std::vector<model::Relationship>& rels) {
  return ChangeRelationships(rels, /*touch=*/false);
}

Status SqlTx::ForEachRelationship(FunctionRef<bool(const model::Relationship&)> fn) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT resource_type, resource_id, relation, "
                                         "subject_type, subject_id, subject_relation FROM "
                                         "relationships"));
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Status::Ok();
    if (!fn({stmt.String(0), stmt.String(1), stmt.String(2), stmt.String(3), stmt.String(4),
             stmt.String(5)}))
      return Status::Ok();
  }
}


StatusOr<std::vector<RelationshipChange>> SqlTx::ListUndeliveredChanges(int limit) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " WS_CHANGE_COLUMNS " FROM relationship_outbox "
                                         "WHERE delivered_at IS NULL ORDER BY seq LIMIT ?1"));
  stmt.Bind(limit);
  return CollectChanges(stmt);
}

Status SqlTx::MarkDelivered(std::int64_t up_to, Micros at) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE relationship_outbox SET delivered_at = ?2 WHERE "
                                         "delivered_at IS NULL AND seq <= ?1"));
  return stmt.Bind(up_to, at).Run();
}

Status SqlTx::MarkUndelivered(std::int64_t after_seq) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE relationship_outbox SET delivered_at = NULL "
                                         "WHERE seq > ?1 AND delivered_at IS NOT NULL"));
  return stmt.Bind(after_seq).Run();
}

StatusOr<std::optional<Micros>> SqlTx::OldestUndelivered() {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT created_at FROM relationship_outbox WHERE "
                                         "delivered_at IS NULL ORDER BY seq LIMIT 1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<Micros>();
  return std::optional<Micros>(stmt.Int(0));
}

StatusOr<std::int64_t> SqlTx::AcquireLease(std::string_view name, std::string_view owner,
                                           Micros now, Micros expires_at) {
  WS_ASSIGN_OR_RETURN(Stmt get,
                      Prepare("SELECT owner, expires_at, fence FROM leases WHERE name = ?1"));
  get.Bind(name);
  WS_ASSIGN_OR_RETURN(const bool row, get.Step());
  std::int64_t fence = 1;
  if (row) {
    const bool mine = get.Text(0) == owner;
    if (!mine && get.Int(1) > now) return Conflict("the lease is held by " + get.String(0));
    fence = mine ? get.Int(2) : get.Int(2) + 1;
  }
  WS_ASSIGN_OR_RETURN(Stmt put, Prepare("INSERT INTO leases (name, owner, expires_at, fence) "
                                        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET "
                                        "owner = excluded.owner, expires_at = excluded.expires_at, "
                                        "fence = excluded.fence"));
  WS_RETURN_IF_ERROR(put.Bind(name, owner, expires_at, fence).Run());
  return fence;
}

Status SqlTx::CheckLease(std::string_view name, std::string_view owner, std::int64_t fence) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT 1 FROM leases WHERE name = ?1 AND owner = ?2 AND "
                                         "fence = ?3"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(name, owner, fence).Step());
  if (!row) return Conflict("the lease " + std::string(name) + " was lost");
  return Status::Ok();
}

StatusOr<std::int64_t> SqlTx::LatestRelationshipChange() {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT COALESCE(MAX(seq), 0) FROM relationship_outbox"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("store: no row from MAX(seq)");
  return stmt.Int(0);
}

StatusOr<std::vector<RelationshipChange>> SqlTx::ListRelationshipChanges(std::int64_t after_seq,
                                                                         int limit) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " WS_CHANGE_COLUMNS " FROM relationship_outbox "
                                         "WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
  stmt.Bind(after_seq, limit);
  return CollectChanges(stmt);
}

StatusOr<std::vector<model::Relationship>> SqlTx::ListRelationshipsForResource(
    std::string_view resource_type, std::string_view resource_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT relation, subject_type, subject_id, subject_relation FROM "
                              "relationships WHERE resource_type = ?1 AND resource_id = ?2 "
                              "ORDER BY relation, subject_type, subject_id, subject_relation"));
  stmt.Bind(resource_type, resource_id);
  std::vector<model::Relationship> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({std::string(resource_type), std::string(resource_id), stmt.String(0),
                   stmt.String(1), stmt.String(2), stmt.String(3)});
  }
  return out;
}

StatusOr<std::vector<model::Relationship>> SqlTx::LockRelationshipSubjects(
    std::string_view resource_type, std::string_view resource_id, std::string_view relation,
    std::string_view user) {
  // Other users are never the caller: left unread (and unlocked), so a
  // workspace of many members costs what one of few does.
#define WS_SUBJECTS                                                                         \
  "SELECT subject_type, subject_id, subject_relation FROM relationships WHERE "            \
  "resource_type = ?1 AND resource_id = ?2 AND relation = ?3 AND (subject_type <> 'user' " \
  "OR subject_id = ?4)"
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_SUBJECTS, WS_SUBJECTS " FOR KEY SHARE"));
#undef WS_SUBJECTS
  stmt.Bind(resource_type, resource_id, relation, user);
  std::vector<model::Relationship> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({std::string(resource_type), std::string(resource_id), std::string(relation),
                   stmt.String(0), stmt.String(1), stmt.String(2)});
  }
  return out;
}

StatusOr<std::int64_t> SqlTx::OutboxDepth() {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT COUNT(*) FROM relationship_outbox WHERE delivered_at IS NULL"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<std::int64_t> SqlTx::MetaNumber(std::string_view key) {
  WS_ASSIGN_OR_RETURN(const auto text, GetMeta(key));
  std::int64_t n = 0;
  if (text && std::from_chars(text->data(), text->data() + text->size(), n).ec != std::errc())
    return Internal("store: meta " + std::string(key) + " is not a number");
  return n;
}

StatusOr<int> SqlTx::PruneRelationshipChanges(Micros older_than, bool delivered_only, int limit) {
  // What goes: the oldest `limit` entries that qualify, below the newest.
  WS_ASSIGN_OR_RETURN(
      Stmt pick,
      Prepare("SELECT COUNT(*), COALESCE(MAX(seq), 0), "
              "COALESCE(MAX(CASE WHEN delivered_at IS NULL THEN seq END), 0) FROM ("
              " SELECT seq, delivered_at FROM relationship_outbox WHERE created_at < ?1"
              " AND (CAST(?2 AS BIGINT) = 0 OR delivered_at IS NOT NULL)"
              " AND seq < (SELECT MAX(seq) FROM relationship_outbox) ORDER BY seq LIMIT ?3) p"));
  pick.Bind(older_than, std::int64_t{delivered_only ? 1 : 0}, std::int64_t{limit});
  WS_ASSIGN_OR_RETURN(const bool row, pick.Step());
  const std::int64_t count = row ? pick.Int(0) : 0;
  const std::int64_t through = row ? pick.Int(1) : 0;
  const std::int64_t undelivered = row ? pick.Int(2) : 0;  // the highest such seq
  if (count == 0) return 0;
  WS_ASSIGN_OR_RETURN(Stmt del,
                      Prepare("DELETE FROM relationship_outbox WHERE seq <= ?1 AND created_at < ?2"
                              " AND (CAST(?3 AS BIGINT) = 0 OR delivered_at IS NOT NULL)"));
  WS_RETURN_IF_ERROR(del.Bind(through, older_than, std::int64_t{delivered_only ? 1 : 0}).Run());
  WS_ASSIGN_OR_RETURN(const std::int64_t previous, MetaNumber(kOutboxPrunedThrough));
  if (previous < through)
    WS_RETURN_IF_ERROR(PutMeta(kOutboxPrunedThrough, std::to_string(through)));
  WS_ASSIGN_OR_RETURN(const std::int64_t lost, MetaNumber(kOutboxPrunedUndelivered));
  if (lost < undelivered)
    WS_RETURN_IF_ERROR(PutMeta(kOutboxPrunedUndelivered, std::to_string(undelivered)));
  return static_cast<int>(count);
}

// --- audit log ---

namespace {

#define WS_AUDIT_COLUMNS                                                                  \
  "seq, time, actor, actor_auth, action, target_type, target_id, workspace_id, outcome, " \
  "request_id, source_ip, user_agent, details, prev_hash, hash"

// Time window and cursor, the same in every ListAudit statement: ?2 cursor,
// ?3 since, ?4 until, ?5 limit. The casts matter on PostgreSQL, which would
// otherwise take a parameter's type from its first use (`?4 = 0`: integer)
// and refuse a time in microseconds as out of range.
#define WS_AUDIT_WINDOW                                                       \
  " AND (CAST(?2 AS BIGINT) = 0 OR seq < ?2) AND (CAST(?3 AS BIGINT) = 0 OR " \
  "time >= ?3) AND (CAST(?4 AS BIGINT) = 0 OR time <= ?4) ORDER BY seq DESC LIMIT ?5"

StatusOr<std::vector<model::AuditEvent>> ReadEvents(Stmt& stmt) {
  std::vector<model::AuditEvent> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    model::AuditEvent& e = out.emplace_back();
    e.seq = stmt.Int(0);
    e.time = stmt.Int(1);
    e.actor = stmt.String(2);
    e.actor_auth = stmt.String(3);
    e.action = stmt.String(4);
    e.target_type = stmt.String(5);
    e.target_id = stmt.String(6);
    e.workspace_id = stmt.String(7);
    e.outcome = stmt.String(8);
    e.request_id = stmt.String(9);
    e.source_ip = stmt.String(10);
    e.user_agent = stmt.String(11);
    e.details = stmt.String(12);
    e.prev_hash = stmt.String(13);
    e.hash = stmt.String(14);
  }
  return out;
}

}  // namespace

Status SqlTx::AppendAudit(const model::AuditEvent& e) {
  // The chain's head is read once per scope per transaction; after that it
  // is what this transaction wrote (a concurrent writer of the same scope
  // fails on the head row and runs again).
  auto head = chain_heads_.find(e.workspace_id);
  if (head == chain_heads_.end()) {
    WS_RETURN_IF_ERROR(FlushAudit());  // a scope of ours is never read stale
    WS_ASSIGN_OR_RETURN(Stmt read, Prepare("SELECT hash FROM audit_chain_heads WHERE scope = ?1"));
    read.Bind(e.workspace_id);
    WS_ASSIGN_OR_RETURN(const bool has_head, read.Step());
    head = chain_heads_.emplace(e.workspace_id, ChainHead{has_head ? read.String(0) : ""}).first;
  }
  ChainHead& h = head->second;
  std::string hash = audit::ChainHash(e, h.hash);
  if (conn_.dialect() == Dialect::kPostgres) {
    // Kept for one statement at the end (FlushAudit): a create's request
    // and saga append nine events in three transactions.
    pending_audit_.push_back({e, h.hash, hash});
    h.hash = std::move(hash);
    return Status::Ok();
  }
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO audit_events (time, actor, actor_auth, action, target_type, target_id, "
              "workspace_id, outcome, request_id, source_ip, user_agent, details, prev_hash, hash) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
  stmt.Bind(e.time, e.actor, e.actor_auth, e.action, e.target_type, e.target_id, e.workspace_id,
            e.outcome, e.request_id, e.source_ip, e.user_agent, e.details, h.hash, hash);
  WS_RETURN_IF_ERROR(stmt.Run());
  // seq is the rowid (INTEGER PRIMARY KEY): no RETURNING, whose temporary
  // b-tree cost more than the row's insert.
  h.seq = stmt.LastInsertRowid();
  h.hash = std::move(hash);
  h.moved = true;  // written by FlushAudit
  return Status::Ok();
}

Status SqlTx::FlushAudit() {
  if (conn_.dialect() != Dialect::kPostgres) {
    // SQLite: each scope's head once, at its newest.
    for (auto& [scope, h] : chain_heads_) {
      if (!h.moved) continue;
      WS_ASSIGN_OR_RETURN(Stmt move, Prepare("INSERT INTO audit_chain_heads (scope, seq, hash) "
                                             "VALUES (?1, ?2, ?3) ON CONFLICT (scope) DO UPDATE "
                                             "SET seq = excluded.seq, hash = excluded.hash"));
      WS_RETURN_IF_ERROR(move.Bind(scope, h.seq, h.hash).Run());
      h.moved = false;
    }
    return Status::Ok();
  }
  if (pending_audit_.empty()) return Status::Ok();
  // Every pending event in one statement, in the order appended (seq order),
  // and each scope's head moved to its newest.
  json::array rows;
  rows.reserve(pending_audit_.size());
  std::set<std::string_view> scopes;
  for (const PendingAudit& p : pending_audit_) {
    const model::AuditEvent& e = p.event;
    rows.push_back(json::array{e.time, e.actor, e.actor_auth, e.action, e.target_type, e.target_id,
                               e.workspace_id, e.outcome, e.request_id, e.source_ip, e.user_agent,
                               e.details, p.prev_hash, p.hash});
    scopes.insert(e.workspace_id);
  }
  const std::string text = json::serialize(rows);
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("WITH e AS (INSERT INTO audit_events (time, actor, actor_auth, action, target_type, "
              "target_id, workspace_id, outcome, request_id, source_ip, user_agent, details, "
              "prev_hash, hash) SELECT (v ->> 0)::bigint, v ->> 1, v ->> 2, v ->> 3, v ->> 4, "
              "v ->> 5, v ->> 6, v ->> 7, v ->> 8, v ->> 9, v ->> 10, v ->> 11, v ->> 12, "
              "v ->> 13 FROM jsonb_array_elements(CAST(?1 AS jsonb)) WITH ORDINALITY AS j(v, n) "
              "ORDER BY n RETURNING seq, workspace_id, hash) "
              "INSERT INTO audit_chain_heads (scope, seq, hash) SELECT DISTINCT ON (workspace_id) "
              "workspace_id, seq, hash FROM e ORDER BY workspace_id, seq DESC "
              "ON CONFLICT (scope) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"));
  const int heads = static_cast<int>(scopes.size());
  pending_audit_.clear();
  return stmt.Bind(text).Defer({}, heads, "the audit insert moved too few chain heads");
}

// A query of audit_events in both dialects (for SqlTx::Prepare(sqlite,
// postgres)): SQLite is told which index to walk, PostgreSQL plans it itself.
#define WS_AUDIT_SELECT(index, where)                                                \
  "SELECT " WS_AUDIT_COLUMNS " FROM audit_events INDEXED BY " index " WHERE " where, \
      "SELECT " WS_AUDIT_COLUMNS " FROM audit_events WHERE " where

StatusOr<std::vector<model::AuditEvent>> SqlTx::ListAudit(const model::AuditQuery& q) {
  WS_RETURN_IF_ERROR(FlushAudit());
  const std::int64_t limit = q.limit;
  if (!q.action.empty() && !q.actor.empty()) {
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_AUDIT_SELECT("audit_events_by_action",
                                                           "workspace_id = ?1 AND action = ?6 AND "
                                                           "actor = ?7" WS_AUDIT_WINDOW)));
    stmt.Bind(q.workspace_id, q.before_seq, q.since, q.until, limit, q.action, q.actor);
    return ReadEvents(stmt);
  }
  if (!q.action.empty()) {
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_AUDIT_SELECT("audit_events_by_action",
                                                           "workspace_id = ?1 AND action = "
                                                           "?6" WS_AUDIT_WINDOW)));
    stmt.Bind(q.workspace_id, q.before_seq, q.since, q.until, limit, q.action);
    return ReadEvents(stmt);
  }
  if (!q.actor.empty()) {
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_AUDIT_SELECT("audit_events_by_actor",
                                                           "workspace_id = ?1 AND actor = "
                                                           "?6" WS_AUDIT_WINDOW)));
    stmt.Bind(q.workspace_id, q.before_seq, q.since, q.until, limit, q.actor);
    return ReadEvents(stmt);
  }
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_AUDIT_SELECT("audit_events_by_workspace",
                                                         "workspace_id = ?1" WS_AUDIT_WINDOW)));
  stmt.Bind(q.workspace_id, q.before_seq, q.since, q.until, limit);
  return ReadEvents(stmt);
}

StatusOr<std::vector<model::AuditEvent>> SqlTx::ScanAuditChain(std::string_view scope,
                                                               std::int64_t after_seq, int limit,
                                                               std::int64_t max_bytes) {
  WS_RETURN_IF_ERROR(FlushAudit());
  std::int64_t through = std::numeric_limits<std::int64_t>::max();
  if (max_bytes != kNoByteLimit) {
    // The events' sizes first (a few bytes a row; the database measures them
    // without handing them over), to know where the budget ends.
    WS_ASSIGN_OR_RETURN(
        Stmt sizes,
        Prepare("SELECT seq, LENGTH(actor) + LENGTH(actor_auth) + LENGTH(action) + "
                "LENGTH(target_type) + LENGTH(target_id) + LENGTH(request_id) + "
                "LENGTH(source_ip) + LENGTH(user_agent) + LENGTH(details) + LENGTH(hash) FROM "
                "audit_events INDEXED BY audit_events_by_workspace WHERE workspace_id = ?1 AND "
                "seq > ?2 ORDER BY seq LIMIT ?3",
                "SELECT seq, OCTET_LENGTH(actor) + OCTET_LENGTH(actor_auth) + "
                "OCTET_LENGTH(action) + OCTET_LENGTH(target_type) + OCTET_LENGTH(target_id) + "
                "OCTET_LENGTH(request_id) + OCTET_LENGTH(source_ip) + OCTET_LENGTH(user_agent) + "
                "OCTET_LENGTH(details) + OCTET_LENGTH(hash) FROM audit_events WHERE "
                "workspace_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"));
    sizes.Bind(scope, after_seq, static_cast<std::int64_t>(limit));
    through = after_seq;
    for (std::int64_t bytes = 0; bytes < max_bytes;) {
      WS_ASSIGN_OR_RETURN(const bool row, sizes.Step());
      if (!row) break;
      through = sizes.Int(0);
      bytes += sizes.Int(1);
    }
    if (through == after_seq) return std::vector<model::AuditEvent>{};
  }
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare(WS_AUDIT_SELECT("audit_events_by_workspace",
                                              "workspace_id = ?1 AND seq > ?2 AND seq <= ?4 "
                                              "ORDER BY seq LIMIT ?3")));
  stmt.Bind(scope, after_seq, static_cast<std::int64_t>(limit), through);
  return ReadEvents(stmt);
}

#undef WS_AUDIT_SELECT

StatusOr<std::vector<AuditChainRef>> SqlTx::ListAuditChains() {
  WS_RETURN_IF_ERROR(FlushAudit());
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT s.scope, h.seq, h.hash, w.updated_at FROM (SELECT scope FROM "
              "audit_chain_heads UNION SELECT workspace_id FROM audit_events UNION SELECT id "
              "FROM workspaces) AS s LEFT JOIN audit_chain_heads AS h ON h.scope = s.scope "
              "LEFT JOIN workspaces AS w ON w.id = s.scope ORDER BY s.scope"));
  std::vector<AuditChainRef> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    AuditChainRef& chain = out.emplace_back();
    chain.scope = stmt.String(0);
    if (!stmt.IsNull(1)) chain.head = model::AuditHead{chain.scope, stmt.Int(1), stmt.String(2)};
    if (!stmt.IsNull(3)) chain.workspace_updated_at = stmt.Int(3);
  }
  return out;
}

}  // namespace workspaced::store
