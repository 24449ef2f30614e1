// Authorization relationships with their outbox, and the audit log.
#include <gtest/gtest.h>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::Relationship;
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
  EXPECT_EQ(Depth(*store_), 0);
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
  EXPECT_EQ(Depth(*store_), 5);

  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteRelationships({kAdmin, kAdmin}); }));
  EXPECT_EQ(ListFor(*store_, "workspace", "w1"), (std::vector<Relationship>{kAccount, kGroup}));
  EXPECT_EQ(Depth(*store_), 7);
}

TEST_P(StoreSuite, ARolledBackWriteQueuesNothing) {
  WS_EXPECT_CODE(Write([](Tx& tx) -> Status {
                   WS_RETURN_IF_ERROR(tx.TouchRelationships({kAdmin}));
                   return Unavailable("abort");
                 }),
                 Code::kUnavailable);
  EXPECT_TRUE(ListFor(*store_, "workspace", "w1").empty());
  EXPECT_EQ(Depth(*store_), 0);
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

}  // namespace
}  // namespace workspaced::store
