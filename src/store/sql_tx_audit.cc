// The audit log: appending chained events, listing and scanning chains.
#include <algorithm>
#include <limits>
#include <set>

#include <boost/json.hpp>

#include "audit/chain.h"
#include "common/clock.h"
#include "store/sql_tx.h"

namespace workspaced::store {

namespace {

namespace json = boost::json;

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

StatusOr<std::optional<model::AuditHead>> SqlTx::GetAuditHead(std::string_view scope) {
  WS_RETURN_IF_ERROR(FlushAudit());
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT seq, hash FROM audit_chain_heads WHERE scope = ?1"));
  stmt.Bind(scope);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<model::AuditHead>{};
  return std::optional<model::AuditHead>{model::AuditHead{std::string(scope), stmt.Int(0),
                                                          stmt.String(1)}};
}

}  // namespace workspaced::store
