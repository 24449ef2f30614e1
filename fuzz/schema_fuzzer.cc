// The authorization schema parser (a SpiceDB schema subset, authz/schema.zed).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authz/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)workspaced::authz::ParseSchema(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
