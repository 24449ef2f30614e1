#include "api/pagination.h"

#include <algorithm>
#include <charconv>

#include "common/base64url.h"
#include "common/hmac.h"
#include "common/random.h"
#include "common/text.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

constexpr char kVersion = 1;
constexpr std::size_t kTagBytes = 6;   // tells lists apart (and says so precisely)
constexpr std::size_t kMacBytes = 16;  // 128 bits: HMAC-SHA256 cut as RFC 2104 §5 allows
constexpr std::size_t kHeaderBytes = 1 + kTagBytes;
constexpr std::string_view kUseLink = "; use the Link header of the previous page";

}  // namespace

std::string CursorCodec::Encode(std::string_view list, std::string_view position) const {
  std::string raw(1, kVersion);
  raw += HmacSha256(key_, list).substr(0, kTagBytes);
  raw += position.substr(0, kMaxPositionBytes);
  raw += HmacSha256(key_, raw).substr(0, kMacBytes);
  return Base64UrlEncode(raw);
}

StatusOr<std::string> CursorCodec::Decode(std::string_view list, std::string_view cursor) const {
  if (cursor.size() > kMaxCursorChars) {
    return InvalidArgument("cursor is too long (at most " + std::to_string(kMaxCursorChars) +
                           " characters)" + std::string(kUseLink));
  }
  const std::optional<std::string> raw = Base64UrlDecode(cursor);
  if (!raw || raw->size() < kHeaderBytes + 1 + kMacBytes || raw->front() != kVersion)
    return InvalidArgument("cursor is malformed" + std::string(kUseLink));
  const std::string_view signed_part = std::string_view(*raw).substr(0, raw->size() - kMacBytes);
  const std::string_view mac = std::string_view(*raw).substr(signed_part.size());
  if (!ConstantTimeEquals(HmacSha256(key_, signed_part).substr(0, kMacBytes), mac)) {
    return InvalidArgument("cursor was altered or truncated, or was not issued by this service" +
                           std::string(kUseLink));
  }
  if (signed_part.substr(1, kTagBytes) != HmacSha256(key_, list).substr(0, kTagBytes)) {
    return InvalidArgument(
        "cursor belongs to another list: a cursor pages only the list whose Link header gave it");
  }
  return std::string(signed_part.substr(kHeaderBytes));
}

Status ParseTimeWindow(const http::Request& request, Micros& since, Micros& until) {
  if (auto v = request.QueryParam("since")) {
    const auto t = ParseRfc3339(*v, TimeEdge::kStart);
    if (!t) return InvalidArgument("since must be an RFC 3339 time");
    since = *t;
  }
  if (auto v = request.QueryParam("until")) {
    const auto t = ParseRfc3339(*v, TimeEdge::kEnd);
    if (!t) return InvalidArgument("until must be an RFC 3339 time");
    until = *t;
  }
  if (request.QueryParam("since") && request.QueryParam("until") && since > until)
    return InvalidArgument("since is after until");
  return Status::Ok();
}

StatusOr<int> ParseLimit(const http::Request& request, int default_limit, int max_limit) {
  const auto limit = request.QueryParam("limit");
  if (!limit) return default_limit;
  int n = 0;
  const auto* end = limit->data() + limit->size();
  const auto [ptr, ec] = std::from_chars(limit->data(), end, n);
  // One spelling per value: "05" is refused as "-5" is (no leading zero).
  if (limit->empty() || limit->front() == '0' || ec != std::errc() || ptr != end || n < 1 ||
      n > max_limit) {
    return InvalidArgument("limit must be an integer from 1 to " + std::to_string(max_limit));
  }
  return n;
}

Status RequireKnownQueryParams(const http::Request& request,
                               std::initializer_list<std::string_view> allowed,
                               std::initializer_list<std::string_view> also_allowed,
                               std::initializer_list<std::string_view> repeatable) {
  const std::vector<std::string> names = request.QueryNames();  // the query is parsed once here
  const auto in = [](std::initializer_list<std::string_view> list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (!in(allowed, name) && !in(also_allowed, name))
      return InvalidArgument("unknown query parameter '" + BoundedText(name, 64) + "'");
    if (in(repeatable, name)) continue;
    if (std::find(names.begin() + static_cast<std::ptrdiff_t>(i) + 1, names.end(), name) !=
        names.end())
      return InvalidArgument("query parameter '" + BoundedText(name, 64) + "' is repeated");
  }
  return Status::Ok();
}

StatusOr<store::Page> ParsePagePosition(const http::Request& request, const CursorCodec& cursors,
                                        std::string_view list, int default_limit, int max_limit,
                                        std::initializer_list<std::string_view> also_allowed,
                                        std::initializer_list<std::string_view> repeatable) {
  WS_RETURN_IF_ERROR(
      RequireKnownQueryParams(request, {"limit", "cursor"}, also_allowed, repeatable));
  store::Page page;
  WS_ASSIGN_OR_RETURN(page.limit, ParseLimit(request, default_limit, max_limit));
  if (auto cursor = request.QueryParam("cursor")) {
    WS_ASSIGN_OR_RETURN(page.after, cursors.Decode(list, *cursor));
  }
  return page;
}

StatusOr<store::Page> ParsePage(const http::Request& request, const CursorCodec& cursors,
                                std::string_view list, int default_limit, int max_limit,
                                std::initializer_list<std::string_view> also_allowed,
                                std::initializer_list<std::string_view> repeatable) {
  WS_ASSIGN_OR_RETURN(store::Page page, ParsePagePosition(request, cursors, list, default_limit,
                                                          max_limit, also_allowed, repeatable));
  // Only this service makes cursors: a position that is not an id is a bug.
  if (!page.after.empty() && !IsUuid(page.after))
    return Internal("pagination: a signed cursor holds no id");
  return page;
}

void SetNextLink(http::Response& out, std::string_view path, int limit, const CursorCodec& cursors,
                 std::string_view list, std::string_view last_id, std::string_view query) {
  std::string link = "<";
  link += path;
  link += "?limit=" + std::to_string(limit) + "&cursor=" + cursors.Encode(list, last_id);
  link += query;
  link += ">; rel=\"next\"";
  out.SetHeader("Link", std::move(link));
}

}  // namespace workspaced::api
