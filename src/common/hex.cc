#include "common/hex.h"

namespace workspaced {

std::string HexEncode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char b : bytes) AppendHexByte(out, static_cast<unsigned char>(b));
  return out;
}

}  // namespace workspaced
