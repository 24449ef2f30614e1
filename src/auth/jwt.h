// Compact JWS parsing and signature checks (RFC 7515) for the algorithms
// workspaced accepts. Claims are not interpreted here: see claims.h.
//
// Thread-safety: free functions over their arguments; safe from any thread
// (an EVP_PKEY may be shared by concurrent verifications).
#pragma once

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/hmac.h"
#include "common/status.h"

namespace workspaced::auth {

enum class JwtAlg { kHs256, kRs256, kEs256, kEdDsa };

// Exact JWA names only ("HS256", "RS256", "ES256", "EdDSA"); nullopt for
// anything else, "none" included.
std::optional<JwtAlg> ParseJwtAlg(std::string_view name);
std::string_view JwtAlgName(JwtAlg alg);

// Larger tokens are refused before any decoding, so a client cannot make us
// decode or cache megabytes.
inline constexpr std::size_t kMaxTokenBytes = 8192;

// A decoded token whose signature has NOT been checked yet.
struct ParsedJwt {
  JwtAlg alg = JwtAlg::kHs256;
  std::optional<std::string> kid;
  boost::json::object payload;
  std::string_view signing_input;  // "header.payload" as sent; views the token
  std::string signature;           // decoded bytes
};

// Splits and decodes `token`, which must outlive the result. Fails
// (kUnauthenticated, short reason) on oversize tokens, a segment count other
// than three, non-canonical base64url, a header or payload that is not a JSON
// object, alg none or unknown, a `crit` header, or a `typ` other than JWT or
// at+jwt.
StatusOr<ParsedJwt> ParseJwt(std::string_view token);

// Constant-time comparison against the expected HMAC.
bool VerifyHs256(std::string_view key, std::string_view signing_input, std::string_view signature);

// `key` must be the type `alg` needs (RSA, EC P-256, Ed25519); the JWKS
// loader guarantees that. ES256 signatures are JWS raw r||s (64 bytes).
bool VerifyWithPublicKey(const EVP_PKEY& key, JwtAlg alg, std::string_view signing_input,
                         std::string_view signature);

}  // namespace workspaced::auth
