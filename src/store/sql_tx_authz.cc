// Authorization relationships with their outbox to SpiceDB (the audit log:
// sql_tx_audit.cc).
#include <algorithm>
#include <charconv>

#include <boost/json.hpp>

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

}  // namespace workspaced::store
