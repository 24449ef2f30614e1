// The store backends that backend-neutral tests run against, once each:
// SQLite in the test's directory, and a real PostgreSQL (WS_TEST_POSTGRES,
// which scripts/test.sh starts for the whole run, else one started for this
// process), each store in a fresh schema of its own. Link ws_store and
// ws_postgres_testing.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "store/testing/postgres_server.h"

namespace workspaced::store::testing {

struct Backend {
  std::string name;
  // Opens an empty, unmigrated store keeping its files under `dir`; nullptr
  // (with a test failure saying why) when it cannot.
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
};

// What GoogleTest prints for the parameter (else 64 bytes of hex in every
// test's name).
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

// `pool_size`: PostgreSQL connections (tests that write from many threads
// want more).
inline std::vector<Backend> Backends(int pool_size = 4) {
  return {
      {"Sqlite",
       [](const std::string& dir) -> std::unique_ptr<Store> {
         auto store = OpenSqliteStore({.path = dir + "/store.db"});
         EXPECT_TRUE(store.ok()) << store.status().message();
         return store.ok() ? std::move(store).value() : nullptr;
       }},
      {"Postgres",
       [pool_size](const std::string&) -> std::unique_ptr<Store> {
         auto conninfo = FreshPostgresSchema();
         EXPECT_TRUE(conninfo.ok()) << conninfo.status().message();
         if (!conninfo.ok()) return nullptr;
         auto store = OpenPostgresStore({.conninfo = *conninfo, .pool_size = pool_size});
         EXPECT_TRUE(store.ok()) << store.status().message();
         return store.ok() ? std::move(store).value() : nullptr;
       }},
  };
}

// For INSTANTIATE_TEST_SUITE_P: tests named after the backend.
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace workspaced::store::testing
