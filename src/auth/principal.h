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

// `subject` and `groups` are qualified by the issuer (model/identity.h): the
// user id that memberships and relationships name, and the group ids that
// group mappings grant through.
struct Principal {
  std::string subject;              // QualifiedUser(iss, sub)
  std::vector<std::string> groups;  // `groups` claim, qualified (may be empty)
  std::string issuer;               // `iss`
  std::string sub;                  // `sub` as the token has it
  std::string org;                  // the organisation claim, when configured and present
  AuthMethod method = AuthMethod::kDevKey;
  Micros expires_at = 0;  // `exp`
};

}  // namespace workspaced::auth
