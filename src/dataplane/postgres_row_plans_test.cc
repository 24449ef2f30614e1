// A page of a PostgreSQL dataplane's secrets or vault records reads from its
// key on through an index, in byte order, whatever the table holds: before,
// the byte order (COLLATE "C") had no index in a database whose collation
// is another, so every page sorted all the table's rows — of every
// workspace, in a shared cell. Proved on the plan PostgreSQL makes for the
// statement List runs, with the table filled and analysed: no sequential
// scan, no sort.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <random>
#include <string>

#include "dataplane/postgres_dataplane.h"
#include "dataplane/postgres_secret_rows.h"
#include "dataplane/postgres_vault_rows.h"
#include "store/testing/postgres_server.h"

namespace workspaced::dataplane {
namespace {

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

std::string Exec(PGconn* c, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql.c_str()), &PQclear);
  const auto st = PQresultStatus(r.get());
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQerrorMessage(c);
}

// The plan of `sql` with `params`, as text.
std::string Plan(PGconn* c, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  const std::string explain = "EXPLAIN " + sql;
  std::unique_ptr<PGresult, decltype(&PQclear)> r(
      PQexecParams(c, explain.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return std::string("error: ") + PQerrorMessage(c);
  std::string out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out += std::string(PQgetvalue(r.get(), i, 0)) + "\n";
  return out;
}

TEST(PostgresRowPlans, APageReadsFromItsKeyThroughAnIndex) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  {
    auto dp = NewPostgresDataplane(*conninfo);
    model::Workspace ws;
    ws.id = "0190a1b2-0000-7000-8000-00000000aaaa";
    ws.region = "eu-west-1";
    ws.tenancy_model = model::TenancyModel::kShared;
    ASSERT_TRUE(dp->Provision(ws).ok());  // the shared schema, its tables and indexes
  }
  // Workspace ids of this run only (the shared schema outlives a run).
  const std::string run = "run" + std::to_string(std::random_device{}()) + "-";
  Conn c(PQconnectdb(conninfo->c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  // Ten workspaces of 2,000 secrets and 2,000 vault fields each.
  ASSERT_EQ(Exec(c.get(),
                 "INSERT INTO shared.secret_versions SELECT '" + run +
                     "ws' || w, 'KEY_' || i, 1, '', '', "
                     "'s', false, false, 'op' || w || '-' || i, 1, 'alice' FROM generate_series(1, "
                     "10) w, generate_series(1, 2000) i"),
            "");
  ASSERT_EQ(
      Exec(c.get(),
           "INSERT INTO shared.vault_fields SELECT '" + run +
               "ws' || w, 'rec-' || i, 'email', "
               "'email', 'vtr_' || w || '_' || i, false, '****', 's', false, false, 'op' || w "
               "|| '-' || i, 1, 'alice' FROM generate_series(1, 10) w, generate_series(1, "
               "2000) i"),
      "");
  ASSERT_EQ(Exec(c.get(), "ANALYZE shared.secret_versions; ANALYZE shared.vault_fields"), "");

  // ws3's page after KEY_1500 (limit 100), and the sweep's page of pending
  // rows only (through an index of those alone).
  for (const char* pending : {"false", "true"}) {
    const std::string secrets =
        Plan(c.get(), postgres_secrets::ListSql("shared.secret_versions"),
             {run + "ws3", "", "false", "KEY_1500", "9223372036854775807", "100", pending});
    EXPECT_EQ(secrets.find("Seq Scan"), std::string::npos) << secrets;
    EXPECT_EQ(secrets.find("Sort"), std::string::npos) << secrets;
    EXPECT_NE(secrets.find(std::string(pending) == "true" ? "secret_versions_pending"
                                                          : "secret_versions_shown"),
              std::string::npos)
        << secrets;
    const std::string vault = Plan(c.get(), postgres_vault::ListSql("shared.vault_fields"),
                                   {run + "ws3", "", "false", "rec-1500", "~", "100", pending});
    EXPECT_EQ(vault.find("Seq Scan"), std::string::npos) << vault;
    EXPECT_EQ(vault.find("Sort"), std::string::npos) << vault;
    EXPECT_NE(vault.find(std::string(pending) == "true" ? "vault_fields_pending"
                                                        : "vault_fields_by_record"),
              std::string::npos)
        << vault;
  }
  // A write's commit and discard find its rows by operation id through an
  // index (each was a scan of the table: 18 ms at 50,000 vault fields).
  for (const char* table : {"shared.secret_versions", "shared.vault_fields"}) {
    const std::string plan = Plan(
        c.get(),
        std::string("SELECT 1 FROM ") + table + " WHERE workspace_id = $1 AND operation_id = $2",
        {run + "ws3", "op3-1500"});
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
    EXPECT_NE(plan.find("_operation"), std::string::npos) << plan;
  }
}

// The indexes of earlier releases that nothing reads any more go when a
// process first uses the schema (each write paid for them).
TEST(PostgresRowPlans, IndexesNothingReadsAreDroppedFromASchemaOfAnEarlierRelease) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  // A dedicated workspace of this run: its own schema (the shared one is
  // read by other tests' plans at the same time, which an old index would
  // change).
  const std::string suffix = std::to_string(std::random_device{}() % 1'000'000'000'000ULL);
  model::Workspace ws;
  ws.id = "0190a1b2-0000-7000-8000-" + std::string(12 - suffix.size(), '0') + suffix;
  ws.region = "eu-west-1";
  ws.tenancy_model = model::TenancyModel::kDedicated;
  std::string schema = "ws_";
  for (const char ch : ws.id) schema.push_back(ch == '-' ? '_' : ch);
  ASSERT_TRUE(NewPostgresDataplane(*conninfo)->Provision(ws).ok());
  Conn c(PQconnectdb(conninfo->c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  // As the releases before left them.
  ASSERT_EQ(Exec(c.get(), "CREATE INDEX IF NOT EXISTS secret_versions_by_name ON " + schema +
                              ".secret_versions (workspace_id, name COLLATE \"C\", version); "
                              "CREATE INDEX IF NOT EXISTS vault_fields_token ON " +
                              schema + ".vault_fields (workspace_id, token)"),
            "");
  ASSERT_TRUE(NewPostgresDataplane(*conninfo)->Provision(ws).ok());  // a new process
  std::unique_ptr<PGresult, decltype(&PQclear)> r(
      PQexec(c.get(), ("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema +
                       "' AND indexname IN ('secret_versions_by_name', 'vault_fields_token')")
                          .c_str()),
      &PQclear);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(c.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "0");
  EXPECT_EQ(Exec(c.get(), "DROP SCHEMA " + schema + " CASCADE"), "");
}

}  // namespace
}  // namespace workspaced::dataplane
