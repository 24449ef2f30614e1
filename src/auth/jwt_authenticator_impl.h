// The Authenticator that NewJwtAuthenticator returns. Its class is visible so
// tests (and metrics) can read its counters; callers otherwise hold it as an
// Authenticator. See jwt_authenticator.h for the verification rules.
//
// Thread-safety: Authenticate and stats may be called concurrently. Keys and
// options are immutable after construction; the cache guards itself and the
// counters are atomic. The Clock must outlive the authenticator.
#pragma once

#include <boost/json/fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/jwt_authenticator.h"
#include "auth/token_cache.h"

namespace workspaced::auth {

// The `kid` of dev tokens; HS256 tokens without a kid are dev tokens too.
inline constexpr std::string_view kDevKeyId = "dev";

class JwtAuthenticatorImpl final : public Authenticator {
 public:
  struct Stats {
    std::uint64_t verifications = 0;  // signature checks run, passing or not
    std::uint64_t cache_hits = 0;
    std::size_t cached_tokens = 0;
  };

  // Validates `options` and loads the JWKS; fails as NewJwtAuthenticator does.
  static StatusOr<std::unique_ptr<JwtAuthenticatorImpl>> Create(const JwtOptions& options,
                                                                const Clock& clock);

  // Prefer Create: this trusts `options` to be validated and `keys` loaded.
  JwtAuthenticatorImpl(const JwtOptions& options, const Clock& clock, JwkSet keys);

  StatusOr<std::shared_ptr<const Principal>> Authenticate(std::string_view token) override;

  Stats stats() const;

 private:
  StatusOr<Principal> Verify(std::string_view token, std::int64_t now_seconds);
  // Qualifies subject and groups by the issuer (and organisation claim).
  Status QualifyIdentity(const boost::json::object& payload, Principal& principal) const;

  const JwtOptions options_;
  const Clock& clock_;
  const JwkSet keys_;
  const unsigned allowed_mask_;  // bit i set: JwtAlg(i) allowed
  const int leeway_seconds_;     // options_.leeway_seconds clamped
  TokenCache cache_;
  std::atomic<std::uint64_t> verifications_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
};

}  // namespace workspaced::auth
