// The authenticator's use of its token cache: hits skip verification, never
// outlive exp, and stay within capacity.
#include <gtest/gtest.h>

#include <chrono>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <iterator>
#include <optional>
#include <fstream>
#include <thread>

#include "auth/testing/authenticator_fixture.h"

namespace workspaced::auth {
namespace {

class JwtAuthenticatorCacheTest : public testkit::AuthenticatorFixture {};

TEST_F(JwtAuthenticatorCacheTest, SecondCallIsServedFromCacheWithoutVerifying) {
  const auto auth = Make();
  const std::string token = Sign(JwtAlg::kRs256, Claims());
  auto first = auth->Authenticate(token);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(auth->stats().verifications, 1u);
  auto second = auth->Authenticate(token);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, *first);  // the very same Principal object
  EXPECT_EQ(auth->stats().verifications, 1u);
  EXPECT_EQ(auth->stats().cache_hits, 1u);
  EXPECT_EQ(auth->stats().cached_tokens, 1u);
}

TEST_F(JwtAuthenticatorCacheTest, RefusedTokensAreNotCached) {
  const auto auth = Make();
  auto claims = Claims();
  claims["aud"] = "elsewhere";
  const std::string token = Sign(JwtAlg::kEdDsa, claims);
  EXPECT_EQ(Reject(*auth, token), "audience not accepted");
  EXPECT_EQ(Reject(*auth, token), "audience not accepted");
  EXPECT_EQ(auth->stats().verifications, 2u);
  EXPECT_EQ(auth->stats().cached_tokens, 0u);
}

TEST_F(JwtAuthenticatorCacheTest, CachedTokenIsRefusedOnceTheClockPassesExp) {
  options_.leeway_seconds = 0;
  const auto auth = Make();
  auto claims = Claims();
  claims["exp"] = Now() + 10;
  const std::string token = Sign(JwtAlg::kEs256, claims);
  ASSERT_TRUE(auth->Authenticate(token).ok());
  clock_.Advance(9'999'999);
  ASSERT_TRUE(auth->Authenticate(token).ok());
  EXPECT_EQ(auth->stats().cache_hits, 1u);
  clock_.Advance(1);  // now == exp
  EXPECT_EQ(Reject(*auth, token), "token expired");
  EXPECT_EQ(auth->stats().cache_hits, 1u);
}

TEST_F(JwtAuthenticatorCacheTest, CacheHonoursTheSameLeewayAsVerification) {
  options_.leeway_seconds = 60;
  const auto auth = Make();
  auto claims = Claims();
  claims["exp"] = Now() + 10;
  const std::string token = Sign(JwtAlg::kEs256, claims);
  ASSERT_TRUE(auth->Authenticate(token).ok());
  clock_.Advance(69'000'000);  // exp + 59 s
  EXPECT_TRUE(auth->Authenticate(token).ok());
  EXPECT_EQ(auth->stats().cache_hits, 1u);
  clock_.Advance(1'000'000);  // exp + 60 s
  EXPECT_EQ(Reject(*auth, token), "token expired");
}

TEST_F(JwtAuthenticatorCacheTest, StaysWithinCapacity) {
  options_.cache_capacity = 4;
  const auto auth = Make();
  for (int i = 0; i < 20; ++i) {
    auto claims = Claims();
    claims["sub"] = "user-" + std::to_string(i);
    ASSERT_TRUE(auth->Authenticate(Sign(JwtAlg::kEdDsa, claims)).ok());
    EXPECT_LE(auth->stats().cached_tokens, 4u);
  }
  EXPECT_EQ(auth->stats().verifications, 20u);
}

TEST_F(JwtAuthenticatorCacheTest, ZeroCapacityVerifiesEveryTime) {
  options_.cache_capacity = 0;
  const auto auth = Make();
  const std::string token = Sign(JwtAlg::kEdDsa, Claims());
  ASSERT_TRUE(auth->Authenticate(token).ok());
  ASSERT_TRUE(auth->Authenticate(token).ok());
  EXPECT_EQ(auth->stats().verifications, 2u);
}

TEST_F(JwtAuthenticatorCacheTest, ConcurrentCallersShareTheCache) {
  const auto auth = Make();
  std::vector<std::string> tokens;
  tokens.reserve(3);
  for (const JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kEs256, JwtAlg::kEdDsa}) {
    tokens.push_back(Sign(alg, Claims()));
  }
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto principal = auth->Authenticate(tokens[i % tokens.size()]);
        ASSERT_TRUE(principal.ok());
        ASSERT_EQ((*principal)->sub, "alice");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Racing first calls may each verify; after that everything is a hit.
  EXPECT_LE(auth->stats().verifications, 3u * 4u);
  EXPECT_GE(auth->stats().cache_hits, 4u * 500u - 3u * 4u);
}

// A loose guard against the hit path regressing to re-verification (which
// costs tens of microseconds); the real figure is far below a microsecond in
// optimised builds.
TEST_F(JwtAuthenticatorCacheTest, CacheHitIsCheap) {
  const auto auth = Make();
  const std::string token = Sign(JwtAlg::kRs256, Claims());
  ASSERT_TRUE(auth->Authenticate(token).ok());
  constexpr int kHits = 20'000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kHits; ++i) ASSERT_TRUE(auth->Authenticate(token).ok());
  const auto per_hit = (std::chrono::steady_clock::now() - start) / kHits;
  RecordProperty("ns_per_hit", static_cast<int>(per_hit.count()));
  EXPECT_LT(per_hit, std::chrono::microseconds(5));
  EXPECT_EQ(auth->stats().verifications, 1u);
}

}  // namespace
}  // namespace workspaced::auth

namespace workspaced::auth {
namespace {

// The JWKS file read again when it changes (RefreshKeys; serve calls it
// every second): a key withdrawn from the file is refused from then on,
// even for a token verified and cached before; a key added is accepted; a
// file that does not parse, or leaves no usable key, changes nothing.
class JwksRefreshTest : public testkit::AuthenticatorFixture {
 protected:
  // Rewrites the fixture's JWKS file with `keys` (a new inode: written
  // beside it and renamed over it, as a deployment tool would).
  void Rewrite(const std::string& text) {
    const std::string next = options_.jwks_path + ".next";
    std::ofstream(next) << text;
    ASSERT_EQ(std::rename(next.c_str(), options_.jwks_path.c_str()), 0);
  }
  std::string KeysText(std::initializer_list<boost::json::object> keys) {
    boost::json::array list;
    for (const auto& k : keys) list.push_back(k);
    return boost::json::serialize(boost::json::object{{"keys", list}});
  }
};

TEST_F(JwksRefreshTest, AWithdrawnKeyIsRefusedAndANewOneAcceptedWithoutARestart) {
  const auto auth = Make();
  const std::string rsa = Sign(JwtAlg::kRs256, Claims());
  const std::string ec = Sign(JwtAlg::kEs256, Claims());
  ASSERT_TRUE(auth->Authenticate(rsa).ok());  // verified, and cached
  ASSERT_TRUE(auth->Authenticate(ec).ok());
  EXPECT_EQ(*auth->RefreshKeys(), std::nullopt) << "nothing changed";

  // The RSA key withdrawn: only the EC one stays.
  Rewrite(KeysText({testkit::PublicJwk(*keys_.ec, kEcKid)}));
  EXPECT_EQ(*auth->RefreshKeys(), std::optional<std::size_t>(1));
  const auto refused = auth->Authenticate(rsa);
  ASSERT_FALSE(refused.ok()) << "a withdrawn key's token was served from the cache";
  EXPECT_EQ(refused.status().message(), "unknown key id");
  EXPECT_TRUE(auth->Authenticate(ec).ok());

  // A file that does not parse (or holds no usable key) leaves the keys.
  Rewrite("{\"keys\": [");
  EXPECT_FALSE(auth->RefreshKeys().ok());
  EXPECT_EQ(*auth->RefreshKeys(), std::nullopt)
      << "a refused version is not read again until it changes";
  EXPECT_TRUE(auth->Authenticate(ec).ok());

  // The RSA key back: accepted again.
  boost::json::object rsa_key = testkit::PublicJwk(*keys_.rsa, kRsaKid);
  rsa_key["alg"] = "RS256";
  Rewrite(KeysText({rsa_key, testkit::PublicJwk(*keys_.ec, kEcKid)}));
  EXPECT_EQ(*auth->RefreshKeys(), std::optional<std::size_t>(2));
  EXPECT_TRUE(auth->Authenticate(rsa).ok());

  // A file gone is reported once (not every second), and its return read.
  ASSERT_EQ(std::rename(options_.jwks_path.c_str(), (options_.jwks_path + ".away").c_str()), 0);
  EXPECT_FALSE(auth->RefreshKeys().ok());
  EXPECT_EQ(*auth->RefreshKeys(), std::nullopt);
  EXPECT_TRUE(auth->Authenticate(rsa).ok()) << "the keys read before stay";
  ASSERT_EQ(std::rename((options_.jwks_path + ".away").c_str(), options_.jwks_path.c_str()), 0);
  EXPECT_EQ(*auth->RefreshKeys(), std::optional<std::size_t>(2));
}

// A rewrite in place that keeps the size and the modification time (cp -p,
// rsync --inplace) is still a change: the change time moves.
TEST_F(JwksRefreshTest, ARewriteKeepingSizeAndModificationTimeIsSeen) {
  const auto auth = Make();
  const std::string ec = Sign(JwtAlg::kEs256, Claims());
  ASSERT_TRUE(auth->Authenticate(ec).ok());
  struct stat before {};
  ASSERT_EQ(::stat(options_.jwks_path.c_str(), &before), 0);
  // The same bytes but the EC key's id changed to one of the same length.
  std::ifstream in(options_.jwks_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = text.find(std::string("\"") + std::string(kEcKid) + "\"");
  ASSERT_NE(at, std::string::npos);
  text[at + 1] = 'x';  // "ec-1" -> "xc-1"
  std::ofstream(options_.jwks_path, std::ios::trunc) << text;
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, options_.jwks_path.c_str(), times, 0), 0);
  EXPECT_EQ(*auth->RefreshKeys(), std::optional<std::size_t>(3));
  EXPECT_FALSE(auth->Authenticate(ec).ok()) << "the withdrawn id's token was still accepted";
}

// Withdrawing the last key (a compromised one) refuses its tokens, even
// when nobody else can sign in then: failing open would keep the
// compromised key.
TEST_F(JwksRefreshTest, TheLastKeyCanBeWithdrawn) {
  options_.dev_key.clear();
  const auto auth = Make();
  const std::string ec = Sign(JwtAlg::kEs256, Claims());
  ASSERT_TRUE(auth->Authenticate(ec).ok());
  Rewrite(KeysText({}));
  EXPECT_EQ(*auth->RefreshKeys(), std::optional<std::size_t>(0));
  EXPECT_FALSE(auth->Authenticate(ec).ok());
}

}  // namespace
}  // namespace workspaced::auth
