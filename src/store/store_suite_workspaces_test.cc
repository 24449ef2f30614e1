// Workspaces: inserts, reads, updates and their conflicts. (Listing is in
// store_suite_listing_test.cc; the suite's backends in store_suite_test.cc.)
#include <gtest/gtest.h>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::Workspace;
using testing::Dump;
using testing::Id;
using testing::kAcme;
using testing::kGlobex;
using testing::MakeWorkspace;
using testing::StoreSuite;

// --- workspaces ---

TEST_P(StoreSuite, WorkspaceRoundTripsEveryField) {
  Workspace ws = MakeWorkspace(Id(1), kAcme, "payments");
  ws.status = model::WorkspaceStatus::kFrozen;
  ws.tenancy_model = model::TenancyModel::kShared;
  ws.updated_at = ws.created_at + 7;
  ws.updated_by = "bob";
  ws.labels = {{"team", "core"}, {"quote\"d", "it's \\ {json}"}, {"ünï", "cödé"}};
  ws.group_mappings = {{"zeta-admins", model::WorkspaceRole::kAdmin},
                       {"alpha-viewers", model::WorkspaceRole::kViewer}};
  ws.runtime_generation = "gen-42";
  ws.status_reason = "billing hold";
  ws.frozen_by = "ops";
  ws.frozen_at = 1'700'000'000'000'777;
  ws.phase = model::ProvisioningPhase::kWorkspaceConfigured;
  ws.deletion_protection = true;
  ws.version = 3;
  WS_ASSERT_OK(Insert(ws));
  const StatusOr<Workspace> got = Fetch(ws.id);
  WS_ASSERT_OK(got);
  // Group mappings come back in the order given, not sorted.
  EXPECT_EQ(Dump(*got), Dump(ws));
}

TEST_P(StoreSuite, WorkspaceWithoutLabelsOrMappingsRoundTrips) {
  const Workspace ws = MakeWorkspace(Id(1), kAcme, "bare");
  WS_ASSERT_OK(Insert(ws));
  const StatusOr<Workspace> got = Fetch(ws.id);
  WS_ASSERT_OK(got);
  EXPECT_EQ(Dump(*got), Dump(ws));
}

TEST_P(StoreSuite, InsertWorkspaceWithExistingIdConflicts) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "one")));
  WS_EXPECT_CODE(Insert(MakeWorkspace(Id(1), kAcme, "two")), Code::kConflict);
}

TEST_P(StoreSuite, SlugIsUniqueWithinAnAccountOnly) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "payments")));
  const Status dup = Insert(MakeWorkspace(Id(2), kAcme, "payments"));
  EXPECT_EQ(dup.code(), Code::kConflict);
  EXPECT_EQ(dup.message(), "workspace slug already exists in this account");
  WS_EXPECT_OK(Insert(MakeWorkspace(Id(3), kGlobex, "payments")));
}

TEST_P(StoreSuite, SlugTakenIsPerAccount) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "payments")));
  const auto taken = Get([](Tx& tx) { return tx.SlugTaken(kAcme, "payments"); });
  WS_ASSERT_OK(taken);
  EXPECT_TRUE(*taken);
  const auto elsewhere = Get([](Tx& tx) { return tx.SlugTaken(kGlobex, "payments"); });
  WS_ASSERT_OK(elsewhere);
  EXPECT_FALSE(*elsewhere);
}

TEST_P(StoreSuite, WorkspaceOfMissingAccountIsNotFound) {
  const Status s = Insert(MakeWorkspace(Id(1), Id(555), "x"));
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "account not found");
}

TEST_P(StoreSuite, MissingWorkspaceIsNotFound) { WS_EXPECT_CODE(Fetch(Id(1)), Code::kNotFound); }

TEST_P(StoreSuite, RepeatedGroupInMappingsIsRejectedAndNothingStored) {
  Workspace ws = MakeWorkspace(Id(1), kAcme, "dup");
  ws.group_mappings = {{"ops", model::WorkspaceRole::kAdmin},
                       {"ops", model::WorkspaceRole::kViewer}};
  WS_EXPECT_CODE(Insert(ws), Code::kInvalidArgument);
  WS_EXPECT_CODE(Fetch(ws.id), Code::kNotFound);
}

// --- updates ---

Workspace Updated(Workspace ws) {
  ws.name = "Renamed";
  ws.slug = "renamed";
  ws.status = model::WorkspaceStatus::kError;
  ws.region = "us-east-1";
  ws.tenancy_model = model::TenancyModel::kShared;
  ws.updated_at += 1'000;
  ws.updated_by = "bob";
  ws.labels = {{"tier", "gold"}};
  ws.group_mappings = {{"new-group", model::WorkspaceRole::kMember}};
  ws.runtime_generation = "gen-2";
  ws.status_reason = "quota exceeded";
  ws.frozen_by = "carol";
  ws.frozen_at = 42;
  ws.phase = model::ProvisioningPhase::kError;
  ws.deletion_protection = !ws.deletion_protection;
  ws.version += 1;
  return ws;
}

TEST_P(StoreSuite, UpdateWorkspaceReplacesEveryMutableField) {
  Workspace ws = MakeWorkspace(Id(1), kAcme, "payments");
  ws.labels = {{"team", "core"}};
  ws.group_mappings = {{"old-group", model::WorkspaceRole::kAdmin}};
  WS_ASSERT_OK(Insert(ws));
  const Workspace next = Updated(ws);
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.UpdateWorkspace(next); }));
  const StatusOr<Workspace> got = Fetch(ws.id);
  WS_ASSERT_OK(got);
  EXPECT_EQ(Dump(*got), Dump(next));
}

TEST_P(StoreSuite, UpdateWorkspaceKeepsIdentityFields) {
  const Workspace ws = MakeWorkspace(Id(1), kAcme, "payments");
  WS_ASSERT_OK(Insert(ws));
  Workspace next = Updated(ws);
  next.created_at = 5;
  next.created_by = "mallory";
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.UpdateWorkspace(next); }));
  const StatusOr<Workspace> got = Fetch(ws.id);
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->created_at, ws.created_at);
  EXPECT_EQ(got->created_by, "alice");
  EXPECT_EQ(got->account_id, kAcme);
}

TEST_P(StoreSuite, UpdateWorkspaceNeedsTheNextVersion) {
  Workspace ws = MakeWorkspace(Id(1), kAcme, "payments");
  ws.version = 4;
  WS_ASSERT_OK(Insert(ws));
  Workspace stale = Updated(ws);
  stale.version = 4;  // not bumped
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateWorkspace(stale); }), Code::kConflict);
  stale.version = 6;  // skips one
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateWorkspace(stale); }), Code::kConflict);
  stale.version = 5;
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.UpdateWorkspace(stale); }));
  // A second writer holding the same old copy now loses.
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateWorkspace(stale); }), Code::kConflict);
  const StatusOr<Workspace> got = Fetch(ws.id);
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->version, 5);
}

TEST_P(StoreSuite, UpdateMissingWorkspaceIsNotFound) {
  WS_EXPECT_CODE(Write([](Tx& tx) {
                   return tx.UpdateWorkspace(Updated(MakeWorkspace(Id(1), kAcme, "ghost")));
                 }),
                 Code::kNotFound);
}

TEST_P(StoreSuite, UpdateWorkspaceToATakenSlugConflicts) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "one")));
  const Workspace two = MakeWorkspace(Id(2), kAcme, "two");
  WS_ASSERT_OK(Insert(two));
  Workspace next = two;
  next.slug = "one";
  next.version = 2;
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateWorkspace(next); }), Code::kConflict);
}

}  // namespace
}  // namespace workspaced::store
