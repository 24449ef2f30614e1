// Who is calling: the verified claims of a bearer token.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"

namespace workspaced::auth {

enum class AuthMethod {
  kDevKey,  // HS256 with the data directory's dev signing key
  kJwks,    // RS256 / ES256 / EdDSA with a key from the configured JWKS
};

struct Principal {
  std::string subject;              // `sub`
  std::vector<std::string> groups;  // `groups` claim (may be empty)
  std::string issuer;               // `iss`
  AuthMethod method = AuthMethod::kDevKey;
  Micros expires_at = 0;  // `exp`
};

}  // namespace workspaced::auth
