// Provisioning runs with their steps, and Idempotency-Key records.
#include <boost/json.hpp>

#include "store/sql_decode.h"
#include "store/sql_tx.h"

namespace workspaced::store {
namespace {

#define WS_RUN_COLUMNS                                                                       \
  "id, workspace_id, state, current_step, created_by, retry_of, error, created_at, "         \
  "updated_at, finished_at, next_attempt_at, lease_owner, lease_expires_at, lease_version, " \
  "error_code, kind"

namespace json = boost::json;

// A run's steps as one JSON array, so that one statement writes them all:
// [{"position", "name", "state", "attempts", "last_error", "started_at",
// "finished_at", "last_error_code"}, ...].
std::string StepsJson(const model::ProvisioningRun& run) {
  json::array steps;
  steps.reserve(run.steps.size());
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const auto& s = run.steps[i];
    steps.push_back(json::object{{"position", static_cast<std::int64_t>(i)},
                                 {"name", s.name},
                                 {"state", model::ToString(s.state)},
                                 {"attempts", s.attempts},
                                 {"last_error", s.last_error},
                                 {"started_at", s.started_at},
                                 {"finished_at", s.finished_at},
                                 {"last_error_code", s.last_error_code}});
  }
  return json::serialize(steps);
}

}  // namespace

StatusOr<model::ProvisioningRun> SqlTx::ReadRun(Stmt& stmt) {
  model::ProvisioningRun run;
  run.id = stmt.String(0);
  run.workspace_id = stmt.String(1);
  WS_ASSIGN_OR_RETURN(run.state,
                      DecodeEnum(model::ParseRunState, stmt.Text(2), "provisioning_runs.state"));
  run.current_step = static_cast<int>(stmt.Int(3));
  run.created_by = stmt.String(4);
  run.retry_of = stmt.String(5);
  run.error = stmt.String(6);
  run.created_at = stmt.Int(7);
  run.updated_at = stmt.Int(8);
  run.finished_at = stmt.Int(9);
  run.next_attempt_at = stmt.Int(10);
  run.lease_owner = stmt.String(11);
  run.lease_expires_at = stmt.Int(12);
  run.lease_version = stmt.Int(13);
  run.error_code = stmt.String(14);
  WS_ASSIGN_OR_RETURN(run.kind, DecodeEnum(model::ParseOperationKind, stmt.Text(15),
                                           "provisioning_runs.kind"));
  WS_ASSIGN_OR_RETURN(Stmt steps,
                      Prepare("SELECT name, state, attempts, last_error, started_at, finished_at, "
                              "last_error_code FROM provisioning_steps WHERE run_id = ?1 ORDER BY "
                              "position"));
  steps.Bind(run.id);
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, steps.Step());
    if (!row) break;
    model::ProvisioningStep& s = run.steps.emplace_back();
    s.name = steps.String(0);
    WS_ASSIGN_OR_RETURN(
        s.state, DecodeEnum(model::ParseStepState, steps.Text(1), "provisioning_steps.state"));
    s.attempts = static_cast<int>(steps.Int(2));
    s.last_error = steps.String(3);
    s.started_at = steps.Int(4);
    s.finished_at = steps.Int(5);
    s.last_error_code = steps.String(6);
  }
  return run;
}

Status SqlTx::InsertRun(const model::ProvisioningRun& run) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO provisioning_runs (" WS_RUN_COLUMNS
              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
  WS_RETURN_IF_ERROR(stmt.Bind(run.id, run.workspace_id, model::ToString(run.state),
                               static_cast<std::int64_t>(run.current_step), run.created_by,
                               run.retry_of, run.error, run.created_at, run.updated_at,
                               run.finished_at, run.next_attempt_at, run.lease_owner,
                               run.lease_expires_at, run.lease_version, run.error_code,
                               model::ToString(run.kind))
                         .Defer(ConstraintErrors()
                                    .OnPrimaryKey(Code::kConflict, "provisioning run already exists")
                                    .OnForeignKey(Code::kNotFound, "workspace not found")));
  if (run.steps.empty()) return Status::Ok();
  // Every step in one statement.
  const std::string rows = StepsJson(run);
  WS_ASSIGN_OR_RETURN(
      Stmt steps,
      Prepare("INSERT INTO provisioning_steps (run_id, position, name, state, attempts, "
              "last_error, started_at, finished_at, last_error_code) SELECT ?1, "
              "v.value ->> 'position', v.value ->> 'name', v.value ->> 'state', "
              "v.value ->> 'attempts', v.value ->> 'last_error', v.value ->> 'started_at', "
              "v.value ->> 'finished_at', v.value ->> 'last_error_code' FROM json_each(?2) AS v",
              "INSERT INTO provisioning_steps (run_id, position, name, state, attempts, "
              "last_error, started_at, finished_at, last_error_code) SELECT ?1, v.position, "
              "v.name, v.state, v.attempts, v.last_error, v.started_at, v.finished_at, "
              "v.last_error_code FROM json_to_recordset(CAST(?2 AS json)) AS v(position bigint, "
              "name text, state text, attempts bigint, last_error text, started_at bigint, "
              "finished_at bigint, last_error_code text)"));
  return steps.Bind(run.id, rows).Defer({}, static_cast<int>(run.steps.size()),
                                        "the provisioning steps were not all inserted");
}

StatusOr<model::ProvisioningRun> SqlTx::GetRun(std::string_view id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT " WS_RUN_COLUMNS " FROM provisioning_runs WHERE id = ?1"));
  stmt.Bind(id);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return NotFound("provisioning run not found");
  return ReadRun(stmt);
}

StatusOr<std::optional<model::ProvisioningRun>> SqlTx::LatestRunWhere(
    std::string_view workspace_id, bool provisioning_only) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      provisioning_only
          ? Prepare("SELECT " WS_RUN_COLUMNS " FROM provisioning_runs WHERE workspace_id = ?1 "
                    "AND kind IN ('create', 'retry') ORDER BY id DESC LIMIT 1")
          : Prepare("SELECT " WS_RUN_COLUMNS " FROM provisioning_runs WHERE workspace_id = ?1 "
                    "ORDER BY id DESC LIMIT 1"));
  stmt.Bind(workspace_id);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<model::ProvisioningRun>();
  WS_ASSIGN_OR_RETURN(auto run, ReadRun(stmt));
  return std::optional<model::ProvisioningRun>(std::move(run));
}

StatusOr<std::optional<model::ProvisioningRun>> SqlTx::LatestRunForWorkspace(
    std::string_view workspace_id) {
  return LatestRunWhere(workspace_id, /*provisioning_only=*/false);
}

StatusOr<std::optional<model::ProvisioningRun>> SqlTx::LatestProvisioningRunForWorkspace(
    std::string_view workspace_id) {
  return LatestRunWhere(workspace_id, /*provisioning_only=*/true);
}

StatusOr<std::vector<model::ProvisioningRun>> SqlTx::ListRunsForWorkspace(
    std::string_view workspace_id, const Page& page) {
  // SQLite reads a negative LIMIT as "no limit".
  if (page.limit < 1) return InvalidArgument("page limit must be at least 1");
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT " WS_RUN_COLUMNS " FROM provisioning_runs WHERE workspace_id = ?1 "
                         "AND id > ?2 ORDER BY id LIMIT ?3"));
  stmt.Bind(workspace_id, page.after, page.limit);
  std::vector<model::ProvisioningRun> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    WS_ASSIGN_OR_RETURN(auto run, ReadRun(stmt));
    out.push_back(std::move(run));
  }
}

Status SqlTx::UpdateRun(const model::ProvisioningRun& run, std::int64_t fence) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("UPDATE provisioning_runs SET state = ?3, current_step = ?4, error = ?5, "
              "updated_at = ?6, finished_at = ?7, next_attempt_at = ?8, lease_owner = ?9, "
              "lease_expires_at = ?10, lease_version = ?11, error_code = ?12 WHERE id = ?1 AND "
              "lease_version = ?2"));
  WS_RETURN_IF_ERROR(stmt.Bind(run.id, fence, model::ToString(run.state),
                               static_cast<std::int64_t>(run.current_step), run.error,
                               run.updated_at, run.finished_at, run.next_attempt_at,
                               run.lease_owner, run.lease_expires_at, run.lease_version,
                               run.error_code)
                         .Run());
  if (stmt.Changes() == 0) {
    WS_ASSIGN_OR_RETURN(Stmt exists, Prepare("SELECT 1 FROM provisioning_runs WHERE id = ?1"));
    exists.Bind(run.id);
    WS_ASSIGN_OR_RETURN(const bool row, exists.Step());
    if (!row) return NotFound("provisioning run not found");
    return Conflict("the provisioning run's lease was taken over");
  }
  if (run.steps.empty()) return Status::Ok();
  // Every step in one statement.
  const std::string rows = StepsJson(run);
  WS_ASSIGN_OR_RETURN(
      Stmt steps,
      Prepare("UPDATE provisioning_steps AS s SET state = v.value ->> 'state', "
              "attempts = v.value ->> 'attempts', last_error = v.value ->> 'last_error', "
              "started_at = v.value ->> 'started_at', finished_at = v.value ->> 'finished_at', "
              "last_error_code = v.value ->> 'last_error_code' FROM json_each(?2) AS v "
              "WHERE s.run_id = ?1 AND s.position = v.value ->> 'position'",
              "UPDATE provisioning_steps AS s SET state = v.state, attempts = v.attempts, "
              "last_error = v.last_error, started_at = v.started_at, finished_at = v.finished_at, "
              "last_error_code = v.last_error_code FROM json_to_recordset(CAST(?2 AS json)) AS "
              "v(position bigint, state text, attempts bigint, last_error text, started_at "
              "bigint, finished_at bigint, last_error_code text) WHERE s.run_id = ?1 AND "
              "s.position = v.position"));
  return steps.Bind(run.id, rows).Defer({}, static_cast<int>(run.steps.size()),
                                        "a provisioning step row is missing");
}

Status SqlTx::ExtendLease(std::string_view run_id, std::int64_t fence, Micros expires_at) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE provisioning_runs SET lease_expires_at = ?3 "
                                         "WHERE id = ?1 AND lease_version = ?2"));
  WS_RETURN_IF_ERROR(stmt.Bind(run_id, fence, expires_at).Run());
  if (stmt.Changes() == 0) return Conflict("the provisioning run's lease was lost");
  return Status::Ok();
}

// Runs a worker may claim at ?1, the oldest due first.
#define WS_CLAIMABLE_RUNS                                                          \
  "SELECT id FROM provisioning_runs WHERE state IN ('pending', 'running', "        \
  "'compensating') AND next_attempt_at <= ?1 AND (lease_owner = '' OR "            \
  "lease_expires_at <= ?1) ORDER BY next_attempt_at, id LIMIT "

StatusOr<std::vector<std::string>> SqlTx::ListClaimableRuns(Micros now, int limit) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_CLAIMABLE_RUNS "?2"));
  stmt.Bind(now, static_cast<std::int64_t>(limit));
  std::vector<std::string> ids;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    ids.push_back(stmt.String(0));
  }
  return ids;
}

StatusOr<bool> SqlTx::LockRunForClaim(std::string_view run_id) {
  if (conn_.dialect() == Dialect::kSqlite) {
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT 1 FROM provisioning_runs WHERE id = ?1"));
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(run_id).Step());
    if (!row) return NotFound("provisioning run not found");
    return true;
  }
  // Postgres: another replica's claim in progress is skipped, not waited on
  // (and not turned into a serialization failure).
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT id FROM provisioning_runs WHERE id = ?1 FOR UPDATE SKIP LOCKED"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(run_id).Step());
  if (row) return true;
  WS_ASSIGN_OR_RETURN(Stmt exists, Prepare("SELECT 1 FROM provisioning_runs WHERE id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool found, exists.Bind(run_id).Step());
  if (!found) return NotFound("provisioning run not found");
  return false;
}

StatusOr<std::optional<std::string>> SqlTx::LockNextClaimableRun(Micros now) {
  // SQLite: writers take turns, nobody else holds a run. PostgreSQL: runs
  // other replicas' workers are claiming right now are skipped.
  if (conn_.dialect() == Dialect::kPostgres) {
    // Every run leaves two dead entries in the due index (claimed, finished:
    // state is in its predicate, so no update is HOT) until a vacuum, which
    // comes a minute later at best. An index scan marks the dead ones it
    // passes (later scans skip them); the bitmap scan the planner picks for
    // a young table visits them all again on every claim: 0.23 ms per claim
    // after 1000 creates, 0.03 ms this way.
    WS_ASSIGN_OR_RETURN(Stmt plan, Prepare("SELECT set_config('enable_bitmapscan', 'off', true)"));
    WS_RETURN_IF_ERROR(plan.Defer());
  }
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(WS_CLAIMABLE_RUNS "1",
                                         WS_CLAIMABLE_RUNS "1 FOR UPDATE SKIP LOCKED"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(now).Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.String(0));
}

StatusOr<std::optional<Micros>> SqlTx::NextRunWakeup() {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT MIN(CASE WHEN lease_owner = '' THEN next_attempt_at "
              "ELSE MAX(next_attempt_at, lease_expires_at) END) FROM provisioning_runs "
              "WHERE state IN ('pending', 'running', 'compensating')",
              "SELECT MIN(CASE WHEN lease_owner = '' THEN next_attempt_at "
              "ELSE GREATEST(next_attempt_at, lease_expires_at) END) FROM "
              "provisioning_runs WHERE state IN ('pending', 'running', 'compensating')"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return std::optional<Micros>();
  return std::optional<Micros>(stmt.Int(0));
}

// --- idempotency keys ---

StatusOr<std::optional<model::IdempotencyRecord>> SqlTx::GetIdempotencyRecord(
    std::string_view subject, std::string_view key) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT request_hash, completed, status, body, location, "
                                         "created_at, expires_at, workspace_id "
                                         "FROM idempotency_keys WHERE subject = ?1 AND key = ?2"));
  stmt.Bind(subject, key);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<model::IdempotencyRecord>();
  model::IdempotencyRecord r;
  r.subject = std::string(subject);
  r.key = std::string(key);
  r.request_hash = stmt.String(0);
  r.completed = stmt.Int(1) != 0;
  r.status = static_cast<int>(stmt.Int(2));
  r.body = stmt.String(3);
  r.location = stmt.String(4);
  r.created_at = stmt.Int(5);
  r.expires_at = stmt.Int(6);
  r.workspace_id = stmt.String(7);
  return std::optional<model::IdempotencyRecord>(std::move(r));
}

Status SqlTx::PutIdempotencyRecord(const model::IdempotencyRecord& r) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO idempotency_keys (subject, key, request_hash, completed, "
              "status, body, location, created_at, expires_at, workspace_id) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (subject, key) DO "
              "UPDATE SET request_hash = excluded.request_hash, completed = excluded.completed, "
              "status = excluded.status, body = excluded.body, location = excluded.location, "
              "created_at = excluded.created_at, expires_at = excluded.expires_at, "
              "workspace_id = excluded.workspace_id"));
  return stmt
      .Bind(r.subject, r.key, r.request_hash, static_cast<std::int64_t>(r.completed ? 1 : 0),
            static_cast<std::int64_t>(r.status), r.body, r.location, r.created_at, r.expires_at,
            r.workspace_id)
      .Run();
}

Status SqlTx::DeleteIdempotencyRecord(std::string_view subject, std::string_view key) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("DELETE FROM idempotency_keys WHERE subject = ?1 AND key = ?2"));
  return stmt.Bind(subject, key).Run();
}

Status SqlTx::ForgetIdempotencyAnswersOf(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE idempotency_keys SET completed = 1, status = 410, "
                                         "body = '', location = '' WHERE workspace_id = ?1 "
                                         "AND workspace_id <> ''"));
  return stmt.Bind(workspace_id).Run();
}

StatusOr<int> SqlTx::PurgeIdempotencyRecords(Micros now, int limit) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("DELETE FROM idempotency_keys WHERE (subject, key) IN (SELECT subject, key "
              "FROM idempotency_keys WHERE expires_at <= ?1 ORDER BY expires_at "
              "LIMIT ?2)"));
  WS_RETURN_IF_ERROR(stmt.Bind(now, static_cast<std::int64_t>(limit)).Run());
  return stmt.Changes();
}

}  // namespace workspaced::store
