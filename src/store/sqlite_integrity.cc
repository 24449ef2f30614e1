#include "store/sqlite_integrity.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>

#include "store/sqlite_connection.h"
#include "store/sqlite_busy.h"

namespace workspaced::store {
namespace {

// At most this many problems are listed (integrity_check(N) stops there).
constexpr int kMaxProblems = 5;

bool IsDamage(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

struct FileState {
  bool exists = false;
  off_t size = 0;
  timespec mtime{};
  bool wal = false;  // a -wal file beside it
  bool operator==(const FileState& o) const {
    return exists == o.exists && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && wal == o.wal;
  }
};

FileState StateOf(const std::string& path) {
  FileState f;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.size = st.st_size;
  f.mtime = st.st_mtim;
  f.wal = ::stat((path + "-wal").c_str(), &st) == 0;
  return f;
}

StatusOr<IntegrityReport> Check(const std::string& path, Micros budget, bool immutable) {
  sqlite3* raw = nullptr;
  const int open_rc =
      sqlite3_open_v2(SqliteReadOnlyUri(path, immutable).c_str(), &raw,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
  SqliteDbPtr db(raw);
  if (open_rc != SQLITE_OK) {
    if (IsDamage(open_rc))
      return IntegrityReport{IntegrityReport::Outcome::kDamaged, sqlite3_errstr(open_rc)};
    return Internal("sqlite: cannot open " + path +
                    " to check it: " + (db ? sqlite3_errmsg(db.get()) : "out of memory"));
  }
  SetBusyTimeout(db.get(), 5000);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(budget);
  bool expired = false;
  struct Progress {
    std::chrono::steady_clock::time_point deadline;
    bool* expired;
  } progress{deadline, &expired};
  // Every ~10,000 virtual machine instructions: a clock read is cheap next
  // to that, and an interrupt then lands within about a millisecond.
  if (budget > 0)
    sqlite3_progress_handler(
        db.get(), 10'000,
        [](void* p) -> int {
          auto* self = static_cast<Progress*>(p);
          if (std::chrono::steady_clock::now() < self->deadline) return 0;
          *self->expired = true;
          return 1;
        },
        &progress);
  sqlite3_stmt* raw_stmt = nullptr;
  const std::string sql = "PRAGMA integrity_check(" + std::to_string(kMaxProblems) + ")";
  int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_stmt, nullptr);
  SqliteStmtPtr stmt(raw_stmt);
  IntegrityReport report;
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) break;
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    const std::string line = text != nullptr ? text : "";
    if (line == "ok") continue;
    report.outcome = IntegrityReport::Outcome::kDamaged;
    if (!report.problem.empty()) report.problem += "; ";
    report.problem += line;
  }
  if (rc == SQLITE_DONE || report.outcome == IntegrityReport::Outcome::kDamaged) return report;
  if (expired && (rc & 0xff) == SQLITE_INTERRUPT) {
    return IntegrityReport{
        IntegrityReport::Outcome::kIncomplete,
        "integrity_check did not finish within " + std::to_string(budget / 1000) + " ms"};
  }
  if (IsDamage(rc) || (rc & 0xff) == SQLITE_IOERR)
    return IntegrityReport{IntegrityReport::Outcome::kDamaged, sqlite3_errmsg(db.get())};
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    return Unavailable("sqlite: " + path + " stayed locked during its integrity check");
  return Internal("sqlite: integrity check of " + path + ": " + sqlite3_errmsg(db.get()));
}

}  // namespace

StatusOr<IntegrityReport> CheckSqliteFile(const std::string& path, Micros budget) {
  const FileState before = StateOf(path);
  if (!before.exists || before.size == 0) return IntegrityReport{};
  // Without a -wal file no connection has the database open (the last one
  // to close removes it) and the file holds every commit: it is read as it
  // is (immutable), so the check creates no -wal or -shm beside it. Should
  // anything have opened or changed it meanwhile, what was read may be torn:
  // the check is made again through SQLite's locks.
  if (!before.wal) {
    WS_ASSIGN_OR_RETURN(IntegrityReport report, Check(path, budget, /*immutable=*/true));
    if (StateOf(path) == before) return report;
  }
  return Check(path, budget, /*immutable=*/false);
}

}  // namespace workspaced::store
