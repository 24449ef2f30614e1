// HMAC-SHA256 (OpenSSL), for what the service signs itself: dev tokens
// (auth/jwt.h) and pagination cursors (api/pagination.h).
//
// Thread-safety: plain functions; any thread.
#pragma once

#include <string>
#include <string_view>

namespace workspaced {

// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Whether `a` and `b` are equal, in time that depends on their length only
// (comparing a MAC a client sent with the expected one).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace workspaced
