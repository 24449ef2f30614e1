#include "dataplane/postgres_vault_rows.h"

#include <algorithm>
#include <iterator>

namespace workspaced::dataplane::postgres_vault {
namespace {

// Tokens as a text[] literal (tokens hold only [A-Za-z0-9_-]: no quoting).
std::string TokenArray(const std::vector<std::string>& tokens) {
  std::string out = "{";
  for (const auto& t : tokens) {
    if (out.size() > 1) out += ',';
    out += t;
  }
  return out + "}";
}

}  // namespace

std::string TableSql(const std::string& schema) {
  return "CREATE TABLE IF NOT EXISTS " + schema +
         ".vault_fields (workspace_id text NOT NULL, record_id text NOT NULL, field text NOT "
         "NULL, type text NOT NULL, token text NOT NULL, deterministic boolean NOT NULL, mask "
         "text NOT NULL, sealed text NOT NULL, pending boolean NOT NULL, tombstone boolean NOT "
         "NULL, operation_id text NOT NULL, created_at bigint NOT NULL, created_by text NOT NULL, "
         "PRIMARY KEY (workspace_id, record_id, field, operation_id))";
}

std::string IndexSql(const std::string& schema) {
  // A token's rows in record order (byte order, as every read here), so a
  // detokenize stops at its first committed row.
  return "CREATE INDEX IF NOT EXISTS vault_fields_by_token ON " + schema +
         ".vault_fields (workspace_id, token, record_id COLLATE \"C\", field COLLATE \"C\", "
         "operation_id)";
}

std::string RecordIndexSql(const std::string& schema) {
  // Pages in byte order from their key on (see postgres_secrets::IndexSql).
  return "CREATE INDEX IF NOT EXISTS vault_fields_by_record ON " + schema +
         ".vault_fields (workspace_id, record_id COLLATE \"C\", field COLLATE \"C\", operation_id)";
}

std::string OperationIndexSql(const std::string& schema) {
  // See postgres_secrets::OperationIndexSql.
  return "CREATE INDEX IF NOT EXISTS vault_fields_operation ON " + schema +
         ".vault_fields (workspace_id, operation_id)";
}

std::string PendingIndexSql(const std::string& schema) {
  // The sweep's pages of pending rows (see postgres_secrets::PendingIndexSql).
  return "CREATE INDEX IF NOT EXISTS vault_fields_pending ON " + schema +
         ".vault_fields (workspace_id, record_id COLLATE \"C\", field COLLATE \"C\", "
         "operation_id) WHERE pending";
}

std::string DropOldIndexSql(const std::string& schema) {
  // (workspace_id, token): a detokenize read every record sharing a token.
  return "DROP INDEX IF EXISTS " + schema + ".vault_fields_token";
}

Status AddPending(CellConnection& db, const std::string& table, const std::string& workspace_id,
                  const std::vector<VaultRow>& rows) {
  return db.Transaction([&]() -> Status {
    for (const VaultRow& r : rows) {
      WS_RETURN_IF_ERROR(db.ExecParams(
          "INSERT INTO " + table +
              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, $11, $12)",
          {workspace_id, r.record_id, r.field, r.type, r.token, r.deterministic ? "true" : "false",
           r.mask, r.sealed, r.tombstone ? "true" : "false", r.operation_id,
           std::to_string(r.created_at), r.created_by}));
    }
    return Status::Ok();
  });
}

Status Commit(CellConnection& db, const std::string& table, const std::string& workspace_id,
              std::string_view operation_id) {
  // Fields: committed. A tombstone: its record's committed fields and itself go.
  const std::string op(operation_id);
  return db.Transaction([&]() -> Status {
    return db.ExecParams(
        "WITH op AS (SELECT DISTINCT record_id, tombstone FROM " + table +
            " WHERE workspace_id = $1 AND operation_id = $2), gone AS (DELETE FROM " + table +
            " t USING op WHERE op.tombstone AND t.workspace_id = $1 AND t.record_id = "
            "op.record_id AND (t.operation_id = $2 OR NOT t.pending)) UPDATE " +
            table +
            " t SET pending = false FROM op WHERE NOT op.tombstone AND t.workspace_id = $1 AND "
            "t.operation_id = $2",
        {workspace_id, op});
  });
}

Status Discard(CellConnection& db, const std::string& table, const std::string& workspace_id,
               std::string_view operation_id) {
  return db.ExecParams(
      "DELETE FROM " + table + " WHERE workspace_id = $1 AND operation_id = $2 AND pending",
      {workspace_id, std::string(operation_id)});
}

namespace {

constexpr int kRowsPerToken = 16;  // a first read's, per token (more only when all are pending)

std::vector<VaultRow> ReadRows(PGresult* r) {
  std::vector<VaultRow> rows;
  for (int i = 0; i < Rows(r); ++i) {
    VaultRow row;
    row.record_id = Text(r, i, 0);
    row.field = Text(r, i, 1);
    row.type = Text(r, i, 2);
    row.token = Text(r, i, 3);
    row.deterministic = Bool(r, i, 4);
    row.mask = Text(r, i, 5);
    row.sealed = Text(r, i, 6);
    row.pending = Bool(r, i, 7);
    row.tombstone = Bool(r, i, 8);
    row.operation_id = Text(r, i, 9);
    row.created_at = Int64(r, i, 10);
    row.created_by = Text(r, i, 11);
    rows.push_back(std::move(row));
  }
  Clear(r);
  return rows;
}

// Each token's rows in record order up to its first committed one (the
// contract of VaultRowQuery::tokens), at most `per_token` of each read.
StatusOr<std::vector<VaultRow>> TokenRows(CellConnection& db, const std::string& table,
                                          const std::string& workspace_id,
                                          const std::vector<std::string>& tokens, bool with_values,
                                          int per_token) {
  WS_ASSIGN_OR_RETURN(
      PGresult * r,
      db.RunParams(
          "SELECT v.* FROM unnest($2::text[]) AS t(token) CROSS JOIN LATERAL (SELECT record_id, "
          "field, type, token, deterministic, mask, CASE WHEN $3 THEN sealed ELSE '' END, "
          "pending, tombstone, operation_id, created_at, created_by FROM " +
              table +
              " f WHERE f.workspace_id = $1 AND f.token = t.token ORDER BY f.record_id COLLATE "
              "\"C\", f.field COLLATE \"C\", f.operation_id LIMIT NULLIF($4::bigint, 0)) v",
          {workspace_id, TokenArray(tokens), with_values ? "true" : "false",
           std::to_string(per_token)}));
  std::vector<VaultRow> read = ReadRows(r), out;
  std::vector<std::string> again;  // tokens whose rows read were all pending
  for (std::size_t i = 0; i < read.size();) {
    std::size_t end = i;
    while (end < read.size() && read[end].token == read[i].token) ++end;
    std::size_t last = i;
    while (last < end && read[last].pending) ++last;
    if (last == end && per_token > 0 && end - i == static_cast<std::size_t>(per_token)) {
      again.push_back(read[i].token);
    } else {
      const std::size_t keep = last < end ? last + 1 : end;
      std::move(read.begin() + static_cast<std::ptrdiff_t>(i),
                read.begin() + static_cast<std::ptrdiff_t>(keep), std::back_inserter(out));
    }
    i = end;
  }
  if (!again.empty()) {
    WS_ASSIGN_OR_RETURN(std::vector<VaultRow> rest,
                        TokenRows(db, table, workspace_id, again, with_values, 0));
    std::ranges::move(rest, std::back_inserter(out));
  }
  return out;
}

}  // namespace

std::string ListSql(const std::string& table) {
  return "SELECT record_id, field, type, token, deterministic, mask, CASE WHEN $3 THEN sealed "
         "ELSE '' END, pending, tombstone, operation_id, created_at, created_by FROM " +
         table +
         " WHERE workspace_id = $1 AND ($2 = '' OR record_id = $2) AND (record_id COLLATE "
         "\"C\", field COLLATE \"C\") > ($4, $5) AND (NOT $7::boolean OR pending) ORDER BY "
         "record_id COLLATE \"C\", field COLLATE \"C\", operation_id LIMIT NULLIF($6::bigint, 0)";
}

StatusOr<std::vector<VaultRow>> List(CellConnection& db, const std::string& table,
                                     const std::string& workspace_id, const VaultRowQuery& query) {
  if (!query.tokens.empty()) {
    WS_ASSIGN_OR_RETURN(std::vector<VaultRow> rows, TokenRows(db, table, workspace_id, query.tokens,
                                                              query.with_values, kRowsPerToken));
    std::ranges::sort(rows, InRecordOrder);
    return rows;
  }
  WS_ASSIGN_OR_RETURN(
      PGresult * r,
      db.RunParams(ListSql(table),
                   {workspace_id, query.record_id, query.with_values ? "true" : "false",
                    query.after_record_id, query.after_field, std::to_string(query.limit),
                    query.pending_only ? "true" : "false"}));
  return ReadRows(r);
}

}  // namespace workspaced::dataplane::postgres_vault
