#include "api/pagination.h"

#include <algorithm>
#include <charconv>

#include "common/base64url.h"
#include "common/random.h"

namespace workspaced::api {
namespace {
constexpr std::string_view kCursorPrefix = "c1:";
}

std::string EncodeCursor(std::string_view last_id) {
  std::string raw(kCursorPrefix);
  raw += last_id;
  return Base64UrlEncode(raw);
}

StatusOr<store::Page> ParsePage(const http::Request& request, int default_limit, int max_limit,
                                std::initializer_list<std::string_view> also_allowed) {
  const std::vector<std::string> names = request.QueryNames();  // the query is parsed once here
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    bool known = name == "limit" || name == "cursor";
    for (auto a : also_allowed) known = known || name == a;
    if (!known) return InvalidArgument("unknown query parameter '" + name + "'");
    if (std::find(names.begin() + static_cast<std::ptrdiff_t>(i) + 1, names.end(), name) !=
        names.end())
      return InvalidArgument("query parameter '" + name + "' is repeated");
  }
  store::Page page;
  page.limit = default_limit;
  if (auto limit = request.QueryParam("limit")) {
    int n = 0;
    const auto* end = limit->data() + limit->size();
    const auto [ptr, ec] = std::from_chars(limit->data(), end, n);
    if (limit->empty() || ec != std::errc() || ptr != end || n < 1 || n > max_limit) {
      return InvalidArgument("limit must be an integer from 1 to " + std::to_string(max_limit));
    }
    page.limit = n;
  }
  if (auto cursor = request.QueryParam("cursor")) {
    auto raw = Base64UrlDecode(*cursor);
    if (!raw || raw->substr(0, kCursorPrefix.size()) != kCursorPrefix ||
        !IsUuid(std::string_view(*raw).substr(kCursorPrefix.size()))) {
      return InvalidArgument("cursor is not valid; use the Link header of the previous page");
    }
    page.after = raw->substr(kCursorPrefix.size());
  }
  return page;
}

void SetNextLink(http::Response& out, std::string_view path, int limit, std::string_view last_id) {
  std::string link = "<";
  link += path;
  link += "?limit=" + std::to_string(limit) + "&cursor=" + EncodeCursor(last_id);
  link += ">; rel=\"next\"";
  out.SetHeader("Link", std::move(link));
}

}  // namespace workspaced::api
