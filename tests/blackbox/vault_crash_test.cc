// The data vault through crashes (docs/vault.md, docs/pillars.md): at each
// point of the pillar protocol, during a delete, and before a detokenize's
// audit commit; the quota under concurrent creators. Runs on SQLite and on
// PostgreSQL.
#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/vault_fixture.h"

namespace workspaced::testing {
namespace {

// The process dies after step 1: nothing acknowledged, audited or shown.
TEST_F(Vault, ACrashBeforeTheControlPlaneTransactionShowsNothingUnaudited) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "vault_after_pending=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    const HttpResponse r = Create(RecordBody());
    ADD_FAILURE() << "answered " << r.status << " " << r.body;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Json(Call("GET", "/vault/records", "alice").body).as_object().at("records").as_array().size(), 0u);
  EXPECT_EQ(Events("vault.record.create"), 0);
  EXPECT_EQ(Create(RecordBody()).status, 201);
}

// The process dies after step 2: the record is committed, audited and shown.
TEST_F(Vault, ACrashAfterTheControlPlaneTransactionLosesNothing) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "vault_after_commit_record=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    (void)Create(RecordBody());
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("vault.record.create"), 1);
  const HttpResponse list = Call("GET", "/vault/records", "alice");
  const boost::json::value doc = Json(list.body);
  const auto& records = doc.at("records").as_array();
  ASSERT_EQ(records.size(), 1u) << list.body;
  const std::string token(records[0].at("fields").at("note").at("token").as_string());
  const HttpResponse r = Detokenize({token}, "alice");
  EXPECT_EQ(Json(r.body).as_object().at("results").as_array()[0].at("value").as_string(), kNote);
}

// A crash during a delete: before step 2 the record stays; after it, it is gone.
TEST_F(Vault, ACrashDuringADeleteEndsEitherBeforeOrAfterIt) {
  for (const std::string point : {"vault_after_pending", "vault_after_commit_record"}) {
    SCOPED_TRACE(point);
    account_.clear();
    ws_.clear();
    StartOn();
    CreateWorkspace();
    const HttpResponse created = Create(RecordBody());
    ASSERT_EQ(created.status, 201);
    const std::string id(Json(created.body).as_object().at("id").as_string());
    const std::string dir = server_->data_dir();
    EXPECT_EQ(server_->Stop(), 0);
    ServerProcess::Options crashing;
    crashing.data_dir = dir;
    crashing.config_json = Config();
    crashing.env["WORKSPACED_FAILPOINTS"] = point + "=crash";
    auto stopped = std::move(server_);
    StartOn(crashing);
    try {
      (void)Call("DELETE", "/vault/records/" + id, "alice");
    } catch (const std::exception&) {
    }
    EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
    ServerProcess::Options again;
    again.data_dir = dir;
    again.config_json = Config();
    auto dead = std::move(server_);
    StartOn(again);
    const bool deleted = point == "vault_after_commit_record";
    EXPECT_EQ(Events("vault.record.delete"), deleted ? 1 : 0);
    EXPECT_EQ(Call("GET", "/vault/records/" + id, "alice").status, deleted ? 404 : 200);
    server_.reset();
    stopped.reset();
    dead.reset();
  }
}

// The process dies in the detokenize's audit commit (the group commit a
// secret's reveal uses), before it commits: no value left and no
// detokenize is on the record; the chain verifies.
TEST_F(Vault, ACrashBeforeTheDetokenizesAuditCommitAnswersNothingAndRecordsNothing) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created = Create(RecordBody());
  ASSERT_EQ(created.status, 201);
  const std::string token = TokenOf(created, "note");
  const std::string dir = server_->data_dir();
  EXPECT_EQ(server_->Stop(), 0);
  ServerProcess::Options crashing;
  crashing.data_dir = dir;
  crashing.config_json = Config();
  crashing.env["WORKSPACED_FAILPOINTS"] = "audit_group_before_commit=crash";
  auto stopped = std::move(server_);
  StartOn(crashing);
  try {
    const HttpResponse r = Detokenize({token}, "alice");
    ADD_FAILURE() << "answered " << r.status;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  EXPECT_EQ(server_->Output().find("v4ult-VALUE"), std::string::npos);
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("vault.detokenize"), 0);
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// vault_records_per_workspace: of concurrent creators against a quota of 3
// (one record held), exactly 2 succeed — the count is kept in the
// transaction that commits each create — and a delete frees a place.
TEST_F(Vault, TheVaultQuotaHoldsUnderConcurrentCreators) {
  StartOn();
  CreateWorkspace();
  const HttpResponse held = Create(RecordBody());
  ASSERT_EQ(held.status, 201);
  const auto quotas = [&](const std::string& method, const std::string& body) {
    return CallAs(*c_, *server_, method, "/v1/accounts/" + account_ + "/quotas", "admin", body);
  };
  HttpResponse r = quotas("PUT", R"({"vault_records_per_workspace":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("vault_records_per_workspace")),
            R"({"allowed":3,"current":1})");
  constexpr int kWriters = 8;
  std::vector<int> statuses(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      HttpClient c(server_->port());
      statuses[i] = CallAs(c, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
                           RecordBody())
                        .status;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kWriters - 2);
  EXPECT_EQ(Json(Call("GET", "/vault/records", "alice").body).at("records").as_array().size(), 3u);
  r = Create(RecordBody());
  ExpectProblem(r, 409);
  const auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("type").as_string(), "urn:workspaced:problem:quota-exceeded") << r.body;
  EXPECT_EQ(o.at("limit").as_string(), "vault_records_per_workspace");
  EXPECT_EQ(o.at("allowed").as_int64(), 3);
  EXPECT_EQ(o.at("current").as_int64(), 3);
  for (const char* v : {kCardDigits, kEmail, kNote}) EXPECT_EQ(r.body.find(v), std::string::npos);
  const std::string id(Json(held.body).as_object().at("id").as_string());
  ASSERT_EQ(Call("DELETE", "/vault/records/" + id, "alice").status, 204);
  EXPECT_EQ(Create(RecordBody()).status, 201);
  EXPECT_EQ(Events("vault.record.create"), 1 + 2 + 1);
  r = quotas("GET", "");
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("vault_records_per_workspace")),
            R"({"allowed":3,"current":3})");
}

}  // namespace
}  // namespace workspaced::testing
