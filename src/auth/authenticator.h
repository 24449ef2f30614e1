// Turns a bearer token into a Principal.
//
// Thread-safety: Authenticate may be called from any number of threads.
// Failure: kUnauthenticated with a short reason (safe to show: it never
// echoes key material) for every invalid token.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
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
  // (serve calls it every second, off the request path): when they
  // changed, how many keys of an allowed algorithm there are now (0: every
  // token of the source is refused); nullopt when nothing changed. An error
  // leaves the keys as they were, and is reported once a change.
  virtual StatusOr<std::optional<std::size_t>> RefreshKeys() {
    return std::optional<std::size_t>();
  }
};

}  // namespace workspaced::auth
