// Filtered workspace listings (store.h WorkspaceFilter). Every statement
// takes the filter as its first four parameters, so the test of a row is
// written once per dialect:
//   ?1 status ('' any listed: not deleting, deleted or purged — store.h),
//   ?2 region ('' any), ?3 name prefix ('' any),
//   ?4 labels, a JSON object of the key/value pairs each row must hold.
// The unfiltered listings (sql_tx_workspaces.cc) never come here.
#include <boost/json.hpp>

#include "store/sql_tx.h"

namespace workspaced::store {
namespace {

#define WS_FILTER_COLUMNS "w.id, w.version, w.updated_at"

// Labels: every pair of ?4 is one of the row's (its labels column is a JSON
// object of strings).
#define WS_FILTER_SQLITE                                            \
  " AND (w.status = ?1 OR (?1 = '' AND"                              \
  " w.status NOT IN ('deleting', 'deleted', 'purged')))"             \
  " AND (?2 = '' OR w.region = ?2)"                                  \
  " AND substr(w.name, 1, length(?3)) = ?3"                         \
  " AND NOT EXISTS (SELECT 1 FROM json_each(?4) f WHERE NOT EXISTS" \
  " (SELECT 1 FROM json_each(w.labels) l WHERE l.key = f.key AND l.value = f.value))"
#define WS_FILTER_POSTGRES                                                                 \
  " AND (w.status = ?1::text OR (?1::text = '' AND"                                        \
  " w.status NOT IN ('deleting', 'deleted', 'purged')))"                                   \
  " AND (?2::text = '' OR w.region = ?2::text)"                                            \
  " AND starts_with(w.name, ?3::text) AND w.labels::jsonb @> ?4::jsonb"

Status CheckPage(const Page& page) {
  // SQLite reads a negative LIMIT as "no limit".
  if (page.limit < 1) return InvalidArgument("page limit must be at least 1");
  return Status::Ok();
}

// The filter as the four parameters (kept alive while the statement runs).
struct FilterParams {
  explicit FilterParams(const WorkspaceFilter& f)
      : status(f.status ? std::string(model::ToString(*f.status)) : ""),
        labels(boost::json::serialize(boost::json::value_from(f.labels))) {}
  std::string status;
  std::string labels;
};

}  // namespace

StatusOr<std::vector<WorkspaceStamp>> SqlTx::ListWorkspacesByAccountMatching(
    std::string_view account_id, const WorkspaceFilter& filter, const Page& page) {
  WS_RETURN_IF_ERROR(CheckPage(page));
  const FilterParams f(filter);
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT " WS_FILTER_COLUMNS " FROM workspaces w WHERE w.account_id = ?5"
                         " AND w.id > ?6" WS_FILTER_SQLITE " ORDER BY w.id LIMIT ?7",
                         "SELECT " WS_FILTER_COLUMNS " FROM workspaces w WHERE w.account_id = ?5"
                         " AND w.id > ?6" WS_FILTER_POSTGRES " ORDER BY w.id LIMIT ?7"));
  stmt.Bind(f.status, filter.region, filter.name_prefix, f.labels, account_id, page.after,
            page.limit);
  return CollectStamps(stmt);
}

StatusOr<std::vector<WorkspaceStamp>> SqlTx::ListWorkspacesForSubjectMatching(
    std::string_view subject, const std::vector<std::string>& groups, const WorkspaceFilter& filter,
    const Page& page) {
  WS_RETURN_IF_ERROR(CheckPage(page));
  const FilterParams f(filter);
  if (groups.empty()) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT " WS_FILTER_COLUMNS " FROM workspace_members m JOIN workspaces w"
                           " ON w.id = m.workspace_id WHERE m.subject = ?5 AND m.workspace_id > "
                           "?6" WS_FILTER_SQLITE " ORDER BY m.workspace_id LIMIT ?7",
                           "SELECT " WS_FILTER_COLUMNS " FROM workspace_members m JOIN workspaces w"
                           " ON w.id = m.workspace_id WHERE m.subject = ?5 AND m.workspace_id > "
                           "?6" WS_FILTER_POSTGRES " ORDER BY m.workspace_id LIMIT ?7"));
    stmt.Bind(f.status, filter.region, filter.name_prefix, f.labels, subject, page.after,
              page.limit);
    return CollectStamps(stmt);
  }
  // As ListWorkspacesForSubject: groups count through their relationships,
  // given as one JSON-array parameter.
  const std::string groups_json = boost::json::serialize(boost::json::value_from(groups));
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT " WS_FILTER_COLUMNS " FROM workspaces w WHERE w.id IN ("
                         " SELECT workspace_id FROM workspace_members WHERE subject = ?5"
                         "  AND workspace_id > ?6"
                         " UNION SELECT resource_id FROM relationships WHERE subject_type = 'group'"
                         "  AND subject_id IN (SELECT value FROM json_each(?8))"
                         "  AND subject_relation = 'member' AND resource_type = 'workspace'"
                         "  AND resource_id > ?6)" WS_FILTER_SQLITE " ORDER BY w.id LIMIT ?7",
                         "SELECT " WS_FILTER_COLUMNS " FROM workspaces w WHERE w.id IN ("
                         " SELECT workspace_id FROM workspace_members WHERE subject = ?5"
                         "  AND workspace_id > ?6"
                         " UNION SELECT resource_id FROM relationships WHERE subject_type = 'group'"
                         "  AND subject_id IN (SELECT json_array_elements_text(?8::json))"
                         "  AND subject_relation = 'member' AND resource_type = 'workspace'"
                         "  AND resource_id > ?6)" WS_FILTER_POSTGRES " ORDER BY w.id LIMIT ?7"));
  stmt.Bind(f.status, filter.region, filter.name_prefix, f.labels, subject, page.after, page.limit,
            groups_json);
  return CollectStamps(stmt);
}

#undef WS_FILTER_COLUMNS
#undef WS_FILTER_SQLITE
#undef WS_FILTER_POSTGRES

}  // namespace workspaced::store
