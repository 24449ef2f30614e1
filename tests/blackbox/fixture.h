// Shared set-up for black-box tests: a running server plus a seeder that
// writes rows through the storage interface into the server's own database
// (until the create endpoints exist, this is how tests make data).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "app/bootstrap.h"
#include "common/random.h"
#include "model/model.h"
#include "model/relationships.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace workspaced::testing {

class Seeder {
 public:
  explicit Seeder(const std::string& data_dir) : random_(NewSecureRandom()) {
    // The server's database: PostgreSQL when it runs there (server_process.h).
    const std::string database = BlackboxDatabase(data_dir);
    store::SqliteOptions o;
    o.path = data_dir + "/" + app::kDatabaseFile;
    auto s = database.empty() ? store::OpenSqliteStore(o)
                              : store::OpenPostgresStore({.conninfo = database, .pool_size = 2});
    if (!s.ok()) throw std::runtime_error("open store: " + s.status().message());
    store_ = std::move(s).value();
    on_postgres_ = !database.empty();
  }

  std::string Account(const std::string& name, const std::string& admin) {
    // The rows and, as every account is created with one, its
    // account.create event (audit verify expects it).
    const model::Account a{NewUuidV7(*random_, clock_), name, clock_.Now()};
    Written(store_->Write([&](store::Tx& tx) -> Status {
      WS_RETURN_IF_ERROR(tx.InsertAccount(a));
      WS_RETURN_IF_ERROR(
          tx.PutAccountMember({a.id, admin, model::AccountRole::kAdmin, a.created_at}));
      model::AuditEvent created;
      created.time = a.created_at;
      created.actor = admin;
      created.actor_auth = "cli";
      created.action = "account.create";
      created.target_type = "account";
      created.target_id = a.id;
      created.outcome = "success";
      created.details = boost::json::serialize(boost::json::object{{"name", name}});
      return tx.AppendAudit(created);
    }));
    return a.id;
  }

  // The identity providers the account trusts (before its workspaces are
  // seeded: their mapping relationships follow the account's issuers).
  void TrustIssuers(const std::string& account, std::vector<model::TrustedIssuer> issuers) {
    Written(store_->Write([&](store::Tx& tx) { return tx.SetTrustedIssuers(account, issuers); }));
  }

  // `n` member.put events on the workspace's audit chain, written through
  // the store (the hash chain is real), each with `details` (a JSON object).
  void AuditEvents(const std::string& ws, int n, const std::string& details) {
    Written(store_->Write([&](store::Tx& tx) -> Status {
      for (int i = 0; i < n; ++i) {
        model::AuditEvent e;
        e.time = 1'700'000'000'000'000 + i;
        e.actor = "alice";
        e.actor_auth = "dev";
        e.action = "member.put";
        e.target_type = "workspace_member";
        e.target_id = "m" + std::to_string(i);
        e.workspace_id = ws;
        e.outcome = "success";
        e.details = details;
        WS_RETURN_IF_ERROR(tx.AppendAudit(e));
      }
      return Status::Ok();
    }));
  }

  void AccountMember(const std::string& account, const std::string& subject,
                     model::AccountRole role) {
    Written(store_->Write([&](store::Tx& tx) {
      return tx.PutAccountMember({account, subject, role, clock_.Now()});
    }));
  }

  std::string Workspace(const std::string& account, const std::string& name,
                        std::vector<model::GroupMapping> groups = {}) {
    model::Workspace ws;
    ws.id = NewUuidV7(*random_, clock_);
    ws.account_id = account;
    ws.name = name;
    ws.slug = Slug(name) + "-" + ws.id.substr(30);
    ws.status = model::WorkspaceStatus::kActive;
    ws.phase = model::ProvisioningPhase::kReady;
    ws.region = "us-east-1";
    ws.created_at = ws.updated_at = clock_.Now();
    ws.created_by = ws.updated_by = "seeder";
    ws.labels = {{"team", "platform"}};
    ws.group_mappings = std::move(groups);
    ws.runtime_generation = "mk3";
    Written(store_->Write([&](store::Tx& tx) -> Status {
      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
      std::vector<model::Environment> envs;
      for (const char* env : {"dev", "staging", "prod"}) {
        envs.push_back({NewUuidV7(*random_, clock_), ws.id, env, clock_.Now()});
        WS_RETURN_IF_ERROR(tx.InsertEnvironment(envs.back()));
      }
      // What the saga's write_relationships step writes for a ready workspace.
      WS_ASSIGN_OR_RETURN(const model::Account owner, tx.GetAccount(account));
      WS_RETURN_IF_ERROR(tx.TouchRelationships(
          model::WorkspaceRelationships(ws, envs, owner.trusted_issuers)));
      // Every workspace starts its audit chain as it is created (a workspace
      // without events is one whose chain was removed: audit verify).
      model::AuditEvent created;
      created.time = ws.created_at;
      created.actor = ws.created_by;
      created.actor_auth = "system";
      created.action = "workspace.create";
      created.target_type = "workspace";
      created.target_id = ws.id;
      created.workspace_id = ws.id;
      created.outcome = "success";
      created.details = boost::json::serialize(boost::json::object{{"name", ws.name}});
      return tx.AppendAudit(created);
    }));
    return ws.id;
  }

  void Member(const std::string& ws, const std::string& subject, model::WorkspaceRole role) {
    Written(store_->Write([&](store::Tx& tx) {
      return tx.PutWorkspaceMember({ws, subject, role, clock_.Now()});
    }));
  }

  // The server's own store, for rows no endpoint writes in bulk.
  store::Store& store() { return *store_; }

  std::string DefaultAccount() {
    std::string id;
    Check(store_->Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(auto v, tx.GetMeta("default_account_id"));
      id = v.value_or("");
      return Status::Ok();
    }));
    return id;
  }

 private:
  static std::string Slug(const std::string& name) {
    std::string s;
    for (char c : name)
      s.push_back(std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c))
                                                              : '-');
    return s;
  }
  static void Check(const Status& s) {
    if (!s.ok()) throw std::runtime_error("seed: " + s.message());
  }
  // A seeded write is another process's commit to the server: on PostgreSQL
  // it learns of it by notification, within milliseconds
  // (docs/postgresql.md, Freshness), so the test waits that long before its
  // next request — as a client of two replicas would.
  void Written(const Status& s) {
    Check(s);
    if (on_postgres_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  SystemClock clock_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<store::Store> store_;
  bool on_postgres_ = false;
};

// Parses a JSON body; fails the test on malformed JSON.
inline boost::json::value Json(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  return v;
}

// Asserts the RFC 9457 shape of an error response.
inline void ExpectProblem(const HttpResponse& r, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << r.body;
  auto v = Json(r.body);
  ASSERT_TRUE(v.is_object()) << r.body;
  auto& o = v.as_object();
  EXPECT_TRUE(o.contains("type") && o.at("type").is_string()) << r.body;
  EXPECT_TRUE(o.contains("title") && o.at("title").is_string()) << r.body;
  EXPECT_TRUE(o.contains("detail") && o.at("detail").is_string()) << r.body;
  ASSERT_TRUE(o.contains("status")) << r.body;
  EXPECT_EQ(o.at("status").as_int64(), status);
  ASSERT_TRUE(o.contains("instance")) << r.body;
  EXPECT_EQ(o.at("instance").as_string(), r.Header("X-Request-Id"));
}

}  // namespace workspaced::testing
