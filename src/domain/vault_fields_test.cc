#include "domain/vault_fields.h"

#include <gtest/gtest.h>

#include <map>

namespace workspaced::domain {
namespace {

TEST(VaultFields, ValuesAreCheckedAndNormalisedPerType) {
  EXPECT_EQ(NormaliseVaultValue("card_number", "4242 4242-4242 4242").value, "4242424242424242");
  EXPECT_FALSE(NormaliseVaultValue("card_number", "4242 4242 4242 4241").value);  // Luhn
  EXPECT_FALSE(NormaliseVaultValue("card_number", "4242").value);
  EXPECT_EQ(NormaliseVaultValue("national_id", "ab-12 34").value, "AB1234");
  EXPECT_FALSE(NormaliseVaultValue("national_id", "ab!1234").value);
  EXPECT_EQ(NormaliseVaultValue("email", "Jane@Example.COM").value, "Jane@example.com");
  EXPECT_FALSE(NormaliseVaultValue("email", "jane@@x.com").value);
  EXPECT_FALSE(NormaliseVaultValue("email", "jane doe@x.com").value);
  EXPECT_FALSE(NormaliseVaultValue("email", "jane@localhost").value);
  EXPECT_FALSE(NormaliseVaultValue("email", "\u202Eevil@c.com").value);        // a bidi override
  EXPECT_FALSE(NormaliseVaultValue("email", "ja\u200Bne@c.com").value);        // a zero width space
  EXPECT_FALSE(NormaliseVaultValue("email", "john@exam\u3000ple.com").value);  // ideographic space
  EXPECT_FALSE(NormaliseVaultValue("email", "john@exam\u00A0ple.com").value);  // no-break space
  EXPECT_FALSE(NormaliseVaultValue("email", "john\u2800@c.com").value);        // braille blank
  EXPECT_FALSE(NormaliseVaultValue("email", "jo\uFE0Fhn@c.com").value);  // a variation selector
  EXPECT_EQ(NormaliseVaultValue("email", "j\u00F8rn@c.com").value, "j\u00F8rn@c.com");
  EXPECT_EQ(NormaliseVaultValue("phone", "+1 (555) 010-9999").value, "+15550109999");
  EXPECT_FALSE(NormaliseVaultValue("phone", "12").value);
  EXPECT_EQ(NormaliseVaultValue("text", "anything").value, "anything");
  EXPECT_FALSE(NormaliseVaultValue("text", std::string(4097, 'x')).value);
  EXPECT_FALSE(NormaliseVaultValue("text", "").value);
  // A problem never repeats the value.
  EXPECT_EQ(NormaliseVaultValue("card_number", "SECRET-CARD").problem.find("SECRET"),
            std::string::npos);
}

// One answer lists every problem of a field: what the parser reported and
// what the rules find in the members it did not.
TEST(VaultFields, EveryBadMemberOfAFieldIsListed) {
  VaultWrite w;
  w.fields.push_back(
      {.name = "g2", .type = "card_number", .value = "SECRETVALUE123", .mask = "email"});
  w.fields.push_back({.name = "g3", .type = "bogus", .value = "", .mask = "zzz"});
  w.parse_errors = {{"fields.g2.deterministic", "must be true or false"},
                    {"fields.g3.value", "must be a string"}};
  const auto out = NormaliseVaultWrite(w);
  ASSERT_FALSE(out.ok());
  std::map<std::string, std::string> fields;
  for (const auto& e : out.status().field_errors()) fields[e.field] = e.detail;
  EXPECT_EQ(fields.size(), 6u);
  EXPECT_TRUE(fields.contains("fields.g2.deterministic"));
  EXPECT_TRUE(fields.contains("fields.g2.mask"));
  EXPECT_TRUE(fields.contains("fields.g2.value"));
  EXPECT_EQ(fields["fields.g3.value"], "must be a string");  // not checked again
  EXPECT_TRUE(fields.contains("fields.g3.type"));
  EXPECT_TRUE(fields.contains("fields.g3.mask"));
  // Without a known type the value is still held to what every type asks.
  VaultWrite untyped;
  untyped.fields.push_back({.name = "a", .type = "", .value = ""});
  untyped.parse_errors = {{"fields.a.type", "is required"}};
  const auto both = NormaliseVaultWrite(untyped);
  ASSERT_FALSE(both.ok());
  std::map<std::string, std::string> named;
  for (const auto& e : both.status().field_errors()) named[e.field] = e.detail;
  EXPECT_EQ(named,
            (std::map<std::string, std::string>{{"fields.a.type", "is required"},
                                                {"fields.a.value", "a value is 1 to 4096 bytes"}}));
  for (const auto& [field, detail] : fields) EXPECT_EQ(detail.find("SECRET"), std::string::npos);
}

TEST(VaultFields, MasksShowAtMostTheLastFourOrAnEmailsDomain) {
  EXPECT_EQ(ApplyVaultMask("card", "4242424242424242"), "**** **** **** 4242");
  EXPECT_EQ(ApplyVaultMask("email", "jane@example.com"), "j***@example.com");
  EXPECT_EQ(ApplyVaultMask("last4", "AB123456789"), "*****6789");
  EXPECT_EQ(ApplyVaultMask("last4", "1234"), "*****");
  // Never half or more of a value (outside audit: AB123 showed B123, and
  // x@corp.example its whole local part).
  EXPECT_EQ(ApplyVaultMask("last4", "AB123"), "*****");
  EXPECT_EQ(ApplyVaultMask("last4", "ABC1234"), "*****");
  EXPECT_EQ(ApplyVaultMask("last4", "ABCD1234"), "*****");  // exactly half
  EXPECT_EQ(ApplyVaultMask("last4", "ABCDE1234"), "*****1234");
  EXPECT_EQ(ApplyVaultMask("email", "x@corp.example"), "***@corp.example");
  EXPECT_EQ(ApplyVaultMask("email", "xy@corp.example"), "***@corp.example");
  EXPECT_EQ(ApplyVaultMask("email", "xyz@corp.example"), "x***@corp.example");
  EXPECT_EQ(ApplyVaultMask("full", "anything"), "********");
  // Characters, not bytes: never half of one.
  EXPECT_EQ(ApplyVaultMask("last4", "aa\u00e9\u20ac"), "*****");
  EXPECT_EQ(ApplyVaultMask("last4", "aaaaaaa\u00e9\u20acb"), "*****a\u00e9\u20acb");
  EXPECT_EQ(ApplyVaultMask("last4", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"),
            "*****\u00e9\u00e9\u00e9\u00e9");
  EXPECT_EQ(ApplyVaultMask("last4", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"), "*****");
  EXPECT_EQ(ApplyVaultMask("email", "\u00fcxy@ex\u00e4mple.com"), "\u00fc***@ex\u00e4mple.com");
  EXPECT_TRUE(VaultMaskFits("last4", "email"));
  EXPECT_FALSE(VaultMaskFits("card", "email"));
  EXPECT_FALSE(VaultMaskFits("email", "text"));
  EXPECT_FALSE(VaultMaskFits("none", "text"));
  EXPECT_EQ(DefaultVaultMask("card_number"), "card");
}

TEST(VaultFields, DeterministicTokensAreEqualWithinAWorkspaceAndDifferAcross) {
  auto seeded = NewSeededRandom(7);
  Random& random = *seeded;
  const crypto::Key a = crypto::Key::Generate(random);
  const crypto::Key b = crypto::Key::Generate(random);
  const std::string ka = VaultTokenKey(a, "w1");
  const std::string kb = VaultTokenKey(b, "w2");
  const std::string t1 = DeterministicVaultToken(ka, "email", "jane@example.com");
  EXPECT_EQ(t1, DeterministicVaultToken(ka, "email", "jane@example.com"));
  EXPECT_NE(t1, DeterministicVaultToken(ka, "text", "jane@example.com"));
  EXPECT_NE(t1, DeterministicVaultToken(kb, "email", "jane@example.com"));
  EXPECT_NE(VaultTokenKey(a, "w1"), VaultTokenKey(a, "w2"));
  EXPECT_TRUE(IsVaultToken(t1));
  const std::string r = RandomVaultToken(random);
  EXPECT_TRUE(IsVaultToken(r)) << r;
  EXPECT_NE(r, RandomVaultToken(random));
  EXPECT_FALSE(IsVaultToken("vtx_AAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_FALSE(IsVaultToken("vtr_AAAAAAAAAAAAAAAAAAAAA'"));
  EXPECT_FALSE(IsVaultToken("vtr_short"));
}

}  // namespace
}  // namespace workspaced::domain
