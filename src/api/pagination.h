// Keyset pagination for list endpoints. Bodies stay bare JSON arrays; the
// next page is announced in `Link: <path?limit=N&cursor=C>; rel="next"`.
// Cursors are opaque to clients (base64url of a versioned position).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace workspaced::api {

// Reads `limit` (1..max_limit, default default_limit) and `cursor`. Any query
// parameter not named here or in `also_allowed` is a 400, as is a repeated
// one, so a typo is never silently ignored.
StatusOr<store::Page> ParsePage(const http::Request& request, int default_limit, int max_limit,
                                std::initializer_list<std::string_view> also_allowed = {});

std::string EncodeCursor(std::string_view last_id);

// Adds the Link header when a further page exists.
void SetNextLink(http::Response& out, std::string_view path, int limit, std::string_view last_id);

// What to ask the store for: one item more than the page, which tells
// whether a next page exists.
inline store::Page Probe(const store::Page& page) {
  store::Page probe = page;
  probe.limit = page.limit + 1;
  return probe;
}

// Trims a Probe result to the page and, when it was longer, announces the
// next page in the Link header. Items need an `id`.
template <typename Item>
void FinishPage(std::vector<Item>& items, const store::Page& page, std::string_view path,
                http::Response& out) {
  if (static_cast<int>(items.size()) <= page.limit) return;
  items.resize(static_cast<std::size_t>(page.limit));
  SetNextLink(out, path, page.limit, items.back().id);
}

}  // namespace workspaced::api
