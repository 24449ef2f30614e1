// The vault's side of the pillar protocol (docs/pillars.md) with time
// injected, on every store backend: a write that died after step 1 stays
// hidden, is aborted once older than kPendingBound (and its late step 2
// then fails), and one whose step 2 committed is applied by the sweep.
#include "domain/vault.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "common/base64url.h"
#include "crypto/aead.h"
#include "dataplane/sqlite_dataplane.h"
#include "domain/domain_test_fixture.h"
#include "domain/secrets.h"

namespace workspaced::domain::testing {
namespace {

class VaultProtocol : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    ASSERT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(ws_model_, tx.GetWorkspace(ws_));
                      return Status::Ok();
                    })
                    .ok());
    const Status provisioned = dataplane_->Provision(ws_model_);
    ASSERT_TRUE(provisioned.ok()) << provisioned.message();
    std::filesystem::create_directories(dir_.path() / "keys");
    auto keys = DataKeys::Open(
        [&] {
          return crypto::KeyRing::InDirectory((dir_.path() / "keys").string(), *random_, clock_);
        },
        *store_, manual_, *random_);
    ASSERT_TRUE(keys.ok()) << keys.status().message();
    keys_ = std::move(*keys);
    ASSERT_TRUE(
        keys_->ForWorkspace(ws_, /*create=*/true).ok());  // the sweep walks keyed workspaces
    audit_ = std::make_unique<AuditGroupCommit>(*store_, failpoints_);
    vault_ = std::make_unique<Vault>(
        VaultDeps{*store_, *dataplane_, *keys_, manual_, *random_, *audit_, failpoints_});
  }
  // Step 1 only, as a process that died right after it leaves it.
  std::string PendingRecord() {
    const std::string op = NewUuidV7(*random_, manual_);
    dataplane::VaultRow r;
    r.record_id = NewUuidV7(*random_, manual_);
    r.field = "note";
    r.type = "text";
    r.token = "vtr_AAAAAAAAAAAAAAAAAAAAAA";
    r.mask = "********";
    r.operation_id = op;
    r.created_at = manual_.Now();
    r.created_by = "alice";
    EXPECT_TRUE(dataplane_->AddPendingVaultRows(ws_model_, {r}).ok());
    return op;
  }
  std::optional<bool> Outcome(const std::string& op) {
    std::optional<bool> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(out, tx.GetPillarOperation(op));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }
  std::size_t Records() { return vault_->ListPage(ws_, "", 100)->records.size(); }
  std::size_t RawRows() { return dataplane_->ListVaultRows(ws_model_, {})->size(); }

  ManualClock manual_;
  std::unique_ptr<dataplane::Dataplane> dataplane_ =
      dataplane::NewSqliteDataplane((dir_.path() / "dataplanes").string());
  std::unique_ptr<DataKeys> keys_;
  std::unique_ptr<AuditGroupCommit> audit_;
  std::unique_ptr<Vault> vault_;
  model::Workspace ws_model_;
};

TEST_P(VaultProtocol, AWriteThatDiedAfterItsPendingRowsIsHiddenThenAbortedAfterTheBound) {
  const std::string op = PendingRecord();
  EXPECT_EQ(Records(), 0u);
  EXPECT_EQ(RawRows(), 1u);  // young: its writer may still be in step 2
  EXPECT_FALSE(Outcome(op).has_value());
  manual_.Advance(kPendingBound + 1);
  EXPECT_EQ(Records(), 0u);
  EXPECT_EQ(Outcome(op), std::optional<bool>(false));  // aborted first: recorded
  EXPECT_EQ(RawRows(), 0u);
  // The late writer's step 2 now fails on the recorded outcome: 503, retry.
  PillarProtocol protocol(*store_, manual_, failpoints_, "vault");
  model::AuditEvent e =
      AuditEventBy(alice_, manual_.Now(), "vault.record.create", "vault_record", "r", ws_);
  const Status late = protocol.Finish(
      ws_model_, op, e, [](store::Tx&, const model::Workspace&) { return Status::Ok(); },
      [](std::string_view) { return Status::Ok(); }, [](std::string_view) { return Status::Ok(); });
  EXPECT_EQ(late.code(), Code::kUnavailable) << late.message();
}

TEST_P(VaultProtocol, ACommittedWriteLeftPendingIsAppliedByTheSweep) {
  const std::string op = PendingRecord();
  const std::string young = PendingRecord();
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) {
                    return tx.RecordPillarOperation(op, ws_, true, manual_.Now());
                  })
                  .ok());
  manual_.Advance(kPendingBound + 1);
  const std::string fresh = PendingRecord();  // younger than the bound: left alone
  EXPECT_EQ(*vault_->SweepPending(), 2);      // op applied, `young` aborted
  EXPECT_EQ(Outcome(young), std::optional<bool>(false));
  EXPECT_FALSE(Outcome(fresh).has_value());
  const auto rows = *dataplane_->ListVaultRows(ws_model_, {});
  ASSERT_EQ(rows.size(), 2u);
  std::size_t committed = 0;
  for (const auto& r : rows) committed += r.pending ? 0 : 1;
  EXPECT_EQ(committed, 1u);
  EXPECT_EQ(Records(), 1u);
}

// The sweep reads pending rows a page (500) at a time: more than two pages
// of dead writes are all aborted in one sweep, and committed rows are never
// read by it.
TEST_P(VaultProtocol, TheSweepResolvesMorePendingWritesThanAPageHolds) {
  constexpr int kDead = 1100;
  for (int i = 0; i < kDead; ++i) PendingRecord();
  manual_.Advance(kPendingBound + 1);
  EXPECT_EQ(*vault_->SweepPending(), kDead);
  EXPECT_EQ(RawRows(), 0u);
  EXPECT_EQ(*vault_->SweepPending(), 0);
}

// A page's read of rows (enough for limit + 1 whole records) can stop
// inside a record when rows it does not show fill it (writes in flight, or
// left by a crash until the sweep): that record is never shown in part, and
// the next page shows it whole.
TEST_P(VaultProtocol, ARecordCutByAPagesReadIsShownWholeOnTheNextPage) {
  // limit 1 reads 2 × 33 rows: 54 pending records' rows, then 12 of the
  // live record's 32.
  for (int i = 0; i < 54; ++i) PendingRecord();
  manual_.Advance(1000);  // record ids sort in creation order
  VaultWrite w;
  for (int i = 0; i < 32; ++i)
    w.fields.push_back({.name = "f" + std::to_string(100 + i), .type = "text", .value = "v"});
  const StatusOr<VaultRecordInfo> live = vault_->Create(alice_, ws_, w);
  ASSERT_TRUE(live.ok()) << live.status().message();
  const StatusOr<VaultPage> first = vault_->ListPage(ws_, "", 1);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->records.empty());
  ASSERT_TRUE(first->next.has_value());
  const StatusOr<VaultPage> second = vault_->ListPage(ws_, *first->next, 1);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_EQ(second->records.size(), 1u);
  EXPECT_EQ(second->records[0].id, live->id);
  EXPECT_EQ(second->records[0].fields.size(), 32u);
  EXPECT_FALSE(second->next.has_value());
}

// A row's token is bound to its value (AAD): tokens swapped between two
// rows in the dataplane (by someone who can write its file) make a
// detokenize fail, never answer one token with the other's value. A value
// sealed before the token was bound (AAD without it) still opens.
TEST_P(VaultProtocol, ATokenAnswersOnlyTheValueSealedForItAndOldValuesStillOpen) {
  const auto create = [&](const std::string& value) {
    VaultWrite w;
    w.fields.push_back({.name = "card", .type = "card_number", .value = value});
    const StatusOr<VaultRecordInfo> made = vault_->Create(alice_, ws_, w);
    EXPECT_TRUE(made.ok()) << made.status().message();
    return made.ok() ? made->fields.at(0).token : std::string();
  };
  const std::string a = create("4111 1111 1111 1111"), b = create("5555 5555 5555 4444");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  // The value answered, or "!" and why none was.
  const auto detokenize = [&](const std::string& token) -> std::string {
    StatusOr<Detokenization> d = vault_->Detokenize(alice_, ws_, {token}, true);
    if (!d.ok()) return "!" + d.status().message();
    if (const Status audited = std::move(d->audit).Wait(); !audited.ok())
      return "!" + audited.message();
    return d->answers.at(0).value.value_or("!no value");
  };
  ASSERT_EQ(detokenize(b), "5555555555554444");  // a card number is kept without spaces

  const std::filesystem::path region = dir_.path() / "dataplanes" / ws_model_.region;
  std::filesystem::path file = region / (ws_ + ".db");
  if (!std::filesystem::exists(file)) file = region / "shared.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const auto exec = [&](const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
  };
  exec("UPDATE vault_fields SET token = CASE token WHEN '" + a + "' THEN '" + b + "' ELSE '" + a +
       "' END WHERE token IN ('" + a + "', '" + b + "')");
  const std::string swapped = detokenize(b);  // now the row sealed for a
  EXPECT_EQ(swapped.rfind("!", 0), 0u) << "token b answered " << swapped;
  EXPECT_NE(swapped.find("does not open"), std::string::npos) << swapped;
  EXPECT_EQ(detokenize(a).rfind("!", 0), 0u);
  exec("UPDATE vault_fields SET token = CASE token WHEN '" + a + "' THEN '" + b + "' ELSE '" + a +
       "' END WHERE token IN ('" + a + "', '" + b + "')");
  ASSERT_EQ(detokenize(a), "4111111111111111");

  // As a value of an earlier release was sealed: AAD vault\0ws\0record\0field.
  const StatusOr<crypto::Key> key = keys_->ForWorkspace(ws_, /*create=*/false);
  ASSERT_TRUE(key.ok()) << key.status().message();
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(
                db, ("SELECT record_id FROM vault_fields WHERE token = '" + a + "'").c_str(), -1,
                &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const std::string record(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  std::string legacy_aad = "vault";
  for (const std::string& part : {ws_, record, std::string("card")}) {
    legacy_aad.push_back('\0');
    legacy_aad += part;
  }
  exec("UPDATE vault_fields SET sealed = '" +
       Base64UrlEncode(crypto::Seal(*key, legacy_aad, "4000 0000 0000 0002", *random_)) +
       "' WHERE token = '" + a + "'");
  EXPECT_EQ(detokenize(a), "4000 0000 0000 0002");
  sqlite3_close(db);
}

INSTANTIATE_TEST_SUITE_P(Backends, VaultProtocol,
                         ::testing::ValuesIn(store::testing::Backends(/*pool_size=*/8)),
                         store::testing::BackendName);

}  // namespace
}  // namespace workspaced::domain::testing
