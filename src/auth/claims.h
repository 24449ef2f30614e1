// Registered-claim checks (RFC 7519 §4.1) shared by dev and JWKS tokens, run
// only after the signature has been verified.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/principal.h"
#include "model/identity.h"
#include "common/status.h"

namespace workspaced::auth {

inline constexpr std::size_t kMaxSubjectBytes = model::kMaxSubjectBytes;
inline constexpr std::size_t kMaxGroups = 256;
inline constexpr std::size_t kMaxGroupBytes = model::kMaxSubjectBytes;  // a group is as a sub
inline constexpr int kMaxLeewaySeconds = 60;

struct ClaimRules {
  std::string_view issuer;    // `iss` must equal it
  std::string_view audience;  // `aud` (string or array) must contain it
  std::int64_t now_seconds = 0;
  int leeway_seconds = 0;  // in [0, kMaxLeewaySeconds]
  // When > 0, exp may be at most this far after iat (else nbf, else now).
  std::int64_t max_lifetime_seconds = 0;
};

// The first second at which a token expiring at `exp_seconds` is refused.
// Verification and the token cache both use it, so a cached token never
// outlives what a fresh verification would accept.
inline std::int64_t ExpiryCutoff(std::int64_t exp_seconds, int leeway_seconds) {
  return exp_seconds + leeway_seconds;
}

// Checks exp (required), nbf, iat, iss, aud, sub and groups. NumericDates
// may be negative (before 1970: in the past); exp must be after nbf, and at
// most max_lifetime_seconds after iat (else nbf, else now) when that is set.
// sub is 1-255 bytes of display-safe UTF-8 without surrounding white space.
// On success the Principal has subject, groups, issuer and expires_at set;
// the caller sets method. Fails kUnauthenticated with a short reason such as
// "token expired".
StatusOr<Principal> CheckClaims(const boost::json::object& payload, const ClaimRules& rules);

}  // namespace workspaced::auth
