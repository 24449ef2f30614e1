#include "saga/failpoints.h"

#include <gtest/gtest.h>

namespace workspaced::saga {
namespace {

using Action = Failpoint::Action;

TEST(Failpoints, EmptyTextIsInert) {
  auto fp = Failpoints::Parse("");
  ASSERT_TRUE(fp.ok());
  EXPECT_TRUE(fp->empty());
  EXPECT_EQ(fp->For("bind_account", 1), Action::kNone);
}

TEST(Failpoints, ParsesEveryAction) {
  auto fp = Failpoints::Parse(
      "bind_account=error; create_environments=error(2);provision_dataplane=fatal;"
      "write_relationships=crash;activate=delay(250);");
  ASSERT_TRUE(fp.ok()) << fp.status().message();
  EXPECT_EQ(fp->For("bind_account", 1), Action::kError);
  EXPECT_EQ(fp->For("bind_account", 99), Action::kError);
  EXPECT_EQ(fp->For("create_environments", 1), Action::kError);
  EXPECT_EQ(fp->For("create_environments", 2), Action::kError);
  EXPECT_EQ(fp->For("create_environments", 3), Action::kNone);
  EXPECT_EQ(fp->For("provision_dataplane", 1), Action::kFatal);
  EXPECT_EQ(fp->For("write_relationships", 1), Action::kCrash);
  EXPECT_EQ(fp->For("activate", 1), Action::kDelay);
  EXPECT_EQ(fp->DelayMs("activate"), 250);
  EXPECT_EQ(fp->For("configure_account", 1), Action::kNone);
}

TEST(Failpoints, CompensationPointsAreApartFromAttempts) {
  auto fp = Failpoints::Parse(
      "provision_dataplane=fatal;provision_dataplane.compensate=crash;"
      "create_environments.compensate=delay(30)");
  ASSERT_TRUE(fp.ok()) << fp.status().message();
  constexpr auto kCompensation = Failpoint::Phase::kCompensation;
  EXPECT_EQ(fp->For("provision_dataplane", 1), Action::kFatal);
  EXPECT_EQ(fp->For("provision_dataplane", 1, kCompensation), Action::kCrash);
  EXPECT_EQ(fp->For("create_environments", 1), Action::kNone);
  EXPECT_EQ(fp->For("create_environments", 1, kCompensation), Action::kDelay);
  EXPECT_EQ(fp->DelayMs("create_environments", kCompensation), 30);
  EXPECT_EQ(fp->DelayMs("create_environments"), 0);
  EXPECT_EQ(fp->For("activate", 1, kCompensation), Action::kNone);
}

TEST(Failpoints, ErrorZeroNeverFails) {
  auto fp = Failpoints::Parse("bind_account=error(0)");
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(fp->For("bind_account", 1), Action::kNone);
}

TEST(Failpoints, RejectsMalformedEntriesByName) {
  for (const char* bad :
       {"bind_account", "bind_account=explode", "bind_account=error(", "=error",
        "bind_account=error(-1)", "bind_account=delay(x)", "Bind=error", "a=error;a=fatal",
        "bind_account=error(2", "activate.compensate=error", "activate.compensate=fatal",
        ".compensate=crash", "a.compensate=crash;a.compensate=delay(1)", "a.undo=crash"}) {
    auto fp = Failpoints::Parse(bad);
    ASSERT_FALSE(fp.ok()) << bad;
    EXPECT_EQ(fp.status().code(), Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace workspaced::saga
