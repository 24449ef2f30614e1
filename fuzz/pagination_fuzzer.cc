// Query strings and cursors: the bytes are a request's query; ParsePage reads
// limit and cursor (and refuses unknown or repeated parameters). A cursor the
// server made from any id must be read back as that id.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/pagination.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace workspaced;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  http::Request request;
  request.method = http::Method::kGet;
  request.query = bytes;
  (void)api::ParsePage(request, 50, 1000, {"status"});

  const std::string query = "limit=5&cursor=" + api::EncodeCursor(bytes);
  request.query = query;
  const auto page = api::ParsePage(request, 50, 1000);
  if (page.ok() && page->after != bytes) std::abort();  // a cursor read back as another id
  return 0;
}
