// JWT bearer authentication (RFC 7519 / 7515 / 7517 / 8037).
//
//  - HS256 with the dev signing key (embedded default). Dev tokens carry
//    iss = dev_issuer and aud = dev_audience.
//  - RS256, ES256 (P-256) and EdDSA (Ed25519) with keys from a JWKS file,
//    selected by `kid`; tokens must carry the configured iss and aud.
//  - Only algorithms in `allowed_algorithms` are accepted; `none` never is.
//    The key decides the algorithm: an HS256 token is only ever checked with
//    the dev key, an asymmetric one only with a JWKS key of matching type, so
//    algorithm confusion (HS256 signed with an RSA public key) fails.
//  - exp is required; exp and nbf are checked with `leeway_seconds` (<= 60);
//    exp must be after nbf, and within `max_lifetime_seconds` (if set) of
//    iat, else nbf, else now (claims.h).
//  - Identities are per issuer (model/identity.h): Principal::subject and
//    ::groups are qualified with the issuer (and organisation); dev tokens
//    whose sub or groups contain '|' are refused.
//  - Verified tokens are cached (at most `cache_capacity`, never past exp) so
//    repeated requests skip signature verification.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/status.h"

namespace workspaced::auth {

struct JwtOptions {
  // Raw HS256 key bytes; empty disables dev tokens.
  std::string dev_key;
  std::string dev_issuer = "workspaced-dev";
  std::string dev_audience = "workspaced";
  // Optional JWKS file (RFC 7517 JSON) and the iss/aud its tokens must carry.
  std::string jwks_path;
  std::string issuer;
  std::string audience;
  // The claim of JWKS tokens that names the tenant's organisation (string,
  // 1–255 printable characters); empty: none is read.
  std::string org_claim;
  std::vector<std::string> allowed_algorithms = {"HS256", "RS256", "ES256", "EdDSA"};
  int leeway_seconds = 60;  // clamped to [0, 60]
  // When > 0, tokens whose exp is more than this after their iat (else nbf,
  // else now) are refused; 0: no limit.
  std::int64_t max_lifetime_seconds = 0;
  std::size_t cache_capacity = 10000;
};

// Fails (kInvalidArgument, with a message for the operator) on an unreadable
// or malformed JWKS, an RSA key under 2048 bits, an unknown or "none" entry in
// allowed_algorithms, a JWKS without issuer/audience, or options that accept
// nothing. JWKS entries not meant for signatures (`use` other than "sig") or of
// a type we do not verify with are skipped, not fatal (see jwks.h).
// The returned authenticator is a JwtAuthenticatorImpl; `clock` must outlive it.
StatusOr<std::unique_ptr<Authenticator>> NewJwtAuthenticator(const JwtOptions& options,
                                                             const Clock& clock);

struct DevTokenClaims {
  std::string subject;
  std::vector<std::string> groups;
  Micros issued_at = 0;
  Micros ttl = 3600LL * 1'000'000;
};

// An HS256 JWT signed with the dev key, accepted by an authenticator built
// with the same dev key and default dev issuer/audience.
std::string SignDevToken(std::string_view dev_key, const DevTokenClaims& claims,
                         std::string_view issuer = "workspaced-dev",
                         std::string_view audience = "workspaced");

}  // namespace workspaced::auth
