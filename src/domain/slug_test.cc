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
  for (const char* name : {"Production", "a  b", "x-", "-", "Équipe", "A.B.C"}) {
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
}

}  // namespace
}  // namespace workspaced::domain
