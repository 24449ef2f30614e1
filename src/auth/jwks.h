// Verification keys from a JSON Web Key Set (RFC 7517, RFC 8037 for OKP).
//
// Each loaded key is usable with exactly one algorithm, decided by its type:
// RSA -> RS256, EC P-256 -> ES256, OKP Ed25519 -> EdDSA. A JWK's own `alg`, when
// present, must name that same algorithm.
//
// Thread-safety: a JwkSet is immutable once loaded and may be read from any
// number of threads.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "auth/openssl_ptr.h"
#include "common/status.h"

namespace workspaced::auth {

// RSA moduli below this size are refused when loading.
inline constexpr int kMinRsaBits = 2048;

struct Jwk {
  JwtAlg alg = JwtAlg::kRs256;
  EvpPkeyPtr key;  // never null
};

// Keys by `kid`.
using JwkSet = std::map<std::string, Jwk, std::less<>>;

// Parses JWKS JSON text. Skipped without failing: entries with a `use` other
// than "sig", `key_ops` without "verify", no `kid`, a kty/crv we do not verify
// with (oct, P-384, Ed448, ...) or an `alg` other than the one their type
// implies. Fails (kInvalidArgument, message safe for an operator's log) on
// invalid JSON, no "keys" array, an entry that is not an object or has no kty,
// malformed parameters of a supported key, an RSA key under kMinRsaBits, or a
// duplicate kid.
StatusOr<JwkSet> ParseJwks(std::string_view json);

// Reads `path` and parses it; failures name the path.
StatusOr<JwkSet> LoadJwksFile(const std::string& path);

}  // namespace workspaced::auth
