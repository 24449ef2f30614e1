// The outbox relay against the real SpiceDB engine and a real SQLite file.
#include "spicedb/relay.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include "authz/schema_authorizer.h"
#include "model/relationships.h"
#include "spicedb/embedded.h"
#include "spicedb/outbox_pruner.h"
#include "spicedb/reconcile.h"
#include "store/sqlite_store.h"

namespace workspaced::spicedb {
namespace {

// authz/schema.zed, byte for byte as compiled in.
std::string SchemaText() { return std::string(authz::EmbeddedSchemaText()); }

// SpiceDB out of reach, simulated in front of the real engine: while `down`
// every call fails as an unreachable server's would.
class Unreachable final : public Client {
 public:
  explicit Unreachable(Client& real) : real_(real) {}
  Status WriteSchema(std::string_view s) override {
    if (down) return Unavailable("connection refused");
    return real_.WriteSchema(s);
  }
  StatusOr<std::string> Write(const std::vector<Update>& u) override {
    if (down) return Unavailable("connection refused");
    return real_.Write(u);
  }
  StatusOr<bool> Check(std::string_view t, std::string_view i, std::string_view p,
                       const Subject& s) override {
    return real_.Check(t, i, p, s);
  }
  Status ReadRelationships(std::string_view type,
                           FunctionRef<bool(const model::Relationship&)> fn) override {
    if (down) return Unavailable("connection refused");
    return real_.ReadRelationships(type, fn);
  }
  Status LookupResources(std::string_view type, std::string_view permission, const Subject& s,
                         FunctionRef<bool(const std::string&)> fn) override {
    if (down) return Unavailable("connection refused");
    return real_.LookupResources(type, permission, s, fn);
  }
  std::atomic<bool> down = false;

 private:
  Client& real_;
};

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ws-relay-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::OpenSqliteStore({.path = (dir_ / "db.sqlite").string()})).value();
    ASSERT_TRUE(store_->Migrate().ok());
    auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
    ASSERT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::move(*engine);
    link_ = std::make_unique<Unreachable>(*engine_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Relay> MakeRelay(const std::string& owner, int batch = 1000) {
    RelayOptions o;
    o.owner = owner;
    o.batch = batch;
    o.types = {"platform", "account", "workspace", "environment", "group", "user"};
    return std::make_unique<Relay>(o, *store_, *link_, clock_, SchemaText());
  }
  void Write(const std::vector<model::Relationship>& touch,
             const std::vector<model::Relationship>& remove = {}) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      if (!touch.empty()) WS_RETURN_IF_ERROR(tx.TouchRelationships(touch));
                      if (!remove.empty()) WS_RETURN_IF_ERROR(tx.DeleteRelationships(remove));
                      return Status::Ok();
                    })
                    .ok());
  }
  std::int64_t Depth() {
    std::int64_t d = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(d, tx.OutboxDepth());
                      return Status::Ok();
                    })
                    .ok());
    return d;
  }
  bool SpiceDbSays(const std::string& ws, const std::string& perm, const std::string& user) {
    auto r = engine_->Check("workspace", ws, perm, {"user", user, ""});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && *r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::set<model::Relationship> InSpiceDb() {
    std::set<model::Relationship> out;
    for (const char* type : {"platform", "account", "workspace", "environment", "group"}) {
      EXPECT_TRUE(engine_
                      ->ReadRelationships(type,
                                          [&](const model::Relationship& r) {
                                            out.insert(r);
                                            return true;
                                          })
                      .ok());
    }
    return out;
  }
  std::set<model::Relationship> InDatabase() {
    std::set<model::Relationship> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) {
                      return tx.ForEachRelationship([&](const model::Relationship& r) {
                        out.insert(r);
                        return true;
                      });
                    })
                    .ok());
    return out;
  }

  std::unique_ptr<Client> engine_;
  std::unique_ptr<Unreachable> link_;
  ManualClock clock_;
};

TEST_F(RelayTest, DeliversEveryChangeInCommitOrderAndRecordsTheZedToken) {
  const auto ann =
      model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kAdmin, "ann@corp.example");
  const auto bob = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "bob");
  Write({ann, bob});
  Write({}, {bob});  // a later delete of the same relationship, in the same batch
  auto relay = MakeRelay("r1");
  auto n = relay->DeliverOnce();
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(Depth(), 0);
  EXPECT_TRUE(SpiceDbSays("w1", "administer", "ann@corp.example"));
  EXPECT_FALSE(SpiceDbSays("w1", "read", "bob"));
  std::optional<std::string> token;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(token, tx.GetMeta(kZedTokenKey));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(token.has_value());
  EXPECT_FALSE(token->empty());
  EXPECT_EQ(*relay->DeliverOnce(), 0);  // nothing left
}

TEST_F(RelayTest, ChangesWaitInTheOutboxWhileSpiceDbIsUnreachableAndConvergeAfter) {
  auto relay = MakeRelay("r1");
  link_->down = true;
  Write({model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kMember, "cy")});
  EXPECT_FALSE(relay->DeliverOnce().ok());
  Write({model::WorkspaceMemberRelationship("w2", model::WorkspaceRole::kMember, "cy")});
  EXPECT_FALSE(relay->DeliverOnce().ok());
  EXPECT_EQ(Depth(), 2);  // kept, nothing marked delivered

  // The running loop retries with backoff (on the test's clock: no real
  // waiting) and delivers once it can.
  relay->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // its first pass failed: backing off
  EXPECT_EQ(Depth(), 2);
  clock_.Advance(200'000);  // the first backoff, SpiceDB still down
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Depth(), 2);
  link_->down = false;
  clock_.Advance(399'999);  // the second backoff is twice the first: not yet
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(Depth(), 2);
  clock_.Advance(1);
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // delivered, now polling
  relay->Stop();
  EXPECT_EQ(Depth(), 0);
  EXPECT_TRUE(SpiceDbSays("w1", "write", "cy"));
  EXPECT_TRUE(SpiceDbSays("w2", "write", "cy"));
}

TEST_F(RelayTest, OneRelayAtATimeAndAnotherTakesOverWhenItsLeaseLapses) {
  auto first = MakeRelay("first");
  auto second = MakeRelay("second");
  Write({model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "dee")});
  EXPECT_EQ(*first->DeliverOnce(), 1);
  Write({model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "eve")});
  EXPECT_EQ(*second->DeliverOnce(), 0);  // the first still holds the lease
  EXPECT_EQ(Depth(), 1);

  clock_.Advance(11'000'000);  // the first stopped renewing: its lease lapses
  EXPECT_EQ(*second->DeliverOnce(), 1);
  EXPECT_TRUE(SpiceDbSays("w1", "read", "eve"));
  Write({model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "fay")});
  EXPECT_EQ(*first->DeliverOnce(), 0);  // now the second's
  EXPECT_EQ(Depth(), 1);
}

TEST_F(RelayTest, LargeBacklogsGoInBatchesOfAtMostTheLimit) {
  std::vector<model::Relationship> many;
  for (int i = 0; i < 2500; ++i)
    many.push_back(model::WorkspaceMemberRelationship("w" + std::to_string(i),
                                                      model::WorkspaceRole::kViewer, "gil"));
  Write(many);
  auto relay = MakeRelay("r1", 1000);
  EXPECT_EQ(*relay->DeliverOnce(), 1000);
  EXPECT_EQ(*relay->DeliverOnce(), 1000);
  EXPECT_EQ(*relay->DeliverOnce(), 500);
  EXPECT_EQ(Depth(), 0);
  EXPECT_TRUE(SpiceDbSays("w2499", "read", "gil"));
}

TEST_F(RelayTest, ReconcileRepairsADivergedSpiceDbAndSaysWhatItChanged) {
  const auto kept = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kAdmin, "hal");
  const auto lost =
      model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "ivy@x.io");
  Write({kept, lost, model::WorkspaceOfAccount("w1", "a1")});
  ASSERT_EQ(*MakeRelay("r1")->DeliverOnce(), 3);
  // Someone edits SpiceDB behind our back: one removed, one invented.
  const model::Relationship invented{"account", "a1", "admin", "user", "mallory", ""};
  ASSERT_TRUE(engine_->Write({{false, lost}, {true, invented}}).ok());
  ASSERT_NE(InSpiceDb(), InDatabase());

  const std::vector<std::string> types = {"platform",    "account", "workspace",
                                          "environment", "group",   "user"};
  auto dry = Reconcile(*store_, *engine_, types, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().message();
  EXPECT_EQ(dry->added, std::vector<model::Relationship>{lost});
  EXPECT_EQ(dry->removed, std::vector<model::Relationship>{invented});
  EXPECT_NE(InSpiceDb(), InDatabase());  // a dry run changes nothing

  auto report = Reconcile(*store_, *engine_, types);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->added, std::vector<model::Relationship>{lost});
  EXPECT_EQ(report->removed, std::vector<model::Relationship>{invented});
  EXPECT_EQ(InSpiceDb(), InDatabase());
  EXPECT_EQ(ToString(invented), "account:a1#admin@user:mallory");

  // A second run finds nothing to do.
  auto again = Reconcile(*store_, *engine_, types);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->added.empty() && again->removed.empty());
}

TEST_F(RelayTest, WhatWasCommittedDuringReconcileIsDeliveredAgainAfterIt) {
  const auto a = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kAdmin, "jo");
  Write({a});
  ASSERT_EQ(*MakeRelay("r1")->DeliverOnce(), 1);
  // Reconcile's snapshot is taken before a commit that the relay then
  // delivers; the repair must not undo it.
  ASSERT_TRUE(Reconcile(*store_, *engine_, {"workspace"}).ok());
  EXPECT_EQ(Depth(), 0);
  const auto b = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "kim");
  Write({b});
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.MarkUndelivered(0); }).ok());
  EXPECT_EQ(Depth(), 2);  // everything after position 0 goes again
  auto relay = MakeRelay("r1");
  ASSERT_TRUE(relay->DeliverOnce().ok());
  EXPECT_EQ(InSpiceDb(), InDatabase());
}

// Without SpiceDB configured, a server prunes changes nobody delivered. When
// SpiceDB is configured later, the relay cannot replay them: it reconciles
// once, then delivers from the outbox as usual.
TEST_F(RelayTest, ChangesPrunedBeforeDeliveryAreMadeUpForByAReconcile) {
  const auto gone = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kAdmin, "lee");
  const auto kept = model::WorkspaceMemberRelationship("w1", model::WorkspaceRole::kViewer, "max");
  Write({gone, model::WorkspaceOfAccount("w1", "a1")});
  Write({kept});
  // The outbox dates changes by the wall clock (store.h), and so does this.
  const SystemClock wall;
  OutboxPruner pruner({.retention = -3'600'000'000, .delivered_only = false}, *store_, wall);
  auto pruned = pruner.PruneOnce();
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(*pruned, 2);  // all but the newest change
  EXPECT_EQ(Depth(), 1);

  auto relay = MakeRelay("r1");
  ASSERT_TRUE(relay->DeliverOnce().ok());
  EXPECT_EQ(InSpiceDb(), InDatabase());
  EXPECT_TRUE(SpiceDbSays("w1", "administer", "lee"));
  EXPECT_EQ(Depth(), 0);

  // Made up for once: the next passes deliver, they do not reconcile again.
  const model::Relationship invented{"account", "a1", "admin", "user", "mallory", ""};
  ASSERT_TRUE(engine_->Write({{true, invented}}).ok());
  const auto later = model::WorkspaceMemberRelationship("w2", model::WorkspaceRole::kMember, "ned");
  Write({later});
  ASSERT_EQ(*relay->DeliverOnce(), 1);
  EXPECT_TRUE(InSpiceDb().count(invented));  // no reconcile removed it
}

}  // namespace
}  // namespace workspaced::spicedb
