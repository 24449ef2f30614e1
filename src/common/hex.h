// Lowercase hexadecimal: digests, random ids and keys as text.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace workspaced {

// Two lowercase hex digits per byte of `bytes`.
std::string HexEncode(std::string_view bytes);

// Appends the two lowercase hex digits of `byte` to `out`.
inline void AppendHexByte(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 15]);
}

}  // namespace workspaced
