// Base64url without padding (RFC 4648 §5), as JWTs and cursors use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace workspaced {

std::string Base64UrlEncode(std::string_view bytes);
// nullopt on any character outside the alphabet, on padding, or on an
// impossible length.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace workspaced
