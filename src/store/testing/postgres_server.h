// A real PostgreSQL for tests: Debian's server binaries, a fresh cluster in a
// temporary directory, listening only on a unix socket there, run as an
// unprivileged user (the `postgres` system account when the tests run as
// root, else the current user), stopped and removed on destruction.
//
// WS_TEST_POSTGRES=<conninfo> uses an existing server instead (nothing is
// started or removed).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace workspaced::store::testing {

class PostgresServer {
 public:
  // kUnavailable, with what failed and its output, when no server can start
  // (PostgreSQL not installed: bash scripts/setup.sh).
  // `own`: always start one, even with WS_TEST_POSTGRES set (tests that
  // stop and restart the server).
  static StatusOr<std::unique_ptr<PostgresServer>> Start(bool own = false);
  ~PostgresServer();

  // libpq connection string for the cluster's `postgres` database as its
  // superuser.
  const std::string& conninfo() const { return conninfo_; }
  // Creates a fresh database (each test its own) and returns its conninfo.
  StatusOr<std::string> CreateDatabase(const std::string& name);
  // Stops the server at once (like a crash) and starts it again on the same
  // data; for restart tests.
  Status Restart();
  Status Stop();
  Status StartAgain();

 private:
  PostgresServer() = default;
  Status Run(const std::string& command, std::string* output = nullptr) const;
  std::string dir_;  // empty with WS_TEST_POSTGRES
  std::string bin_;
  std::string as_user_;  // "runuser -u postgres -- " or ""
  std::string conninfo_;
};

// A connection string to a fresh, empty schema (search_path set to it) on the
// test server of this process — WS_TEST_POSTGRES, or one started on first
// use and stopped at exit. The schemas are dropped at exit (a normal one:
// a test process that crashes leaves its schemas to scripts/test.sh, which
// removes the whole server).
StatusOr<std::string> FreshPostgresSchema();

}  // namespace workspaced::store::testing
