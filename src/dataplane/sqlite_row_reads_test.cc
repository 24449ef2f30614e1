// The embedded dataplane's pillar reads touch the rows they answer, not the
// workspace's others: a secret by name, a vault record by id and a
// detokenize by token read a handful of rows whatever else the store holds
// (each read used to walk every row after its key: SQLite plans a statement
// before its parameters are bound, and `?2 = '' OR name = ?2` used no
// index). Counted as SQLite's own virtual-machine steps of the statements
// the read ran, which grow with every row a statement visits. And a write
// that finds no space says so.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "dataplane/sqlite_connection_cache.h"
#include "dataplane/sqlite_secret_rows.h"
#include "dataplane/sqlite_vault_rows.h"

namespace workspaced::dataplane {
namespace {

constexpr char kWs[] = "0190a1b2-0000-7000-8000-000000000001";
constexpr int kOthers = 3000;  // rows of the same workspace the reads must pass by

class RowReads : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    conn_ = std::make_unique<Connection>(db);
    ASSERT_TRUE(sqlite_secrets::EnsureTable(db).ok());
    ASSERT_TRUE(sqlite_vault::EnsureTable(db).ok());
  }

  // VM steps of every statement on the connection since the last call.
  int Steps() {
    int total = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(conn_->db(), nullptr); s != nullptr;
         s = sqlite3_next_stmt(conn_->db(), s))
      total += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, /*reset=*/1);
    return total;
  }

  void Sql(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(conn_->db(), sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "");
  }

  // A committed vault field, as AddPending and Commit leave it.
  void Field(const std::string& record, const std::string& field, const std::string& token,
             bool pending = false) {
    VaultRow r;
    r.record_id = record;
    r.field = field;
    r.type = "email";
    r.token = token;
    r.deterministic = true;
    r.mask = "****";
    r.sealed = "sealed";
    r.operation_id = "op-" + record;
    r.created_at = 1;
    r.created_by = "alice";
    ASSERT_TRUE(sqlite_vault::AddPending(*conn_, kWs, {r}).ok());
    if (!pending) {
      ASSERT_TRUE(sqlite_vault::Commit(*conn_, kWs, r.operation_id).ok());
    }
  }

  std::unique_ptr<Connection> conn_;
};

std::string Id(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190a1b2-0000-7000-8000-%012d", i);
  return buf;
}

TEST_F(RowReads, ASecretByNameReadsItsOwnVersionsOnly) {
  Sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(kOthers) + ") INSERT INTO secret_versions SELECT '" + kWs +
      "', printf('Z_%05d', i), 1, '', '', 'sealed', 0, 0, 'op' || i, 1, 'alice' FROM n");
  Sql(std::string("INSERT INTO secret_versions VALUES ('") + kWs +
      "', 'A_KEY', 1, '', '', 'v1', 0, 0, 'opA1', 1, 'alice'), ('" + kWs +
      "', 'A_KEY', 2, '', '', 'v2', 0, 0, 'opA2', 1, 'alice')");
  Steps();
  const auto rows = sqlite_secrets::List(*conn_, kWs, {.name = "A_KEY", .with_values = true});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_EQ((*rows)[1].sealed, "v2");
  EXPECT_LT(Steps(), 200) << "a reveal walked the workspace's other secrets";
  // The sweep's page of pending rows reads those alone (once a minute, for
  // every workspace).
  Sql(std::string("INSERT INTO secret_versions VALUES ('") + kWs +
      "', 'M_KEY', 1, '', '', 'v1', 1, 0, 'opM1', 1, 'alice')");
  Steps();
  const auto pending = sqlite_secrets::List(*conn_, kWs, {.limit = 500, .pending_only = true});
  ASSERT_TRUE(pending.ok()) << pending.status().message();
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ(pending->front().name, "M_KEY");
  EXPECT_LT(Steps(), 200) << "the sweep walked the workspace's committed secrets";
  // A page still reads from its key on, bounded by its limit.
  const auto page =
      sqlite_secrets::List(*conn_, kWs, {.after_name = "Z_00100", .after_version = 1, .limit = 10});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 10U);
  EXPECT_EQ(page->front().name, "Z_00101");
  EXPECT_LT(Steps(), 400);
}

// A deleted name keeps its committed tombstone (its high-water mark), so a
// loop of PUT and DELETE leaves any number of them: a page passes them by
// without reading them (outside audit: a page of 1 after 9,999 deleted
// names took 11 ms).
TEST_F(RowReads, APageOfSecretsPassesDeletedNamesBy) {
  Sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(kOthers) + ") INSERT INTO secret_versions SELECT '" + kWs +
      "', printf('D_%05d', i), 2, '', '', '', 0, 1, 'op' || i, 1, 'alice' FROM n");
  Sql(std::string("INSERT INTO secret_versions VALUES ('") + kWs +
      "', 'Z_LIVE', 1, '', '', 'v1', 0, 0, 'opZ', 1, 'alice')");
  Steps();
  const auto page =
      sqlite_secrets::List(*conn_, kWs, {.after_name = "A", .after_version = 1, .limit = 1});
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->size(), 1U);
  EXPECT_EQ(page->front().name, "Z_LIVE");
  EXPECT_LT(Steps(), 200) << "a page walked the deleted names' tombstones";
}

TEST_F(RowReads, AVaultRecordAndATokenReadTheirOwnRowsOnly) {
  for (int i = 0; i < kOthers; ++i) Field(Id(i + 100), "email", "vtd_other" + std::to_string(i));
  Field(Id(5), "email", "vtd_mine");
  Field(Id(5), "card", "vtr_card");
  Steps();

  const auto record = sqlite_vault::List(*conn_, kWs, {.record_id = Id(5)});
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->size(), 2U);
  EXPECT_LT(Steps(), 200) << "a record's read walked the workspace's other records";

  Field(Id(7), "email", "vtd_in_flight", /*pending=*/true);
  Steps();
  const auto pending = sqlite_vault::List(*conn_, kWs, {.limit = 500, .pending_only = true});
  ASSERT_TRUE(pending.ok()) << pending.status().message();
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ(pending->front().record_id, Id(7));
  EXPECT_LT(Steps(), 200) << "the sweep walked the workspace's committed records";

  const auto tokens =
      sqlite_vault::List(*conn_, kWs, {.tokens = {"vtd_mine", "vtr_card"}, .with_values = true});
  ASSERT_TRUE(tokens.ok()) << tokens.status().message();
  ASSERT_EQ(tokens->size(), 2U);
  EXPECT_EQ((*tokens)[0].field, "card");  // record order, as a record's read
  EXPECT_EQ((*tokens)[1].token, "vtd_mine");
  EXPECT_EQ((*tokens)[1].sealed, "sealed");
  EXPECT_LT(Steps(), 200) << "a detokenize walked the workspace's other records";
}

TEST_F(RowReads, ADeterministicTokenSharedByManyRecordsReadsUpToItsFirstCommittedRow) {
  Field(Id(1), "email", "vtd_shared", /*pending=*/true);  // in flight, ordered first
  for (int i = 0; i < kOthers; ++i) Field(Id(i + 10), "email", "vtd_shared");
  Steps();
  const auto rows = sqlite_vault::List(*conn_, kWs, {.tokens = {"vtd_shared"}});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  // The pending row (the domain resolves it) and the first committed one.
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_TRUE((*rows)[0].pending);
  EXPECT_EQ((*rows)[0].record_id, Id(1));
  EXPECT_FALSE((*rows)[1].pending);
  EXPECT_EQ((*rows)[1].record_id, Id(10));
  EXPECT_LT(Steps(), 200) << "one token read every record sharing it";
}

}  // namespace
}  // namespace workspaced::dataplane

namespace workspaced::dataplane {
namespace {

// A pillar write that finds no space (SQLITE_FULL; here a page limit,
// which SQLite reports as it does a full disk) is the storage's full disk,
// waited for with Retry-After 30, not a failed dataplane retried in a
// second (outside audit, on a full tmpfs).
TEST_F(RowReads, AWriteThatFindsNoSpaceIsStorageFull) {
  Sql("PRAGMA max_page_count = " + std::to_string([&] {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(conn_->db(), "PRAGMA page_count", -1, &s, nullptr);
        sqlite3_step(s);
        const int pages = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        return pages;
      }()));
  Status last;
  for (int i = 0; i < 100 && last.ok(); ++i) {
    SecretRow row;
    row.name = "KEY_" + std::to_string(i);
    row.operation_id = "op" + std::to_string(i);
    row.created_by = "alice";
    last = sqlite_secrets::AddPending(*conn_, kWs, row, [](std::int64_t) {
             return std::string(8192, 's');
           }).status();
  }
  ASSERT_FALSE(last.ok()) << "the page limit was never met";
  EXPECT_EQ(last.code(), Code::kUnavailable) << last.message();
  EXPECT_EQ(last.cause(), Cause::kStorageFull) << last.message();
}

}  // namespace
}  // namespace workspaced::dataplane
