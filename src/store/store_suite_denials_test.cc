// Denial counts (domain/denials.h): a key's counts add up in one row,
// whoever writes them, and old windows are pruned.
#include <gtest/gtest.h>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using testing::Id;
using testing::StoreSuite;

constexpr Micros kWindow = 300'000'000;
constexpr Micros kT0 = 1'780'000'000'000'000 - 1'780'000'000'000'000 % kWindow;

model::DenialCount Count(std::string id, Micros window_start, std::string source, int status,
                         std::int64_t count, Micros first_at, Micros last_at) {
  model::DenialCount c;
  c.id = std::move(id);
  c.window_start = window_start;
  c.window_end = window_start + kWindow;
  c.source_ip = std::move(source);
  c.status = status;
  c.reason = status == 401 ? "signature mismatch" : "workspace not found";
  c.route = "/v1/workspaces/{workspace_id}";
  c.count = count;
  c.first_at = first_at;
  c.last_at = last_at;
  c.user_agent = "agent " + c.id;
  c.request_id = "req_" + c.id;
  return c;
}

TEST_P(StoreSuite, DenialCountsOfOneKeyAddUpInOneRowThatKeepsItsFirstSample) {
  WS_ASSERT_OK(Write([](Tx& tx) {
    return tx.AddDenialCounts({Count(Id(1), kT0, "10.0.0.1", 401, 5, kT0 + 10, kT0 + 20),
                               Count(Id(2), kT0, "10.0.0.2", 401, 1, kT0 + 15, kT0 + 15)});
  }));
  // Another flush (or another replica) of the same key, with its own id.
  WS_ASSERT_OK(Write([](Tx& tx) {
    return tx.AddDenialCounts(
        {Count(Id(3), kT0, "10.0.0.1", 401, 7, kT0 + 5, kT0 + 30),
         Count(Id(4), kT0 + kWindow, "10.0.0.1", 401, 2, kT0 + kWindow, kT0 + kWindow + 1)});
  }));
  const auto list = [&](model::DenialQuery q) {
    std::vector<model::DenialCount> out;
    WS_EXPECT_OK(store_->Read([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(out, tx.ListDenialCounts(q));
      return Status::Ok();
    }));
    return out;
  };
  const auto all = list({});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, Id(1));
  EXPECT_EQ(all[0].count, 12);
  EXPECT_EQ(all[0].first_at, kT0 + 5);
  EXPECT_EQ(all[0].last_at, kT0 + 30);
  EXPECT_EQ(all[0].user_agent, "agent " + Id(1));  // the row's first sample stays
  EXPECT_EQ(all[0].window_end, kT0 + kWindow);
  EXPECT_EQ(all[0].route, "/v1/workspaces/{workspace_id}");
  EXPECT_EQ(all[1].count, 1);
  EXPECT_EQ(all[2].id, Id(4));

  EXPECT_EQ(list({.after = Id(1), .limit = 1}).front().id, Id(2));
  EXPECT_EQ(list({.source_ip = "10.0.0.1"}).size(), 2u);
  EXPECT_EQ(list({.since = kT0 + 1}).size(), 1u);
  EXPECT_EQ(list({.until = kT0}).size(), 2u);

  int pruned = 0;
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(pruned, tx.PruneDenialCounts(kT0 + kWindow, 1000));
    return Status::Ok();
  }));
  EXPECT_EQ(pruned, 2);
  EXPECT_EQ(list({}).size(), 1u);
}

}  // namespace
}  // namespace workspaced::store
