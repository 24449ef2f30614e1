#include "audit/chain.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

namespace workspaced::audit {
namespace {

// The canonical form as chains were first hashed: boost::json::serialize of
// the array. Every chain ever written must still verify, so the hand-written
// form must equal it byte for byte.
std::string Reference(const model::AuditEvent& e, const std::string& prev_hash) {
  boost::json::array a{prev_hash,     e.time,       e.actor,        e.actor_auth, e.action,
                       e.target_type, e.target_id,  e.workspace_id, e.outcome,    e.request_id,
                       e.source_ip,   e.user_agent, e.details};
  return boost::json::serialize(a);
}

model::AuditEvent Typical() {
  model::AuditEvent e;
  e.time = 1765065600123456;
  e.actor = "alice";
  e.actor_auth = "dev";
  e.action = "secret.reveal";
  e.target_type = "secret";
  e.target_id = "DB_PASSWORD";
  e.workspace_id = "01a24dce-9855-7625-bd79-1c12c14e64cf";
  e.outcome = "success";
  e.request_id = "req-1";
  e.source_ip = "127.0.0.1";
  e.user_agent = "curl/8.0 \"quoted\" \\ back";
  e.details = R"({"version":3})";
  return e;
}

TEST(ChainCanonicalForm, EqualsBoostJsonSerializeOfTheArray) {
  const model::AuditEvent e = Typical();
  EXPECT_EQ(CanonicalForm(e, ""), Reference(e, ""));
  EXPECT_EQ(CanonicalForm(e, std::string(64, 'a')), Reference(e, std::string(64, 'a')));
}

TEST(ChainCanonicalForm, EveryByteValueIsWrittenAsBoostJsonWritesIt) {
  for (int b = 0; b < 256; ++b) {
    model::AuditEvent e = Typical();
    e.user_agent = std::string("a") + static_cast<char>(b) + "z";
    e.details = std::string(1, static_cast<char>(b));
    ASSERT_EQ(CanonicalForm(e, "p"), Reference(e, "p")) << "byte " << b;
  }
}

TEST(ChainCanonicalForm, RandomStringsAndTimesMatchTheReference) {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 2000; ++round) {
    model::AuditEvent e;
    e.time = static_cast<std::int64_t>(rng());  // negative ones too
    for (std::string* s : {&e.actor, &e.actor_auth, &e.action, &e.target_type, &e.target_id,
                           &e.workspace_id, &e.outcome, &e.request_id, &e.source_ip,
                           &e.user_agent, &e.details}) {
      const std::size_t n = rng() % 40;
      for (std::size_t i = 0; i < n; ++i) s->push_back(static_cast<char>(rng() & 0xFF));
    }
    ASSERT_EQ(CanonicalForm(e, "prev"), Reference(e, "prev")) << "round " << round;
  }
}

TEST(ChainHash, ChangesWithAnyFieldAndWithThePreviousHash) {
  const model::AuditEvent e = Typical();
  const std::string h = ChainHash(e, "");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_NE(ChainHash(e, "x"), h);
  model::AuditEvent changed = e;
  changed.details = R"({"version":4})";
  EXPECT_NE(ChainHash(changed, ""), h);
}

}  // namespace
}  // namespace workspaced::audit
