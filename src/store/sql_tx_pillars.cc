// Pillar data keys and operation outcomes (store.h; docs/pillars.md).
#include <algorithm>

#include "store/sql_tx.h"

namespace workspaced::store {

StatusOr<std::optional<std::string>> SqlTx::GetDataKey(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT wrapped FROM workspace_data_keys WHERE workspace_id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(workspace_id).Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.String(0));
}

StatusOr<std::string> SqlTx::PutDataKeyIfAbsent(std::string_view workspace_id,
                                                std::string_view wrapped, Micros now) {
  {
    WS_ASSIGN_OR_RETURN(Stmt insert,
                        Prepare("INSERT INTO workspace_data_keys (workspace_id, wrapped, "
                                "created_at, rewrapped_at) VALUES (?1, ?2, ?3, ?3) "
                                "ON CONFLICT (workspace_id) DO NOTHING"));
    WS_RETURN_IF_ERROR(
        insert.Bind(workspace_id, wrapped, now)
            .Run(ConstraintErrors().OnForeignKey(Code::kNotFound, "workspace not found")));
  }
  WS_ASSIGN_OR_RETURN(std::optional<std::string> stored, GetDataKey(workspace_id));
  if (!stored) return Internal("store: a data key vanished after its insert");
  return std::move(*stored);
}

Status SqlTx::ReplaceDataKey(std::string_view workspace_id, std::string_view wrapped, Micros now) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE workspace_data_keys SET wrapped = ?2, "
                                         "rewrapped_at = ?3 WHERE workspace_id = ?1 "
                                         "RETURNING workspace_id"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(workspace_id, wrapped, now).Step());
  if (!row) return NotFound("data key not found");
  return Status::Ok();
}

StatusOr<std::vector<std::pair<std::string, std::string>>> SqlTx::ListDataKeys(
    std::string_view after, int limit) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT workspace_id, wrapped FROM workspace_data_keys "
                                         "WHERE workspace_id > ?1 ORDER BY workspace_id LIMIT ?2"));
  stmt.Bind(after, limit);
  std::vector<std::pair<std::string, std::string>> keys;
  for (;;) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    keys.emplace_back(stmt.String(0), stmt.String(1));
  }
  return keys;
}

Status SqlTx::DeleteDataKey(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("DELETE FROM workspace_data_keys WHERE workspace_id = ?1"));
  if (log_ != nullptr) log_->scrub = true;
  return stmt.Bind(workspace_id).Run();
}

Status SqlTx::RecordPillarOperation(std::string_view id, std::string_view workspace_id,
                                    bool committed, Micros now) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO pillar_operations (id, workspace_id, "
                                         "committed, created_at) VALUES (?1, ?2, ?3, ?4)"));
  return stmt.Bind(id, workspace_id, committed ? 1 : 0, now)
      .Run(ConstraintErrors()
               .OnPrimaryKey(Code::kConflict, "pillar operation already resolved")
               .OnUnique(Code::kConflict, "pillar operation already resolved"));
}

StatusOr<std::optional<bool>> SqlTx::GetPillarOperation(std::string_view id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT committed FROM pillar_operations WHERE id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(id).Step());
  if (!row) return std::optional<bool>();
  return std::optional<bool>(stmt.Int(0) != 0);
}

StatusOr<std::int64_t> SqlTx::PrunePillarOperations(std::string_view workspace_id, Micros before,
                                                    const std::vector<std::string>& keep,
                                                    int limit) {
  std::vector<std::string> ids;
  {
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT id FROM pillar_operations WHERE workspace_id = "
                                           "?1 AND created_at < ?2 ORDER BY created_at LIMIT ?3"));
    // Over-read by the kept ones, so that a page of kept ids moves nothing.
    stmt.Bind(workspace_id, before, static_cast<std::int64_t>(limit + keep.size()));
    for (;;) {
      WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      if (!row) break;
      std::string id = stmt.String(0);
      if (std::find(keep.begin(), keep.end(), id) == keep.end()) ids.push_back(std::move(id));
      if (static_cast<int>(ids.size()) == limit) break;
    }
  }
  for (const auto& id : ids) {
    WS_ASSIGN_OR_RETURN(Stmt del, Prepare("DELETE FROM pillar_operations WHERE id = ?1"));
    WS_RETURN_IF_ERROR(del.Bind(id).Run());
  }
  return static_cast<std::int64_t>(ids.size());
}

// Records the decision of `version` on the item (held or not), unless a
// higher version decided it already; whether it was held before.
StatusOr<bool> SqlTx::DecidePillarItem(std::string_view workspace_id, std::string_view pillar,
                                       std::string_view item, std::int64_t version, bool held,
                                       bool& was_held, bool* found_out) {
  WS_ASSIGN_OR_RETURN(Stmt read, Prepare("SELECT version, held FROM pillar_items WHERE "
                                         "workspace_id = ?1 AND pillar = ?2 AND item = ?3"));
  WS_ASSIGN_OR_RETURN(const bool found, read.Bind(workspace_id, pillar, item).Step());
  was_held = found && read.Int(1) == 1;
  if (found_out != nullptr) *found_out = found;
  if (found && read.Int(0) > version) return false;  // a later decision stands
  WS_ASSIGN_OR_RETURN(
      Stmt write,
      Prepare("INSERT INTO pillar_items (workspace_id, pillar, item, version, held) VALUES "
              "(?1, ?2, ?3, ?4, ?5) ON CONFLICT (workspace_id, pillar, item) DO UPDATE SET "
              "version = excluded.version, held = excluded.held"));
  WS_RETURN_IF_ERROR(
      write.Bind(workspace_id, pillar, item, version, static_cast<std::int64_t>(held)).Run());
  // The workspace's count moves with it: pillar_counts' triggers
  // (migration 22), in this transaction.
  return true;
}

StatusOr<bool> SqlTx::AddPillarItem(std::string_view workspace_id, std::string_view pillar,
                                    std::string_view item, std::int64_t version) {
  bool was_held = false;
  WS_ASSIGN_OR_RETURN(const bool decided,
                      DecidePillarItem(workspace_id, pillar, item, version, true, was_held));
  return decided && !was_held;
}

StatusOr<bool> SqlTx::RemovePillarItem(std::string_view workspace_id, std::string_view pillar,
                                       std::string_view item, std::int64_t version) {
  bool was_held = false;
  bool found = false;
  WS_RETURN_IF_ERROR(
      DecidePillarItem(workspace_id, pillar, item, version, false, was_held, &found).status());
  // Recorded released, whichever removal did it: a lower-numbered one that
  // committed first, or a higher-numbered one (which removed every version
  // below it, this removal's too) that did.
  return !(found && !was_held);
}

StatusOr<std::int64_t> SqlTx::CountPillarItems(std::string_view workspace_id,
                                               std::string_view pillar) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT items FROM pillar_counts WHERE workspace_id = "
                                         "?1 AND pillar = ?2"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(workspace_id, pillar).Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<std::vector<PillarCountDrift>> SqlTx::RecountPillarItems(bool repair) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT workspace_id, pillar, SUM(counted), SUM(held) FROM ("
              "SELECT workspace_id, pillar, items AS counted, 0 AS held FROM pillar_counts "
              "UNION ALL SELECT workspace_id, pillar, 0, COUNT(*) FROM pillar_items WHERE held = 1 "
              "GROUP BY workspace_id, pillar) x GROUP BY workspace_id, pillar "
              "HAVING SUM(counted) <> SUM(held) ORDER BY workspace_id, pillar"));
  std::vector<PillarCountDrift> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.String(0), stmt.String(1), stmt.Int(2), stmt.Int(3)});
  }
  if (!repair) return out;
  for (const PillarCountDrift& d : out) {
    WS_ASSIGN_OR_RETURN(
        Stmt set, Prepare("INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (?1, ?2, "
                          "?3) ON CONFLICT (workspace_id, pillar) DO UPDATE SET items = "
                          "excluded.items"));
    WS_RETURN_IF_ERROR(set.Bind(d.workspace_id, d.pillar, d.held).Run());
  }
  return out;
}

// PostgreSQL: the purge's deletes are not counted (pillar_counts' trigger,
// pg_migrations.cc): the counts go with the items, in DeletePillarRows.
Status SqlTx::UncountedInThisTransaction() {
  if (conn_.dialect() != Dialect::kPostgres) return Status::Ok();
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT set_config('workspaced.uncounted', 'on', true)"));
  return stmt.Step().status();
}

StatusOr<std::int64_t> SqlTx::DeletePillarItems(std::string_view workspace_id, int limit) {
  WS_RETURN_IF_ERROR(UncountedInThisTransaction());
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("DELETE FROM pillar_items WHERE (workspace_id, pillar, item) IN (SELECT "
              "workspace_id, pillar, item FROM pillar_items WHERE workspace_id = ?1 LIMIT ?2)"));
  WS_RETURN_IF_ERROR(stmt.Bind(workspace_id, static_cast<std::int64_t>(limit)).Run());
  return stmt.Changes();
}

Status SqlTx::DeletePillarRows(std::string_view workspace_id) {
  WS_RETURN_IF_ERROR(UncountedInThisTransaction());
  {
    WS_ASSIGN_OR_RETURN(Stmt items, Prepare("DELETE FROM pillar_items WHERE workspace_id = ?1"));
    WS_RETURN_IF_ERROR(items.Bind(workspace_id).Run());
  }
  {  // after the items: their triggers (SQLite) leave a count at 0
    WS_ASSIGN_OR_RETURN(Stmt counts, Prepare("DELETE FROM pillar_counts WHERE workspace_id = ?1"));
    WS_RETURN_IF_ERROR(counts.Bind(workspace_id).Run());
  }
  WS_ASSIGN_OR_RETURN(Stmt outcomes,
                      Prepare("DELETE FROM pillar_operations WHERE workspace_id = ?1"));
  return outcomes.Bind(workspace_id).Run();
}

}  // namespace workspaced::store
