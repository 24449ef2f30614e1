// Authorization relationships with their outbox, and the audit log.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "model/relationships.h"
#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::Relationship;
using model::Workspace;
using testing::Id;
using testing::kAcme;
using testing::MakeWorkspace;
using testing::StoreSuite;

const Relationship kAccount{"workspace", "w1", "account", "account", "a1", ""};
const Relationship kAdmin{"workspace", "w1", "admin", "user", "alice", ""};
const Relationship kGroup{"workspace", "w1", "viewer", "group", "eng", "member"};
const Relationship kOther{"workspace", "w2", "admin", "user", "alice", ""};

std::vector<Relationship> ListFor(Store& store, const std::string& type, const std::string& id) {
  std::vector<Relationship> out;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(out, tx.ListRelationshipsForResource(type, id));
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

std::int64_t Depth(Store& store) {
  std::int64_t depth = -1;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(depth, tx.OutboxDepth());
                    return Status::Ok();
                  })
                  .ok());
  return depth;
}

TEST_P(StoreSuite, TouchingRelationshipsIsIdempotentAndEveryChangeIsQueued) {
  const std::int64_t base = Depth(*store_);  // the fixture's accounts' own
  WS_ASSERT_OK(Write([](Tx& tx) {
    return tx.TouchRelationships({kGroup, kAdmin, kAccount, kOther});
  }));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.TouchRelationships({kAdmin}); }));
  // Stored once each, in a stable order (relation, then subject).
  EXPECT_EQ(ListFor(*store_, "workspace", "w1"),
            (std::vector<Relationship>{kAccount, kAdmin, kGroup}));
  EXPECT_EQ(ListFor(*store_, "workspace", "w2"), (std::vector<Relationship>{kOther}));
  EXPECT_TRUE(ListFor(*store_, "workspace", "w3").empty());
  // Every TOUCH goes to the outbox, a repeated one too (SpiceDB's TOUCH is
  // idempotent as well).
  EXPECT_EQ(Depth(*store_), base + 5);

  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteRelationships({kAdmin, kAdmin}); }));
  EXPECT_EQ(ListFor(*store_, "workspace", "w1"), (std::vector<Relationship>{kAccount, kGroup}));
  EXPECT_EQ(Depth(*store_), base + 7);
}

// What model/relationships.h says the data implies, written by the store in
// the same transaction as the data, and logged in commit order.
TEST_P(StoreSuite, MembershipsAccountsAndWorkspacesCarryTheirRelationships) {
  EXPECT_EQ(ListFor(*store_, "account", kAcme),
            (std::vector<Relationship>{model::AccountOnPlatform(kAcme)}));
  const std::string ws = testing::Id(1);
  WS_ASSERT_OK(Insert(testing::MakeWorkspace(ws, kAcme, "w")));
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.PutAccountMember({kAcme, "ann", model::AccountRole::kMember, 1}));
    WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({ws, "bob", model::WorkspaceRole::kViewer, 1}));
    return tx.PutWorkspaceMember({ws, "bob", model::WorkspaceRole::kAdmin, 1});  // a change
  }));
  EXPECT_EQ(ListFor(*store_, "account", kAcme),
            (std::vector<Relationship>{
                model::AccountMemberRelationship(kAcme, model::AccountRole::kMember, "ann"),
                model::AccountOnPlatform(kAcme)}));
  EXPECT_EQ(ListFor(*store_, "workspace", ws),
            (std::vector<Relationship>{
                model::WorkspaceOfAccount(ws, kAcme),
                model::WorkspaceMemberRelationship(ws, model::WorkspaceRole::kAdmin, "bob")}));
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.DeleteAccountMember(kAcme, "ann"));
    return tx.DeleteWorkspaceMember(ws, "bob");
  }));
  EXPECT_EQ(ListFor(*store_, "workspace", ws),
            (std::vector<Relationship>{model::WorkspaceOfAccount(ws, kAcme)}));

  // The log replays to the same state, in order: bob viewer, then admin.
  std::int64_t latest = 0;
  std::vector<RelationshipChange> log;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(latest, tx.LatestRelationshipChange());
    WS_ASSIGN_OR_RETURN(log, tx.ListRelationshipChanges(0, 1000));
    return Status::Ok();
  }));
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().seq, latest);
  std::vector<std::string> bob;
  for (const auto& c : log) {
    if (c.rel.subject_id == "bob") bob.push_back((c.touch ? "+" : "-") + c.rel.relation);
  }
  EXPECT_EQ(bob, (std::vector<std::string>{"+viewer", "-viewer", "+admin", "-admin"}));
  std::vector<RelationshipChange> tail;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(tail, tx.ListRelationshipChanges(latest - 1, 1000));
    return Status::Ok();
  }));
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, latest);
}

// Concurrent writers (a replica each): the outbox, read in seq order, must
// replay to exactly what the relationships table holds — the order the relay
// and every relationship index rely on.
TEST_P(StoreSuite, TheOutboxInSeqOrderReplaysConcurrentWritersToTheTable) {
  std::vector<std::thread> writers;
  std::atomic<int> failures = 0;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        const bool touch = (i + w) % 2 == 0;
        const Status s = store_->Write([&](Tx& tx) {
          return touch ? tx.TouchRelationships({kAdmin, kGroup})
                       : tx.DeleteRelationships({kGroup, kAdmin});
        });
        if (!s.ok() && ++failures == 1) ADD_FAILURE() << s.message();
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<Relationship> replayed;
  std::int64_t last_seq = 0;
  bool ordered = true;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    for (std::int64_t after = 0;;) {
      WS_ASSIGN_OR_RETURN(auto batch, tx.ListRelationshipChanges(after, 500));
      if (batch.empty()) return Status::Ok();
      for (const auto& c : batch) {
        ordered = ordered && c.seq > last_seq;
        last_seq = c.seq;
        if (c.rel.resource_type != "workspace") continue;  // the fixture's accounts
        if (c.touch) {
          replayed.insert(c.rel);
        } else {
          replayed.erase(c.rel);
        }
      }
      after = batch.back().seq;
    }
  }));
  EXPECT_TRUE(ordered);
  const auto table = ListFor(*store_, "workspace", "w1");
  EXPECT_EQ(std::vector<Relationship>(replayed.begin(), replayed.end()), table);
}

class Recorder final : public CommitObserver {
 public:
  void OnRelationshipsCommitted(const std::vector<RelationshipChange>& changes) override {
    for (const auto& c : changes) seen.push_back(c.seq);
  }
  std::vector<std::int64_t> seen;
};

TEST_P(StoreSuite, TheObserverSeesEveryCommittedChangeAndNothingRolledBack) {
  Recorder recorder;
  store_->SetCommitObserver(&recorder);
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.TouchRelationships({kAdmin, kGroup}); }));
  WS_EXPECT_CODE(Write([](Tx& tx) -> Status {
                   WS_RETURN_IF_ERROR(tx.TouchRelationships({kOther}));
                   return Unavailable("abort");
                 }),
                 Code::kUnavailable);
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteRelationships({kAdmin}); }));
  store_->SetCommitObserver(nullptr);
  std::int64_t latest = 0;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(latest, tx.LatestRelationshipChange());
    return Status::Ok();
  }));
  ASSERT_EQ(recorder.seen.size(), 3u);
  EXPECT_LT(recorder.seen[0], recorder.seen[1]);
  EXPECT_EQ(recorder.seen[2], latest);
}

TEST_P(StoreSuite, ARolledBackWriteQueuesNothing) {
  const std::int64_t base = Depth(*store_);
  WS_EXPECT_CODE(Write([](Tx& tx) -> Status {
                   WS_RETURN_IF_ERROR(tx.TouchRelationships({kAdmin}));
                   return Unavailable("abort");
                 }),
                 Code::kUnavailable);
  EXPECT_TRUE(ListFor(*store_, "workspace", "w1").empty());
  EXPECT_EQ(Depth(*store_), base);
}

// The outbox as (seq, delivered) pairs, and the pruning marks.
struct OutboxState {
  std::vector<std::pair<std::int64_t, bool>> rows;
  std::int64_t pruned_through = 0;
  std::int64_t pruned_undelivered = 0;
};

OutboxState Outbox(Store& store) {
  OutboxState out;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(const auto all, tx.ListRelationshipChanges(0, 1000));
                    WS_ASSIGN_OR_RETURN(const auto pending, tx.ListUndeliveredChanges(1000));
                    std::set<std::int64_t> undelivered;
                    for (const auto& c : pending) undelivered.insert(c.seq);
                    for (const auto& c : all)
                      out.rows.emplace_back(c.seq, !undelivered.count(c.seq));
                    WS_ASSIGN_OR_RETURN(out.pruned_through, tx.MetaNumber(kOutboxPrunedThrough));
                    WS_ASSIGN_OR_RETURN(out.pruned_undelivered,
                                        tx.MetaNumber(kOutboxPrunedUndelivered));
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

TEST_P(StoreSuite, PruningTheOutboxTakesOldChangesOldestFirstAndMarksHowFarItWent) {
  const Micros later = SystemClock().Now() + 3'600'000'000;  // every change is older
  const auto prune = [&](Micros older_than, bool delivered_only, int limit) {
    int n = -1;
    WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(n, tx.PruneRelationshipChanges(older_than, delivered_only, limit));
      return Status::Ok();
    }));
    return n;
  };
  // What the fixture logged: delivered, and pruned but for the newest.
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const std::int64_t latest, tx.LatestRelationshipChange());
    return tx.MarkDelivered(latest, SystemClock().Now());
  }));
  prune(later, true, 1000);
  const std::size_t fixture = Outbox(*store_).rows.size();  // 0 or 1, delivered
  ASSERT_LE(fixture, 1u);

  std::int64_t seq[4] = {};
  int i = 0;
  for (const Relationship& r : {kAccount, kAdmin, kGroup, kOther}) {
    // (Its seq is taken as the write commits: read it afterwards.)
    WS_ASSERT_OK(Write([&](Tx& tx) { return tx.TouchRelationships({r}); }));
    WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(seq[i++], tx.LatestRelationshipChange());
      return Status::Ok();
    }));
  }
  // The first two delivered; nothing is old enough to go yet.
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.MarkDelivered(seq[1], SystemClock().Now()); }));
  EXPECT_EQ(prune(0, true, 100), 0);
  EXPECT_EQ(Outbox(*store_).rows.size(), fixture + 4);

  // Delivered only, a batch at a time, oldest first; the undelivered stay.
  EXPECT_EQ(prune(later, true, static_cast<int>(fixture) + 1), static_cast<int>(fixture) + 1);
  EXPECT_EQ(Outbox(*store_).pruned_through, seq[0]);
  EXPECT_EQ(prune(later, true, 100), 1);
  OutboxState state = Outbox(*store_);
  EXPECT_EQ(state.rows,
            (std::vector<std::pair<std::int64_t, bool>>{{seq[2], false}, {seq[3], false}}));
  EXPECT_EQ(state.pruned_through, seq[1]);
  EXPECT_EQ(state.pruned_undelivered, 0);

  // Without delivery (no SpiceDB): the undelivered go too, but never the
  // newest change, whose seq is the outbox position.
  EXPECT_EQ(prune(later, false, 100), 1);
  state = Outbox(*store_);
  EXPECT_EQ(state.rows, (std::vector<std::pair<std::int64_t, bool>>{{seq[3], false}}));
  EXPECT_EQ(state.pruned_through, seq[2]);
  EXPECT_EQ(state.pruned_undelivered, seq[2]);
  EXPECT_EQ(prune(later, false, 100), 0);
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const std::int64_t latest, tx.LatestRelationshipChange());
    EXPECT_EQ(latest, seq[3]);
    return Status::Ok();
  }));
  // The relationships themselves are untouched.
  EXPECT_EQ(ListFor(*store_, "workspace", "w1").size(), 3u);
  EXPECT_EQ(ListFor(*store_, "workspace", "w2").size(), 1u);
}

model::AuditEvent Event(const std::string& ws, const std::string& action, Micros t) {
  model::AuditEvent e;
  e.time = t;
  e.actor = "alice";
  e.actor_auth = "dev";
  e.action = action;
  e.target_type = "workspace";
  e.target_id = ws;
  e.workspace_id = ws;
  e.outcome = "success";
  e.request_id = "req_1";
  e.source_ip = "127.0.0.1";
  e.user_agent = "curl/8";
  e.details = R"({"k":"v"})";
  return e;
}

TEST_P(StoreSuite, AuditChainsComeFromEventsHeadsAndWorkspacesEachOnce) {
  Workspace created = MakeWorkspace(Id(1), kAcme, "one");  // events, a head, a row
  created.updated_at = 150;
  WS_ASSERT_OK(Insert(created));
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(2), kAcme, "two")));  // a row only
  WS_ASSERT_OK(Write([](Tx& tx) {
    WS_RETURN_IF_ERROR(tx.AppendAudit(Event(Id(1), "a", 100)));
    WS_RETURN_IF_ERROR(tx.AppendAudit(Event(Id(1), "b", 150)));
    WS_RETURN_IF_ERROR(tx.AppendAudit(Event("", "account.create", 120)));
    return tx.AppendAudit(Event(Id(3), "c", 130));  // events and a head, no row
  }));
  const auto chains = Get([](Tx& tx) { return tx.ListAuditChains(); });
  WS_ASSERT_OK(chains);
  ASSERT_EQ(chains->size(), 4u);
  EXPECT_EQ((*chains)[0].scope, "");
  ASSERT_TRUE((*chains)[0].head.has_value());
  EXPECT_FALSE((*chains)[0].workspace_updated_at.has_value());
  EXPECT_EQ((*chains)[1].scope, Id(1));
  ASSERT_TRUE((*chains)[1].head.has_value());
  EXPECT_EQ((*chains)[1].head->scope, Id(1));
  EXPECT_EQ((*chains)[1].head->seq, (*chains)[3].head->seq - 2);  // b, then "", then c
  EXPECT_EQ((*chains)[1].head->hash.size(), 64u);
  EXPECT_EQ((*chains)[1].workspace_updated_at, std::optional<Micros>(150));
  EXPECT_EQ((*chains)[2].scope, Id(2));
  EXPECT_FALSE((*chains)[2].head.has_value());
  EXPECT_TRUE((*chains)[2].workspace_updated_at.has_value());
  EXPECT_EQ((*chains)[3].scope, Id(3));
  ASSERT_TRUE((*chains)[3].head.has_value());
  EXPECT_FALSE((*chains)[3].workspace_updated_at.has_value());
}

TEST_P(StoreSuite, AuditEventsAreListedNewestFirstPerWorkspaceWithKeysetPaging) {
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int i = 0; i < 5; ++i)
      WS_RETURN_IF_ERROR(tx.AppendAudit(Event("w1", "a" + std::to_string(i), 100 + i)));
    return tx.AppendAudit(Event("w2", "elsewhere", 200));
  }));
  std::vector<model::AuditEvent> page;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(page, tx.ListAudit({.workspace_id = "w1", .limit = 3}));
    return Status::Ok();
  }));
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].action, "a4");
  EXPECT_EQ(page[2].action, "a2");
  EXPECT_GT(page[0].seq, page[1].seq);
  // Every field survives.
  EXPECT_EQ(page[0].time, 104);
  EXPECT_EQ(page[0].actor, "alice");
  EXPECT_EQ(page[0].actor_auth, "dev");
  EXPECT_EQ(page[0].target_type, "workspace");
  EXPECT_EQ(page[0].target_id, "w1");
  EXPECT_EQ(page[0].workspace_id, "w1");
  EXPECT_EQ(page[0].outcome, "success");
  EXPECT_EQ(page[0].request_id, "req_1");
  EXPECT_EQ(page[0].source_ip, "127.0.0.1");
  EXPECT_EQ(page[0].user_agent, "curl/8");
  EXPECT_EQ(page[0].details, R"({"k":"v"})");

  std::vector<model::AuditEvent> next;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(
        next, tx.ListAudit({.workspace_id = "w1", .before_seq = page.back().seq, .limit = 3}));
    return Status::Ok();
  }));
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].action, "a1");
  EXPECT_EQ(next[1].action, "a0");
}

// A chain is scanned oldest first in pages bounded by rows and by bytes: a
// page stops once its events hold the budget (the one that crosses it
// included), always takes at least one, and never reaches past the scope.
TEST_P(StoreSuite, AChainIsScannedInPagesBoundedByRowsAndBytes) {
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int i = 0; i < 6; ++i) {
      model::AuditEvent e = Event("w1", "a" + std::to_string(i), 100 + i);
      e.details = R"({"pad":")" + std::string(i == 3 ? 50'000 : 1'000, 'x') + R"("})";
      WS_RETURN_IF_ERROR(tx.AppendAudit(e));
      WS_RETURN_IF_ERROR(tx.AppendAudit(Event("w2", "elsewhere", 100 + i)));
    }
    return Status::Ok();
  }));
  const auto scan = [&](std::int64_t after, int limit, std::int64_t max_bytes) {
    std::vector<std::string> out;
    WS_EXPECT_OK(store_->Read([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(auto events, tx.ScanAuditChain("w1", after, limit, max_bytes));
      for (const auto& e : events) out.push_back(e.action);
      return Status::Ok();
    }));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(scan(0, 4, Tx::kNoByteLimit), (V{"a0", "a1", "a2", "a3"}));
  EXPECT_EQ(scan(0, 100, 2'500), (V{"a0", "a1", "a2"}));  // a2 crosses 2,500 bytes
  EXPECT_EQ(scan(0, 2, 2'500), (V{"a0", "a1"}));          // rows bound it first
  EXPECT_EQ(scan(0, 100, 1), V{"a0"});                    // one, however small the budget
  std::int64_t after_a2 = 0;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(auto events, tx.ScanAuditChain("w1", 0, 3, Tx::kNoByteLimit));
    after_a2 = events.back().seq;
    return Status::Ok();
  }));
  EXPECT_EQ(scan(after_a2, 100, 2'500), V{"a3"});  // a 50 KB event alone
  EXPECT_EQ(scan(after_a2, 100, 60'000), (V{"a3", "a4", "a5"}));
  std::vector<model::AuditEvent> last;
  WS_ASSERT_OK(store_->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(last, tx.ScanAuditChain("w1", after_a2, 1, 2'500));
    return Status::Ok();
  }));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].details.size(), 50'000u + 10);  // whole, every field read
  EXPECT_EQ(last[0].user_agent, "curl/8");
  EXPECT_EQ(scan(1'000'000, 100, 2'500), V{});
}

// Real times in microseconds are far beyond 32 bits: the window and cursor
// compare them whole, alone and together with the action and actor filters.
TEST_P(StoreSuite, TheAuditTimeWindowTakesRealTimestamps) {
  constexpr Micros kDay = 86'400'000'000;
  constexpr Micros kT0 = 1'780'000'000'000'000;  // 2026
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int i = 0; i < 4; ++i)
      WS_RETURN_IF_ERROR(tx.AppendAudit(Event("w1", "a" + std::to_string(i % 2), kT0 + i * kDay)));
    return Status::Ok();
  }));
  const auto actions = [&](model::AuditQuery q) {
    q.workspace_id = "w1";
    q.limit = 10;
    std::vector<std::string> out;
    WS_EXPECT_OK(store_->Read([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(auto events, tx.ListAudit(q));
      for (const auto& e : events)
        out.push_back(e.action + "@" + std::to_string((e.time - kT0) / kDay));
      return Status::Ok();
    }));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(actions({.since = kT0 + kDay, .until = kT0 + 2 * kDay}), (V{"a0@2", "a1@1"}));
  EXPECT_EQ(actions({.until = kT0 - 1}), V{});
  EXPECT_EQ(actions({.since = kT0 + 3 * kDay}), V{"a1@3"});
  EXPECT_EQ(actions({.action = "a1", .since = kT0 + kDay}), (V{"a1@3", "a1@1"}));
  EXPECT_EQ(actions({.actor = "alice", .until = kT0 + 2 * kDay}), (V{"a0@2", "a1@1", "a0@0"}));
}

}  // namespace
}  // namespace workspaced::store
