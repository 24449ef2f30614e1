// A JWKS document (the operator's file, or what an identity provider serves).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)workspaced::auth::ParseJwks(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
