// The Authenticator that NewJwtAuthenticator returns. Its class is visible so
// tests (and metrics) can read its counters; callers otherwise hold it as an
// Authenticator. See jwt_authenticator.h for the verification rules.
//
// Thread-safety: Authenticate, RefreshKeys and stats may be called
// concurrently. Options are immutable after construction; the JWKS is
// swapped whole under keys_mu_ (a verification uses the set it started
// with, and caches what it verified under that set's generation, so a token
// of a withdrawn key is never served from the cache); the cache guards
// itself and the counters are atomic. The Clock must outlive the
// authenticator.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/json/fwd.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
  // The JWKS file read again when its inode, size, modification or change
  // time changed (the change time: a rewrite that keeps the modification
  // time, `cp -p`, is seen too): a new set replaces the old whole, so a
  // withdrawn key's tokens are refused from then on (cached ones too), even
  // the last key's. A file that does not parse, or is gone, is refused once
  // and the set stays.
  StatusOr<std::optional<std::size_t>> RefreshKeys() override;

  Stats stats() const;

 private:
  // What identifies the version of the JWKS file that was read.
  struct FileStamp {
    ino_t inode = 0;
    off_t size = -1;
    timespec modified{};
    timespec changed{};
    bool operator==(const FileStamp& o) const {
      return inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec &&
             modified.tv_nsec == o.modified.tv_nsec && changed.tv_sec == o.changed.tv_sec &&
             changed.tv_nsec == o.changed.tv_nsec;
    }
  };
  struct KeySet {
    std::shared_ptr<const JwkSet> keys;
    std::uint64_t generation = 0;
  };
  static StatusOr<FileStamp> StampOf(const std::string& path);
  KeySet CurrentKeys() const;
  StatusOr<Principal> Verify(std::string_view token, std::int64_t now_seconds, const JwkSet& keys);
  // Qualifies subject and groups by the issuer (and organisation claim).
  Status QualifyIdentity(const boost::json::object& payload, Principal& principal) const;

  const JwtOptions options_;
  const Clock& clock_;
  mutable std::mutex keys_mu_;
  KeySet keys_;                               // guarded by keys_mu_
  std::atomic<std::uint64_t> generation_{0};  // keys_.generation, read without the lock
  FileStamp keys_stamp_;         // guarded by keys_mu_: the file as last read (or refused)
  const unsigned allowed_mask_;  // bit i set: JwtAlg(i) allowed
  const int leeway_seconds_;     // options_.leeway_seconds clamped
  TokenCache cache_;
  std::atomic<std::uint64_t> verifications_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
};

}  // namespace workspaced::auth
