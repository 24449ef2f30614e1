// Assertions on Status / StatusOr that print the message on failure.
#pragma once

#include <gtest/gtest.h>

#include "common/status.h"

namespace workspaced::store::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& s) {
  return s.status();
}

}  // namespace workspaced::store::testing

#define WS_EXPECT_OK(expr)                                                           \
  do {                                                                               \
    const auto& ws_s_ = (expr);                                                      \
    EXPECT_TRUE(::workspaced::store::testing::StatusOf(ws_s_).ok())                  \
        << #expr << ": " << ::workspaced::store::testing::StatusOf(ws_s_).message(); \
  } while (0)

#define WS_ASSERT_OK(expr)                                                           \
  do {                                                                               \
    const auto& ws_s_ = (expr);                                                      \
    ASSERT_TRUE(::workspaced::store::testing::StatusOf(ws_s_).ok())                  \
        << #expr << ": " << ::workspaced::store::testing::StatusOf(ws_s_).message(); \
  } while (0)

#define WS_EXPECT_CODE(expr, expected_code)                                          \
  do {                                                                               \
    const auto& ws_s_ = (expr);                                                      \
    EXPECT_EQ(::workspaced::store::testing::StatusOf(ws_s_).code(), expected_code)   \
        << #expr << ": " << ::workspaced::store::testing::StatusOf(ws_s_).message(); \
  } while (0)
