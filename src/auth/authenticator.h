// Turns a bearer token into a Principal.
//
// Thread-safety: Authenticate may be called from any number of threads.
// Failure: kUnauthenticated with a short reason (safe to show: it never
// echoes key material) for every invalid token.
#pragma once

#include <memory>
#include <string_view>

#include "auth/principal.h"
#include "common/status.h"

namespace workspaced::auth {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // `token` is the credential after "Bearer ".
  virtual StatusOr<std::shared_ptr<const Principal>> Authenticate(std::string_view token) = 0;
  // Reads the keys again if their source changed since they were read
  // (serve calls it every second, off the request path): true when the
  // keys changed. An error leaves the keys as they were.
  virtual StatusOr<bool> RefreshKeys() { return false; }
};

}  // namespace workspaced::auth
