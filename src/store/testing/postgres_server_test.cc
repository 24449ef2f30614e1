// The test PostgreSQL starts, serves queries over libpq, survives an
// immediate stop and start, and is gone afterwards.
#include "store/testing/postgres_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>

namespace workspaced::store::testing {
namespace {

std::string Query(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) out = PQgetvalue(r, 0, 0);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) out = "ok";
    PQclear(r);
  } else {
    out = std::string("connect: ") + PQerrorMessage(c);
  }
  PQfinish(c);
  return out;
}

TEST(PostgresServer, StartsServesRestartsAndCleansUp) {
  auto pg = PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  EXPECT_EQ(Query((*pg)->conninfo(), "SELECT 1 + 1"), "2");
  auto db = (*pg)->CreateDatabase("suite_one");
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_EQ(Query(*db, "CREATE TABLE t (v int)"), "ok");
  EXPECT_EQ(Query(*db, "INSERT INTO t VALUES (7)"), "ok");
  ASSERT_TRUE((*pg)->Restart().ok());
  EXPECT_EQ(Query(*db, "SELECT v FROM t"), "7");
  ASSERT_TRUE((*pg)->Stop().ok());
  EXPECT_EQ(Query(*db, "SELECT 1").rfind("connect:", 0), 0u);  // down means down
  ASSERT_TRUE((*pg)->StartAgain().ok());
  EXPECT_EQ(Query(*db, "SELECT 1"), "1");
  const std::string dir = (*pg)->conninfo().substr(5, (*pg)->conninfo().find(' ') - 5);
  pg->reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace workspaced::store::testing
