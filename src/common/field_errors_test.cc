#include "common/field_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace workspaced {
namespace {

TEST(ListedFieldErrors, NamesEachFieldOnceWithItsFirstError) {
  const auto listed = ListedFieldErrors(
      {{"value", "must be a string"}, {"name", "is not valid"}, {"value", "is required"}});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].field, "value");
  EXPECT_EQ(listed[0].detail, "must be a string");
  EXPECT_EQ(listed[1].field, "name");
}

TEST(ListedFieldErrors, ListsTheFirstTwentyAndSaysHowManyMore) {
  std::vector<FieldError> errors;
  for (int i = 0; i < 90'000; ++i)
    errors.push_back({"k" + std::to_string(i), "is not a field of this request"});
  errors.push_back({"k0", "again"});  // counted once
  const auto listed = ListedFieldErrors(errors);
  ASSERT_EQ(listed.size(), kMaxListedFieldErrors + 1);
  EXPECT_EQ(listed[19].field, "k19");
  EXPECT_EQ(listed[20].field, "");
  EXPECT_EQ(listed[20].detail, "and 89980 more fields are at fault, not listed");
}

TEST(ListedFieldErrors, ExactlyTwentyNeedNoSummary) {
  std::vector<FieldError> errors;
  for (int i = 0; i < 21; ++i) errors.push_back({"k" + std::to_string(i), "x"});
  EXPECT_EQ(ListedFieldErrors({errors.begin(), errors.end() - 1}).size(), 20u);
  const auto listed = ListedFieldErrors(errors);
  ASSERT_EQ(listed.size(), 21u);
  EXPECT_EQ(listed[20].detail, "and 1 more field is at fault, not listed");
}

// A client's key is a field's path: a long or invisible one is shown
// escaped and cut, so a 422 stays small and shows what was sent.
TEST(ListedFieldErrors, ALongOrUnsafeFieldIsShownEscapedAndCut) {
  const std::string huge(900'000, 'k');
  const auto listed = ListedFieldErrors({{huge, "is not a field of this request"},
                                         {"ad\xE2\x80\x8Bmin", "x"},  // a zero width space
                                         {"labels.env", "y"}});
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_LE(listed[0].field.size(), 200u);
  EXPECT_EQ(listed[0].field.substr(0, 10), "kkkkkkkkkk");
  EXPECT_EQ(listed[1].field, "ad\\u200bmin");
  EXPECT_EQ(listed[2].field, "labels.env");
}

}  // namespace
}  // namespace workspaced
