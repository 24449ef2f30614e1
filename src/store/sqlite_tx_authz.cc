// Authorization relationships with their outbox to SpiceDB, and the audit log.
#include "store/sqlite_tx.h"

namespace workspaced::store {

Status SqliteTx::AppendOutbox(std::string_view op, const model::Relationship& r) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO relationship_outbox (op, resource_type, resource_id, relation, "
              "subject_type, subject_id, subject_relation, created_at) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CAST((julianday('now') - 2440587.5) * "
              "86400000000.0 AS INTEGER))"));
  return stmt
      .Bind(op, r.resource_type, r.resource_id, r.relation, r.subject_type, r.subject_id,
            r.subject_relation)
      .Run();
}

Status SqliteTx::TouchRelationships(const std::vector<model::Relationship>& rels) {
  for (const auto& r : rels) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("INSERT INTO relationships (resource_type, resource_id, relation, subject_type, "
                "subject_id, subject_relation) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                "ON CONFLICT DO NOTHING"));
    WS_RETURN_IF_ERROR(stmt.Bind(r.resource_type, r.resource_id, r.relation, r.subject_type,
                                 r.subject_id, r.subject_relation)
                           .Run());
    WS_RETURN_IF_ERROR(AppendOutbox("touch", r));
  }
  return Status::Ok();
}

Status SqliteTx::DeleteRelationships(const std::vector<model::Relationship>& rels) {
  for (const auto& r : rels) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("DELETE FROM relationships WHERE resource_type = ?1 AND resource_id = ?2 AND "
                "relation = ?3 AND subject_type = ?4 AND subject_id = ?5 AND "
                "subject_relation = ?6"));
    WS_RETURN_IF_ERROR(stmt.Bind(r.resource_type, r.resource_id, r.relation, r.subject_type,
                                 r.subject_id, r.subject_relation)
                           .Run());
    WS_RETURN_IF_ERROR(AppendOutbox("delete", r));
  }
  return Status::Ok();
}

StatusOr<std::vector<model::Relationship>> SqliteTx::ListRelationshipsForResource(
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

StatusOr<std::int64_t> SqliteTx::OutboxDepth() {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT COUNT(*) FROM relationship_outbox WHERE delivered_at IS NULL"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

// --- audit log ---

Status SqliteTx::AppendAudit(const model::AuditEvent& e) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO audit_events (time, actor, actor_auth, action, target_type, "
              "target_id, workspace_id, outcome, request_id, source_ip, user_agent, details) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  return stmt
      .Bind(e.time, e.actor, e.actor_auth, e.action, e.target_type, e.target_id, e.workspace_id,
            e.outcome, e.request_id, e.source_ip, e.user_agent, e.details)
      .Run();
}

StatusOr<std::vector<model::AuditEvent>> SqliteTx::ListAuditForWorkspace(
    std::string_view workspace_id, std::int64_t before_seq, int limit) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT seq, time, actor, actor_auth, action, target_type, target_id, outcome, "
              "request_id, source_ip, user_agent, details FROM audit_events "
              "WHERE workspace_id = ?1 AND (?2 = 0 OR seq < ?2) ORDER BY seq DESC LIMIT ?3"));
  stmt.Bind(workspace_id, before_seq, static_cast<std::int64_t>(limit));
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
    e.workspace_id = std::string(workspace_id);
    e.outcome = stmt.String(7);
    e.request_id = stmt.String(8);
    e.source_ip = stmt.String(9);
    e.user_agent = stmt.String(10);
    e.details = stmt.String(11);
  }
  return out;
}

}  // namespace workspaced::store
