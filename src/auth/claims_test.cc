#include "auth/claims.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace workspaced::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

class ClaimsTest : public ::testing::Test {
 protected:
  boost::json::object payload_{{"iss", "https://idp.example"},
                               {"aud", "api"},
                               {"sub", "alice"},
                               {"groups", boost::json::array{"eng", "ops"}},
                               {"iat", kNow - 10},
                               {"exp", kNow + 300}};
  ClaimRules rules_{.issuer = "https://idp.example",
                    .audience = "api",
                    .now_seconds = kNow,
                    .leeway_seconds = 30};

  std::string Error() {
    auto result = CheckClaims(payload_, rules_);
    EXPECT_FALSE(result.ok());
    if (result.ok()) return "";
    EXPECT_EQ(result.status().code(), Code::kUnauthenticated);
    return result.status().message();
  }
};

TEST_F(ClaimsTest, ValidClaimsBecomeAPrincipal) {
  auto principal = CheckClaims(payload_, rules_);
  ASSERT_TRUE(principal.ok()) << principal.status().message();
  EXPECT_EQ(principal->subject, "alice");
  EXPECT_EQ(principal->groups, (std::vector<std::string>{"eng", "ops"}));
  EXPECT_EQ(principal->issuer, "https://idp.example");
  EXPECT_EQ(principal->expires_at, (kNow + 300) * 1'000'000);
}

TEST_F(ClaimsTest, ExpIsRequiredAndNumeric) {
  payload_.erase("exp");
  EXPECT_EQ(Error(), "missing exp");
  for (const char* bad : {R"("1800000000")", "null", "-1e300", "1e300", "[1]"}) {
    payload_["exp"] = boost::json::parse(bad);
    EXPECT_EQ(Error(), "invalid exp") << bad;
  }
  payload_["exp"] = static_cast<double>(kNow) + 100.5;  // NumericDate may be fractional
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
}

TEST_F(ClaimsTest, ExpiryAllowsExactlyTheLeeway) {
  payload_["exp"] = kNow - 29;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["exp"] = kNow - 30;  // now == exp + leeway: refused
  EXPECT_EQ(Error(), "token expired");
  payload_["exp"] = kNow - 3600;
  EXPECT_EQ(Error(), "token expired");
  rules_.leeway_seconds = 0;
  payload_["exp"] = kNow;
  EXPECT_EQ(Error(), "token expired");
}

// RFC 7519 §2: a NumericDate is seconds since the epoch, any number of
// them; one before 1970 is a date in the past, not a malformed claim.
TEST_F(ClaimsTest, NegativeDatesAreSimplyInThePast) {
  payload_["nbf"] = -1;
  payload_["iat"] = -86400.5;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["exp"] = -1;
  payload_.erase("nbf");
  EXPECT_EQ(Error(), "token expired");
  payload_["exp"] = -62'135'596'801;  // before 0001-01-01: out of range
  EXPECT_EQ(Error(), "invalid exp");
}

TEST_F(ClaimsTest, ATokenWhoseExpIsNotAfterNbfIsNeverValid) {
  // Now is inside both windows the leeway allows, yet [nbf, exp) is empty.
  payload_["nbf"] = kNow + 10;
  payload_["exp"] = kNow + 10;
  EXPECT_EQ(Error(), "token never valid: exp is not after nbf");
  payload_["exp"] = kNow + 5;
  EXPECT_EQ(Error(), "token never valid: exp is not after nbf");
  payload_["nbf"] = kNow - 600;
  payload_["exp"] = kNow - 700;
  EXPECT_EQ(Error(), "token never valid: exp is not after nbf");
  payload_["exp"] = kNow + 11;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
}

TEST_F(ClaimsTest, LifetimeIsUnboundedUnlessAMaximumIsSet) {
  payload_["iat"] = kNow - 10;
  payload_["exp"] = kNow + 10 * 365 * 86400;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());

  rules_.max_lifetime_seconds = 3600;
  payload_["exp"] = kNow - 10 + 3600;  // exactly the maximum after iat
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["exp"] = kNow - 10 + 3601;
  EXPECT_EQ(Error(), "token lifetime exceeds the allowed maximum");
  // Counted from iat even when nbf is later.
  payload_["nbf"] = kNow;
  EXPECT_EQ(Error(), "token lifetime exceeds the allowed maximum");
  // Without iat: from nbf.
  payload_.erase("iat");
  payload_["exp"] = kNow + 3600;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["nbf"] = kNow - 1;
  EXPECT_EQ(Error(), "token lifetime exceeds the allowed maximum");
  // Without either: from now.
  payload_.erase("nbf");
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["exp"] = kNow + 3601;
  EXPECT_EQ(Error(), "token lifetime exceeds the allowed maximum");
}

TEST_F(ClaimsTest, NotBeforeAllowsTheLeeway) {
  payload_["nbf"] = kNow + 30;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["nbf"] = kNow + 31;
  EXPECT_EQ(Error(), "token not yet valid");
  payload_["nbf"] = "soon";
  EXPECT_EQ(Error(), "invalid nbf");
}

TEST_F(ClaimsTest, IatMustBeNumericWhenPresent) {
  payload_["iat"] = "yesterday";
  EXPECT_EQ(Error(), "invalid iat");
  payload_.erase("iat");
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
}

TEST_F(ClaimsTest, IatInTheFutureBeyondTheLeewayIsRefused) {
  payload_["iat"] = kNow + 30;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["iat"] = kNow + 31;
  EXPECT_EQ(Error(), "token issued in the future");
}

TEST_F(ClaimsTest, IssuerMustMatchExactly) {
  payload_["iss"] = "https://idp.example/";
  EXPECT_EQ(Error(), "issuer not accepted");
  payload_["iss"] = boost::json::array{"https://idp.example"};
  EXPECT_EQ(Error(), "issuer not accepted");
  payload_.erase("iss");
  EXPECT_EQ(Error(), "missing iss");
}

TEST_F(ClaimsTest, AudienceMayBeAStringOrAnArrayContainingIt) {
  payload_["aud"] = boost::json::array{"other", "api"};
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["aud"] = boost::json::array{"other"};
  EXPECT_EQ(Error(), "audience not accepted");
  payload_["aud"] = boost::json::array{};
  EXPECT_EQ(Error(), "audience not accepted");
  payload_["aud"] = "API";
  EXPECT_EQ(Error(), "audience not accepted");
  payload_["aud"] = boost::json::array{"api", 1};
  EXPECT_EQ(Error(), "invalid aud");
  payload_["aud"] = 1;
  EXPECT_EQ(Error(), "invalid aud");
  payload_.erase("aud");
  EXPECT_EQ(Error(), "missing aud");
}

TEST_F(ClaimsTest, SubjectIsANonEmptyBoundedString) {
  payload_["sub"] = std::string(kMaxSubjectBytes, 's');
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_["sub"] = std::string(kMaxSubjectBytes + 1, 's');
  EXPECT_EQ(Error(), "invalid sub");
  payload_["sub"] = "";
  EXPECT_EQ(Error(), "invalid sub");
  payload_["sub"] = 42;
  EXPECT_EQ(Error(), "invalid sub");
  payload_["sub"] = "alice smith";  // a space inside is part of the name
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  payload_.erase("sub");
  EXPECT_EQ(Error(), "missing sub");
}

// " alice" would be another user id than "alice", shown the same in every
// list and log; a control character would reach the audit log's actor.
TEST_F(ClaimsTest, SubjectWithSurroundingSpaceOrAControlCharacterIsRefused) {
  for (const std::string& sub :
       std::vector<std::string>{" alice", "alice ", "alice\t", "\nalice",
                                "\xc2\xa0"
                                "alice",
                                "alice\xe3\x80\x80", "al\x01ice", "al\x7fice", "al\xc2\x85ice",
                                std::string("al\0ice", 6)}) {
    payload_["sub"] = sub;
    EXPECT_EQ(Error(), "invalid sub") << sub;
  }
}

// A subject or group that shows as "admin" is not another "admin": an
// invisible character, or white space at either end, is refused, and a
// group is never empty.
TEST_F(ClaimsTest, SubjectsAndGroupsThatLookLikeOthersAreRefused) {
  for (const std::string& sub : {"admin\xe2\x80\x8b", "\xe2\x80\x8b" "admin", "admin\xe2\x81\xa0",
                                 "admin\xc2\xad", "admin\xcd\x8f", "admin\xe1\xa0\x8e"}) {
    payload_["sub"] = sub;
    EXPECT_EQ(Error(), "invalid sub") << sub;
  }
  payload_["sub"] = "alice";
  for (const std::string& group : {" admins", "admins\xc2\xa0", "", "admins\xe2\x80\x8b"}) {
    payload_["groups"] = boost::json::array{"eng", group};
    EXPECT_EQ(Error(), "invalid groups") << group;
  }
  payload_["groups"] = boost::json::array{"eng", "site reliability"};
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
}

TEST_F(ClaimsTest, GroupsAreOptional) {
  payload_.erase("groups");
  auto principal = CheckClaims(payload_, rules_);
  ASSERT_TRUE(principal.ok());
  EXPECT_TRUE(principal->groups.empty());
}

TEST_F(ClaimsTest, GroupsAreABoundedArrayOfBoundedStrings) {
  boost::json::array groups(kMaxGroups, boost::json::string(kMaxGroupBytes, 'g'));
  payload_["groups"] = groups;
  EXPECT_TRUE(CheckClaims(payload_, rules_).ok());
  groups.emplace_back("one-too-many");
  payload_["groups"] = groups;
  EXPECT_EQ(Error(), "too many groups");
  payload_["groups"] = boost::json::array{std::string(kMaxGroupBytes + 1, 'g')};
  EXPECT_EQ(Error(), "invalid groups");
  payload_["groups"] = boost::json::array{"eng", 7};
  EXPECT_EQ(Error(), "invalid groups");
  payload_["groups"] = "eng";
  EXPECT_EQ(Error(), "invalid groups");
}

// What a membership may name: a user id some token can have.
TEST(UserIds, AreADevSubOrAQualifiedProvidersSub) {
  EXPECT_TRUE(model::IsUserId("alice"));
  EXPECT_TRUE(model::IsUserId("bob@acme.com"));
  EXPECT_TRUE(model::IsUserId(model::QualifiedUser("https://idp.example.com/", "alice")));
  EXPECT_TRUE(model::IsUserId(model::QualifiedUser("https://idp.example.com/", "a|b%c")));
  EXPECT_FALSE(model::IsUserId(""));
  EXPECT_FALSE(model::IsUserId(" alice"));
  EXPECT_FALSE(model::IsUserId("alice\u00A0"));       // a no-break space at the end
  EXPECT_FALSE(model::IsUserId("al\u200Bice"));       // a zero width space
  EXPECT_FALSE(model::IsUserId(std::string(256, 'a')));  // longer than any sub
  EXPECT_FALSE(model::IsUserId("x|"));                  // no sub
  EXPECT_FALSE(model::IsUserId("|alice"));              // no issuer
  EXPECT_FALSE(model::IsUserId("a|b|c"));               // not what QualifiedUser writes
  EXPECT_FALSE(model::IsUserId("https://i/|%41"));      // an escape it never writes
  EXPECT_FALSE(model::IsUserId("https://i/| alice"));
  EXPECT_FALSE(model::IsUserId("workspaced-dev|alice"));  // the dev issuer's are bare
  // Characters that show as nothing at either end look like "alice", or
  // like nobody (outside audit): refused; an emoji's own selector is not.
  EXPECT_FALSE(model::IsUserId("alice\u2800"));        // braille blank
  EXPECT_FALSE(model::IsUserId("\u2800"));
  EXPECT_FALSE(model::IsUserId("alice\u200D"));        // a joiner after ASCII
  EXPECT_FALSE(model::IsUserId("alice\uFE0F"));        // a selector after ASCII
  EXPECT_FALSE(model::IsUserId("\u200Dalice"));
  EXPECT_FALSE(model::IsUserId(model::QualifiedUser("https://idp.example.com/", "bob\u2800")));
  EXPECT_FALSE(model::IsUserId("alice\u200D\u200D"));  // doubled
  EXPECT_FALSE(model::IsUserId("alice\u200C\uFE0F"));
  EXPECT_FALSE(model::IsUserId("jos\u00E9\uFE0F"));    // after any alphabet's letter
  EXPECT_FALSE(model::IsUserId("\u0431\u043E\u0440\u0438\u0441\uFE0F"));
  EXPECT_FALSE(model::IsUserId("bob\u180B"));          // a Mongolian selector after Latin
  EXPECT_FALSE(model::IsUserId("bob\U0001BCA0"));      // a shorthand format control
  EXPECT_TRUE(model::IsUserId("bob\u2764\uFE0F"));     // ❤️: the selector picks its look
  EXPECT_TRUE(model::IsUserId("\u845B\U000E0100"));    // an ideograph's variant
  EXPECT_TRUE(model::IsUserId("a\u200Db"));            // inside: allowed, as before
  // Dot-segments: …/members/.. normalised by a proxy is the workspace's
  // own path (outside audit: a member removal became a workspace delete).
  EXPECT_FALSE(model::IsUserId("."));
  EXPECT_FALSE(model::IsUserId(".."));
  EXPECT_FALSE(model::IsValidSubject(".."));
  EXPECT_TRUE(model::IsUserId("..."));
  EXPECT_TRUE(model::IsUserId(".alice"));
}

}  // namespace
}  // namespace workspaced::auth
