#include "domain/slug.h"

#include <gtest/gtest.h>

namespace workspaced::domain {
namespace {

TEST(Slug, FromNameIsLowercaseAndHyphenated) {
  EXPECT_EQ(SlugFromName("Production"), "production");
  EXPECT_EQ(SlugFromName("Production EU (main)"), "production-eu-main");
  EXPECT_EQ(SlugFromName("  --Dev__Team--  "), "dev-team");
  EXPECT_EQ(SlugFromName("Équipe 2"), "quipe-2");
  EXPECT_EQ(SlugFromName("日本"), "workspace");
  EXPECT_EQ(SlugFromName(std::string(100, 'a')).size(), kMaxSlugLength);
  EXPECT_EQ(SlugFromName("2024 Budget"), "ws-2024-budget");
  EXPECT_EQ(SlugFromName("--9 lives"), "ws-9-lives");
  for (const char* name : {"Production", "a  b", "x-", "-", "Équipe", "A.B.C", "2024 Budget",
                           "1", "a -- b", "_9_"}) {
    EXPECT_TRUE(IsValidSlug(SlugFromName(name))) << name;
  }
}

TEST(Slug, CandidatesStayValidAndShort) {
  EXPECT_EQ(SlugCandidate("production", 2), "production-2");
  const std::string longest(kMaxSlugLength, 'a');
  const std::string c = SlugCandidate(longest, 12);
  EXPECT_EQ(c.size(), kMaxSlugLength);
  EXPECT_TRUE(IsValidSlug(c));
  EXPECT_EQ(c.substr(c.size() - 3), "-12");
  EXPECT_TRUE(IsValidSlug(SlugCandidate(std::string(60, 'a') + "-b", 10)));
}

TEST(Slug, Validation) {
  EXPECT_TRUE(IsValidSlug("a"));
  EXPECT_TRUE(IsValidSlug("prod-eu-1"));
  EXPECT_FALSE(IsValidSlug(""));
  EXPECT_FALSE(IsValidSlug("-prod"));
  EXPECT_FALSE(IsValidSlug("prod-"));
  EXPECT_FALSE(IsValidSlug("Prod"));
  EXPECT_FALSE(IsValidSlug("prod_eu"));
  EXPECT_FALSE(IsValidSlug(std::string(64, 'a')));
  // The spec's ^[a-z](-?[a-z0-9])*$: a letter first, no double hyphen.
  EXPECT_FALSE(IsValidSlug("9abc"));
  EXPECT_FALSE(IsValidSlug("a--b"));
  EXPECT_TRUE(IsValidSlug("a9-b-0"));
}

}  // namespace
}  // namespace workspaced::domain
