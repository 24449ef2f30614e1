#include "support/database.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "app/bootstrap.h"
#include "support/server_process.h"

namespace workspaced::testing {
namespace {

// Runs `sql` and returns the first column of its first row ("" for a
// statement without rows); `want_row` makes a missing row an error.
std::string Run(const std::string& data_dir, const std::string& sql, bool want_row) {
  const std::string conninfo = BlackboxDatabase(data_dir);
  if (!conninfo.empty()) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (PQstatus(c.get()) != CONNECTION_OK)
      throw std::runtime_error("postgres: " + std::string(PQerrorMessage(c.get())));
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      throw std::runtime_error("query failed: " + sql + ": " + PQerrorMessage(c.get()));
    if (!want_row) return "";
    if (status != PGRES_TUPLES_OK || PQntuples(r.get()) == 0)
      throw std::runtime_error("no row: " + sql);
    return PQgetvalue(r.get(), 0, 0);
  }
  const std::string path = data_dir + "/" + app::kDatabaseFile;
  sqlite3* raw = nullptr;
  const int flags = want_row ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  sqlite3_stmt* raw_stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_stmt, nullptr) != SQLITE_OK)
    throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db.get()));
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw_stmt, &sqlite3_finalize);
  const int step = sqlite3_step(stmt.get());
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    throw std::runtime_error("query failed: " + sql + ": " + sqlite3_errmsg(db.get()));
  if (!want_row) return "";
  if (step != SQLITE_ROW) throw std::runtime_error("no row: " + sql);
  const auto* text = sqlite3_column_text(stmt.get(), 0);
  return text == nullptr ? "" : reinterpret_cast<const char*>(text);
}

}  // namespace

long long DatabaseBytes(const std::string& data_dir) {
  if (!BlackboxDatabase(data_dir).empty()) {
    return QueryNumber(data_dir,
                       "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
                       "current_schema() AND c.relkind = 'r'");
  }
  long long bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(data_dir + "/" + app::kDatabaseFile + suffix, ec);
    if (!ec) bytes += static_cast<long long>(size);
  }
  return bytes;
}

long long QueryNumber(const std::string& data_dir, const std::string& sql) {
  const std::string v = Run(data_dir, sql, /*want_row=*/true);
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw std::runtime_error("not a number (" + v + "): " + sql);
  }
}

std::string QueryText(const std::string& data_dir, const std::string& sql) {
  return Run(data_dir, sql, /*want_row=*/true);
}

void ExecSql(const std::string& data_dir, const std::string& sql) {
  Run(data_dir, sql, /*want_row=*/false);
}

std::string SqlJsonField(const std::string& data_dir, const std::string& column,
                         const std::string& key) {
  if (BlackboxDatabase(data_dir).empty()) return "json_extract(" + column + ", '$." + key + "')";
  return "(CAST(" + column + " AS json) ->> '" + key + "')";
}

}  // namespace workspaced::testing
