// The filters of the workspace lists (GET /v1/workspaces and
// GET /v1/workspaces/by-account/{account_id}):
//   ?status=<status>             one of the workspace statuses
//   ?region=<region>             one of the configured regions
//   ?label=<key>:<value>         repeatable (at most kMaxLabelFilters): all hold
//   ?name_prefix=<text>          the name starts with it (case-sensitive)
// A list with none of them is the unfiltered list, unchanged. The next
// page's Link repeats the filters (WorkspaceFilterQuery), and its cursor is
// signed for the list *and* its filters (pagination.h CursorCodec): a cursor
// sent with other filters, or none, is refused (400), so a client never
// mixes the pages of two different lists.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "api/pagination.h"
#include "common/status.h"
#include "http/request.h"
#include "store/store.h"

namespace workspaced::api {

inline constexpr std::size_t kMaxLabelFilters = 16;

// A workspace list's page and filter, read from the query.
struct FilteredPage {
  store::Page page;
  store::WorkspaceFilter filter;
  std::string list;   // what the cursors are signed for: the scope, then the filter
  std::string query;  // the filter as the next page's Link repeats it
};

// ParseWorkspaceFilter, then pagination.h ParsePage with the filters'
// parameters allowed (`label` repeatable) and the cursor read as one of
// `scope`'s (e.g. "by-account:<id>") with this filter. Unfiltered, the list
// is `scope` itself.
StatusOr<FilteredPage> ParseFilteredPage(const http::Request& request, const CursorCodec& cursors,
                                         std::string_view scope,
                                         const std::vector<std::string>& regions,
                                         int default_limit, int max_limit);

// kInvalidArgument (400) naming the parameter when a value is not valid:
// an unknown status or region, a label not key:value (key and value as a
// workspace's labels allow), the same key given twice with two values, more
// than kMaxLabelFilters labels, a name_prefix empty or longer than a name,
// or status, region or name_prefix repeated (ParsePage refuses that first).
StatusOr<store::WorkspaceFilter> ParseWorkspaceFilter(const http::Request& request,
                                                      const std::vector<std::string>& regions);

// The filter as query parameters for the next page's Link, each
// percent-encoded: "&status=active&label=team%3Adata…" ("" when empty).
std::string WorkspaceFilterQuery(const store::WorkspaceFilter& filter);

}  // namespace workspaced::api
