// Workspaces and their group mappings. Labels are a JSON object in one column;
// group mappings are also rows of their own table, kept in step with
// Workspace::group_mappings by Insert/UpdateWorkspace (its key refuses a
// group listed twice); listings go through relationships instead.
#include <boost/json.hpp>

#include "model/relationships.h"
#include "store/sql_decode.h"
#include "store/sql_tx.h"

namespace workspaced::store {
namespace {

// Columns of every workspace SELECT, in the order DecodeWorkspace reads them.
// A macro so that SQL stays one compile-time literal (see Sql).
#define WS_WORKSPACE_COLUMNS                                                      \
  "w.id, w.account_id, w.name, w.slug, w.status, w.region, w.tenancy_model, "     \
  "w.created_at, w.updated_at, w.created_by, w.updated_by, w.labels, "            \
  "w.runtime_generation, w.status_reason, w.phase, w.version, w.group_mappings, " \
  "w.frozen_by, w.frozen_at, w.deletion_protection"

// What a listing reads of each workspace (WorkspaceStamp).
#define WS_STAMP_COLUMNS "w.id, w.version, w.updated_at"

std::string EncodeLabels(const std::map<std::string, std::string>& labels) {
  boost::json::object object;
  for (const auto& [key, value] : labels) object.emplace(key, value);
  return boost::json::serialize(object);
}

Status DecodeLabels(std::string_view text, std::map<std::string, std::string>& labels) {
  if (text == "{}") return Status::Ok();
  // Parsed into a stack buffer: no heap allocation for the document itself.
  unsigned char buffer[4096];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec, &arena);
  const boost::json::object* object = ec ? nullptr : value.if_object();
  if (object == nullptr) return Internal("sqlite: workspaces.labels is not a JSON object");
  for (const auto& [key, v] : *object) {
    const boost::json::string* s = v.if_string();
    if (s == nullptr) return Internal("sqlite: workspaces.labels has a non-string value");
    labels.emplace(std::string(key), std::string(*s));
  }
  return Status::Ok();
}

std::string EncodeGroupMappings(const std::vector<model::GroupMapping>& mappings) {
  boost::json::array array;
  array.reserve(mappings.size());
  for (const auto& m : mappings) {
    array.emplace_back(
        boost::json::object{{"group_name", m.group_name}, {"role", model::ToString(m.role)}});
  }
  return boost::json::serialize(array);
}

Status DecodeGroupMappings(std::string_view text, std::vector<model::GroupMapping>& out) {
  if (text == "[]") return Status::Ok();  // the common case, without a parse
  unsigned char buffer[4096];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec, &arena);
  const boost::json::array* array = ec ? nullptr : value.if_array();
  if (array == nullptr) return Internal("sqlite: workspaces.group_mappings is not a JSON array");
  for (const auto& item : *array) {
    const boost::json::object* o = item.if_object();
    const boost::json::value* name = o ? o->if_contains("group_name") : nullptr;
    const boost::json::value* role = o ? o->if_contains("role") : nullptr;
    if (name == nullptr || role == nullptr || !name->is_string() || !role->is_string())
      return Internal("sqlite: workspaces.group_mappings has a malformed entry");
    model::GroupMapping& m = out.emplace_back();
    m.group_name = std::string(name->as_string());
    WS_ASSIGN_OR_RETURN(m.role, DecodeEnum(model::ParseWorkspaceRole, role->as_string(),
                                           "workspaces.group_mappings.role"));
  }
  return Status::Ok();
}

std::string EncodeStringArray(const std::vector<std::string>& items) {
  boost::json::array array;
  array.reserve(items.size());
  for (const std::string& item : items) array.emplace_back(item);
  return boost::json::serialize(array);
}

StatusOr<model::Workspace> DecodeWorkspace(const Stmt& row) {
  model::Workspace ws;
  ws.id = row.String(0);
  ws.account_id = row.String(1);
  ws.name = row.String(2);
  ws.slug = row.String(3);
  WS_ASSIGN_OR_RETURN(ws.status,
                      DecodeEnum(model::ParseWorkspaceStatus, row.Text(4), "workspaces.status"));
  ws.region = row.String(5);
  WS_ASSIGN_OR_RETURN(ws.tenancy_model, DecodeEnum(model::ParseTenancyModel, row.Text(6),
                                                   "workspaces.tenancy_model"));
  ws.created_at = row.Int(7);
  ws.updated_at = row.Int(8);
  ws.created_by = row.String(9);
  ws.updated_by = row.String(10);
  WS_RETURN_IF_ERROR(DecodeLabels(row.Text(11), ws.labels));
  ws.runtime_generation = row.String(12);
  ws.status_reason = row.String(13);
  WS_ASSIGN_OR_RETURN(ws.phase,
                      DecodeEnum(model::ParseProvisioningPhase, row.Text(14), "workspaces.phase"));
  ws.version = row.Int(15);
  WS_RETURN_IF_ERROR(DecodeGroupMappings(row.Text(16), ws.group_mappings));
  ws.frozen_by = row.String(17);
  ws.frozen_at = row.Int(18);
  ws.deletion_protection = row.Int(19) != 0;
  return ws;
}

// Checked before writing anything, so a rejected workspace leaves no rows.
Status CheckGroupMappings(const model::Workspace& ws) {
  const auto& mappings = ws.group_mappings;
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    for (std::size_t j = i + 1; j < mappings.size(); ++j) {
      if (mappings[i].group_name == mappings[j].group_name) {
        return InvalidArgument("group_mappings lists a group more than once");
      }
    }
  }
  return Status::Ok();
}

Status CheckPage(const Page& page) {
  // SQLite reads a negative LIMIT as "no limit".
  if (page.limit < 1) return InvalidArgument("page limit must be at least 1");
  return Status::Ok();
}

}  // namespace

Status SqlTx::InsertWorkspace(const model::Workspace& ws) {
  WS_RETURN_IF_ERROR(CheckGroupMappings(ws));
  const std::string labels = EncodeLabels(ws.labels);  // outlives the bound Stmt
  const std::string mappings = EncodeGroupMappings(ws.group_mappings);
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("INSERT INTO workspaces (id, account_id, name, slug, status, "
                              "region, tenancy_model, created_at, updated_at, created_by, "
                              "updated_by, labels, runtime_generation, status_reason, phase, "
                              "version, group_mappings, frozen_by, frozen_at, deletion_protection) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                              "?14, ?15, ?16, ?17, ?18, ?19, ?20) "
                              "ON CONFLICT (account_id, slug) DO NOTHING"));
  stmt.Bind(ws.id, ws.account_id, ws.name, ws.slug, model::ToString(ws.status), ws.region,
            model::ToString(ws.tenancy_model), ws.created_at, ws.updated_at, ws.created_by,
            ws.updated_by, labels, ws.runtime_generation, ws.status_reason,
            model::ToString(ws.phase), ws.version, mappings, ws.frozen_by, ws.frozen_at,
            ws.deletion_protection ? 1 : 0);
  WS_RETURN_IF_ERROR(stmt.Run(ConstraintErrors()
                                  .OnPrimaryKey(Code::kConflict, "workspace already exists")
                                  .OnForeignKey(Code::kNotFound, "account not found")));
  // The slug, through ON CONFLICT rather than a unique violation: when the
  // taken slug is one our snapshot cannot see (a create that committed
  // meanwhile), PostgreSQL cancels us with a serialization failure, and the
  // create runs again and picks the next slug; when we can see it, nothing
  // is inserted and the caller learns it here.
  if (stmt.Changes() == 0) return Conflict("workspace slug already exists in this account");
  WS_RETURN_IF_ERROR(TouchRelationships({model::WorkspaceOfAccount(ws.id, ws.account_id)}));
  return ReplaceGroupMappings(ws);
}

Status SqlTx::UpdateWorkspace(const model::Workspace& ws) {
  WS_RETURN_IF_ERROR(CheckGroupMappings(ws));
  const std::string labels = EncodeLabels(ws.labels);
  const std::string mappings = EncodeGroupMappings(ws.group_mappings);
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("UPDATE workspaces SET name = ?2, slug = ?3, status = ?4, region = ?5, "
              "tenancy_model = ?6, updated_at = ?7, updated_by = ?8, labels = ?9, "
              "runtime_generation = ?10, status_reason = ?11, phase = ?12, version = ?13, "
              "group_mappings = ?14, frozen_by = ?15, frozen_at = ?16, "
              "deletion_protection = ?17 WHERE id = ?1 AND version = ?13 - 1"));
  stmt.Bind(ws.id, ws.name, ws.slug, model::ToString(ws.status), ws.region,
            model::ToString(ws.tenancy_model), ws.updated_at, ws.updated_by, labels,
            ws.runtime_generation, ws.status_reason, model::ToString(ws.phase), ws.version,
            mappings, ws.frozen_by, ws.frozen_at, ws.deletion_protection ? 1 : 0);
  WS_RETURN_IF_ERROR(stmt.Run(ConstraintErrors().OnUnique(
      Code::kConflict, "workspace slug already exists in this account")));
  if (stmt.Changes() == 0) {
    // Nothing matched: tell a missing workspace from a stale version.
    WS_ASSIGN_OR_RETURN(Stmt probe, Prepare("SELECT 1 FROM workspaces WHERE id = ?1"));
    WS_ASSIGN_OR_RETURN(const bool exists, probe.Bind(ws.id).Step());
    if (!exists) return NotFound("workspace not found");
    return Conflict("workspace was changed concurrently (version mismatch)");
  }
  return ReplaceGroupMappings(ws);
}

Status SqlTx::TouchWorkspace(std::string_view id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE workspaces SET version = version WHERE id = ?1"));
  WS_RETURN_IF_ERROR(stmt.Bind(id).Run());
  if (stmt.Changes() == 0) return NotFound("workspace not found");
  return Status::Ok();
}

Status SqlTx::ReplaceGroupMappings(const model::Workspace& ws) {
  {
    WS_ASSIGN_OR_RETURN(Stmt clear,
                        Prepare("DELETE FROM workspace_group_mappings WHERE workspace_id = ?1"));
    WS_RETURN_IF_ERROR(clear.Bind(ws.id).Defer());
  }
  int position = 0;
  for (const model::GroupMapping& mapping : ws.group_mappings) {
    WS_ASSIGN_OR_RETURN(Stmt insert,
                        Prepare("INSERT INTO workspace_group_mappings (workspace_id, "
                                "group_name, role, position) VALUES (?1, ?2, ?3, ?4)"));
    WS_RETURN_IF_ERROR(
        insert.Bind(ws.id, mapping.group_name, model::ToString(mapping.role), position++)
            .Defer(ConstraintErrors().OnPrimaryKey(Code::kInvalidArgument,
                                                   "group_mappings lists a group more than once")));
  }
  return Status::Ok();
}

StatusOr<std::vector<WorkspaceStamp>> SqlTx::CollectStamps(Stmt& stmt) {
  std::vector<WorkspaceStamp> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    out.push_back({stmt.String(0), stmt.Int(1), stmt.Int(2)});
  }
}

StatusOr<model::Workspace> SqlTx::GetWorkspace(std::string_view id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT " WS_WORKSPACE_COLUMNS " FROM workspaces w WHERE w.id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(id).Step());
  if (!row) return NotFound("workspace not found");
  return DecodeWorkspace(stmt);
}

StatusOr<WorkspaceStamp> SqlTx::GetWorkspaceStamp(std::string_view id) {
  // The stamp index covers the query (see ListWorkspacesForSubject).
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT " WS_STAMP_COLUMNS " FROM workspaces w INDEXED BY workspaces_stamp"
                         " WHERE w.id = ?1",
                         "SELECT " WS_STAMP_COLUMNS " FROM workspaces w WHERE w.id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(id).Step());
  if (!row) return NotFound("workspace not found");
  return WorkspaceStamp{stmt.String(0), stmt.Int(1), stmt.Int(2)};
}

StatusOr<model::WorkspaceStatus> SqlTx::GetWorkspaceStatus(std::string_view id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT w.status FROM workspaces w WHERE w.id = ?1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(id).Step());
  if (!row) return NotFound("workspace not found");
  return DecodeEnum(model::ParseWorkspaceStatus, stmt.Text(0), "workspaces.status");
}

// Listings leave out what model::IsGone names (store.h).
#define WS_LISTED " w.status NOT IN ('deleting', 'deleted', 'purged')"
// The same test of a workspace id, for the subqueries that cut a page
// before the workspaces are joined (one primary-key lookup per id).
#define WS_LISTED_ID(col)                                     \
  " NOT EXISTS (SELECT 1 FROM workspaces g WHERE g.id = " col \
  " AND g.status IN ('deleting', 'deleted', 'purged'))"

StatusOr<std::vector<WorkspaceStamp>> SqlTx::ListWorkspacesByAccount(std::string_view account_id,
                                                                     const Page& page) {
  WS_RETURN_IF_ERROR(CheckPage(page));
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " WS_STAMP_COLUMNS " FROM workspaces w "
                                         "WHERE w.account_id = ?1 AND w.id > ?2 AND" WS_LISTED
                                         " ORDER BY w.id LIMIT ?3"));
  stmt.Bind(account_id, page.after, page.limit);
  return CollectStamps(stmt);
}

StatusOr<std::vector<WorkspaceStamp>> SqlTx::ListWorkspacesForSubject(
    std::string_view subject, const std::vector<std::string>& groups, const Page& page) {
  WS_RETURN_IF_ERROR(CheckPage(page));
  if (groups.empty()) {
    // Direct memberships only: one walk of the subject's index. (The union
    // below with an empty group list made SQLite scan every group mapping:
    // ten times slower on a 1000-workspace database.)
    // SQLite picks the primary key's index for `w.id = ?`, then visits the
    // row for the rest of the stamp; naming the stamp index makes it one
    // lookup per workspace (about a fifth less time for a page).
    WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT " WS_STAMP_COLUMNS " FROM workspace_members m"
                                           " JOIN workspaces w INDEXED BY workspaces_stamp"
                                           " ON w.id = m.workspace_id"
                                           " WHERE m.subject = ?1 AND m.workspace_id > ?2"
                                           " AND" WS_LISTED " ORDER BY m.workspace_id LIMIT ?3",
                                           "SELECT " WS_STAMP_COLUMNS " FROM workspace_members m"
                                           " JOIN workspaces w ON w.id = m.workspace_id"
                                           " WHERE m.subject = ?1 AND m.workspace_id > ?2"
                                           " AND" WS_LISTED " ORDER BY m.workspace_id LIMIT ?3"));
    stmt.Bind(subject, page.after, page.limit);
    return CollectStamps(stmt);
  }
  // Groups count through their relationships (what the authorizer checks),
  // not the stored mappings: a mapping grants nothing before provisioning's
  // write_relationships step nor after its compensation.
  // The groups arrive as one JSON-array parameter unpacked by json_each, so
  // any number of names of any content never touches the SQL text.
  const std::string groups_json = EncodeStringArray(groups);
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      // Each side is cut to one page before the union, so a page
      // costs the same however many memberships the caller has. The
      // group side counts workspaces, not mappings (DISTINCT): a
      // workspace that several of the caller's groups or roles reach
      // fills one place, or a page would end early and lose the rest.
      Prepare(
          "SELECT " WS_STAMP_COLUMNS " FROM workspaces w WHERE w.id IN ("
          " SELECT workspace_id FROM (SELECT workspace_id FROM workspace_members"
          "  WHERE subject = ?1 AND workspace_id > ?3 AND" WS_LISTED_ID(
              "workspace_id") "  ORDER BY workspace_id LIMIT ?4)"
                              " UNION"
                              " SELECT workspace_id FROM (SELECT DISTINCT resource_id AS "
                              "workspace_id"
                              "  FROM relationships WHERE subject_type = 'group'"
                              "  AND subject_id IN (SELECT value FROM json_each(?2))"
                              "  AND subject_relation = 'member' AND resource_type = 'workspace'"
                              "  AND resource_id > ?3 AND" WS_LISTED_ID(
                                  "resource_id") "  ORDER BY resource_id LIMIT ?4))"
                                                 " ORDER BY w.id LIMIT ?4",
          "SELECT " WS_STAMP_COLUMNS " FROM workspaces w WHERE w.id IN ("
          " SELECT workspace_id FROM (SELECT workspace_id FROM workspace_members"
          "  WHERE subject = ?1 AND workspace_id > ?3 AND" WS_LISTED_ID(
              "workspace_id") "  ORDER BY workspace_id LIMIT ?4) m"
                              " UNION"
                              " SELECT workspace_id FROM (SELECT DISTINCT resource_id AS "
                              "workspace_id"
                              "  FROM relationships WHERE subject_type = 'group'"
                              "  AND subject_id IN (SELECT json_array_elements_text(?2::json))"
                              "  AND subject_relation = 'member' AND resource_type = 'workspace'"
                              "  AND resource_id > ?3 AND" WS_LISTED_ID(
                                  "resource_id") "  ORDER BY resource_id LIMIT ?4) g)"
                                                 " ORDER BY w.id LIMIT ?4"));
  stmt.Bind(subject, groups_json, page.after, page.limit);
  return CollectStamps(stmt);
}

StatusOr<bool> SqlTx::SlugTaken(std::string_view account_id, std::string_view slug) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT 1 FROM workspaces WHERE account_id = ?1 AND slug = ?2"));
  return stmt.Bind(account_id, slug).Step();
}

#undef WS_LISTED
#undef WS_LISTED_ID

StatusOr<std::vector<WorkspaceStamp>> SqlTx::ListWorkspacesWithSlug(std::string_view slug,
                                                                    int limit) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT " WS_STAMP_COLUMNS " FROM workspaces w"
                         " WHERE w.slug = ?1 AND w.status NOT IN ('deleting', 'deleted', 'purged')"
                         " ORDER BY w.id LIMIT ?2"));
  stmt.Bind(slug, limit);
  return CollectStamps(stmt);
}

#undef WS_WORKSPACE_COLUMNS
#undef WS_STAMP_COLUMNS

}  // namespace workspaced::store
