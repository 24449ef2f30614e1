// Query strings and cursors: the bytes are a request's query; ParsePage reads
// limit and cursor (and refuses unknown or repeated parameters, and any
// cursor this key did not sign for this list). A cursor the server made
// from any position must be read back as that position, in its own list
// only; the bytes taken as a cursor must never be accepted unsigned. The
// workspace lists' filters are read from the same bytes, and the query a
// next page's Link repeats them with must read back as the same filter.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "api/list_filters.h"
#include "api/pagination.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace workspaced;
  static const api::CursorCodec codec(std::string(64, 'k'));
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  http::Request request;
  request.method = http::Method::kGet;
  request.query = bytes;
  (void)api::ParsePage(request, codec, "workspaces:alice", 50, 1000, {"status"});

  static const std::vector<std::string> regions = {"us-east-1", "eu-west-1"};
  const auto filtered = api::ParseFilteredPage(request, codec, "by-account:a", regions, 50, 1000);
  if (filtered.ok()) {
    http::Request next;
    next.query = std::string_view(filtered->query).substr(filtered->query.empty() ? 0 : 1);
    const auto again = api::ParseWorkspaceFilter(next, regions);
    const api::FilteredPage& f = *filtered;
    if (!again.ok() || again->status != f.filter.status || again->region != f.filter.region ||
        again->labels != f.filter.labels || again->name_prefix != f.filter.name_prefix)
      std::abort();  // the Link would list something else
  }

  // The bytes as a cursor: a forgery unless they are one the key signed.
  const auto forged = codec.Decode("workspaces:alice", bytes);
  if (forged.ok() && codec.Encode("workspaces:alice", *forged) != bytes) std::abort();

  const std::string_view position = bytes.substr(0, api::CursorCodec::kMaxPositionBytes);
  if (position.empty()) return 0;
  const std::string cursor = codec.Encode("audit:x", position);
  if (cursor.size() > api::CursorCodec::kMaxCursorChars) std::abort();
  const auto back = codec.Decode("audit:x", cursor);
  if (!back.ok() || *back != position) std::abort();     // read back as another position
  if (codec.Decode("audit:y", cursor).ok()) std::abort();  // accepted in another list
  return 0;
}
