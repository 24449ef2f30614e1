// Denials counted rather than chained (domain/denials.h): the rows of
// audit_denials, each a key whose count grows in place.
#include "store/sql_tx.h"

namespace workspaced::store {

Status SqlTx::AddDenialCounts(const std::vector<model::DenialCount>& counts) {
  for (const model::DenialCount& c : counts) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("INSERT INTO audit_denials (id, window_start, window_end, source_ip, subject, "
                "status, reason, route, count, first_at, last_at, user_agent, request_id) VALUES "
                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT "
                "(window_start, source_ip, subject, status, reason, route) DO UPDATE SET "
                "count = audit_denials.count + excluded.count, "
                "first_at = MIN(audit_denials.first_at, excluded.first_at), "
                "last_at = MAX(audit_denials.last_at, excluded.last_at)",
                "INSERT INTO audit_denials (id, window_start, window_end, source_ip, subject, "
                "status, reason, route, count, first_at, last_at, user_agent, request_id) VALUES "
                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT "
                "(window_start, source_ip, subject, status, reason, route) DO UPDATE SET "
                "count = audit_denials.count + excluded.count, "
                "first_at = LEAST(audit_denials.first_at, excluded.first_at), "
                "last_at = GREATEST(audit_denials.last_at, excluded.last_at)"));
    WS_RETURN_IF_ERROR(stmt.Bind(c.id, c.window_start, c.window_end, c.source_ip, c.subject,
                                 c.status, c.reason, c.route, c.count, c.first_at, c.last_at,
                                 c.user_agent, c.request_id)
                           .Run());
  }
  return Status::Ok();
}

StatusOr<std::vector<model::DenialCount>> SqlTx::ListDenialCounts(const model::DenialQuery& q) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT id, window_start, window_end, source_ip, subject, status, reason, route, "
              "count, first_at, last_at, user_agent, request_id FROM audit_denials WHERE id > ?1 "
              "AND window_start >= ?2 AND (CAST(?3 AS BIGINT) = 0 OR window_start <= ?3) AND "
              "(CAST(?4 AS TEXT) = '' OR source_ip = ?4) ORDER BY id LIMIT ?5"));
  stmt.Bind(q.after, q.since, q.until, q.source_ip, static_cast<std::int64_t>(q.limit));
  std::vector<model::DenialCount> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    model::DenialCount& c = out.emplace_back();
    c.id = stmt.String(0);
    c.window_start = stmt.Int(1);
    c.window_end = stmt.Int(2);
    c.source_ip = stmt.String(3);
    c.subject = stmt.String(4);
    c.status = static_cast<int>(stmt.Int(5));
    c.reason = stmt.String(6);
    c.route = stmt.String(7);
    c.count = stmt.Int(8);
    c.first_at = stmt.Int(9);
    c.last_at = stmt.Int(10);
    c.user_agent = stmt.String(11);
    c.request_id = stmt.String(12);
  }
  return out;
}

StatusOr<int> SqlTx::PruneDenialCounts(Micros before, int limit) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("DELETE FROM audit_denials WHERE id IN (SELECT id FROM audit_denials "
                              "WHERE window_start < ?1 ORDER BY window_start LIMIT ?2)"));
  WS_RETURN_IF_ERROR(stmt.Bind(before, static_cast<std::int64_t>(limit)).Run());
  return stmt.Changes();
}

}  // namespace workspaced::store
