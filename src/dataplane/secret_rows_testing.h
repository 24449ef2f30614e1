// Checks both kinds of cell share (sqlite_dataplane_test.cc,
// postgres_dataplane_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane::testing {

// A PUT numbered 1 and a DELETE numbered 2 (its tombstone) of one name,
// committed in the other order: the delete, numbered after, stands — the
// version is deleted when it commits, as the control plane counts it
// (Tx::AddPillarItem). A version numbered after the tombstone survives.
inline void ExpectTheNumberingOrderDecides(Dataplane& dp, const model::Workspace& ws) {
  const auto add = [&](const std::string& op, bool tombstone) {
    SecretRow row;
    row.name = "RACED";
    row.operation_id = op;
    row.tombstone = tombstone;
    auto n = dp.AddPendingSecret(ws, row, [](std::int64_t) { return std::string("x"); });
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? n->version : -1;
  };
  const auto committed_versions = [&] {
    std::vector<std::int64_t> out;
    auto rows = dp.ListSecretRows(ws, {.name = "RACED"});
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    if (!rows.ok()) return out;
    for (const SecretRow& r : *rows)
      if (!r.pending && !r.tombstone) out.push_back(r.version);
    return out;
  };
  ASSERT_EQ(add("op-put-1", false), 1);
  ASSERT_EQ(add("op-del-2", true), 2);
  ASSERT_EQ(add("op-put-3", false), 3);
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-del-2", 10).ok());
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-put-3", 10).ok());
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-put-1", 10).ok());
  EXPECT_EQ(committed_versions(), std::vector<std::int64_t>{3});
}

}  // namespace workspaced::dataplane::testing
