#include "api/list_filters.h"

#include <algorithm>

#include "domain/workspace_fields.h"

namespace workspaced::api {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

void AppendParam(std::string& out, std::string_view name, std::string_view value) {
  out += '&';
  out += name;
  out += '=';
  out += http::PercentEncode(value);
}

Status Bad(std::string_view param, const std::string& why) {
  return InvalidArgument("query parameter '" + std::string(param) + "' " + why);
}

Status ParseLabel(const std::string& text, std::map<std::string, std::string>& labels) {
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) return Bad("label", "must be key:value");
  const std::string key = text.substr(0, colon);
  const std::string value = text.substr(colon + 1);
  if (auto problem = domain::LabelKeyProblem(key)) return Bad("label", *problem);
  if (auto problem = domain::LabelValueProblem(value)) return Bad("label", "value " + *problem);
  const auto [at, added] = labels.emplace(key, value);
  if (!added && at->second != value)
    return Bad("label", "names the key '" + key + "' with two values; a workspace has one");
  return Status::Ok();
}

}  // namespace

StatusOr<FilteredPage> ParseFilteredPage(const http::Request& request, const CursorCodec& cursors,
                                         std::string_view scope,
                                         const std::vector<std::string>& regions,
                                         int default_limit, int max_limit) {
  FilteredPage out;
  WS_ASSIGN_OR_RETURN(out.filter, ParseWorkspaceFilter(request, regions));
  out.query = WorkspaceFilterQuery(out.filter);
  out.list = std::string(scope);
  if (!out.query.empty()) {
    out.list += '\0';  // no scope holds it: a filtered list never names an unfiltered one
    out.list += out.query;
  }
  WS_ASSIGN_OR_RETURN(out.page, ParsePage(request, cursors, out.list, default_limit, max_limit,
                                          {"status", "region", "label", "name_prefix"}, {"label"}));
  return out;
}

StatusOr<store::WorkspaceFilter> ParseWorkspaceFilter(const http::Request& request,
                                                      const std::vector<std::string>& regions) {
  store::WorkspaceFilter filter;
  // The unfiltered list pays nothing: a query that names no filter, as
  // written or percent-encoded, is not read again.
  const std::string_view q = request.query;
  bool named = q.find('%') != std::string_view::npos;
  for (const std::string_view name : {"status", "region", "label", "name_prefix"})
    named = named || q.find(name) != std::string_view::npos;
  if (!named) return filter;
  if (auto status = request.QueryParam("status")) {
    filter.status = model::ParseWorkspaceStatus(*status);
    // A purged workspace is a tombstone, in no list.
    if (!filter.status || *filter.status == model::WorkspaceStatus::kPurged)
      return Bad("status",
                 "must be one of provisioning, active, frozen, error, deleting, deleted");
  }
  if (auto region = request.QueryParam("region")) {
    if (std::find(regions.begin(), regions.end(), *region) == regions.end())
      return Bad("region", "must be one of the configured regions: " + Join(regions));
    filter.region = *region;
  }
  const std::vector<std::string> labels = request.QueryParams("label");
  if (labels.size() > kMaxLabelFilters)
    return Bad("label", "may be given at most " + std::to_string(kMaxLabelFilters) + " times");
  for (const std::string& label : labels) WS_RETURN_IF_ERROR(ParseLabel(label, filter.labels));
  if (auto prefix = request.QueryParam("name_prefix")) {
    if (auto problem = domain::NameProblem(*prefix)) return Bad("name_prefix", *problem);
    filter.name_prefix = *prefix;
  }
  return filter;
}

std::string WorkspaceFilterQuery(const store::WorkspaceFilter& filter) {
  std::string out;
  if (filter.status) AppendParam(out, "status", model::ToString(*filter.status));
  if (!filter.region.empty()) AppendParam(out, "region", filter.region);
  for (const auto& [key, value] : filter.labels) AppendParam(out, "label", key + ":" + value);
  if (!filter.name_prefix.empty()) AppendParam(out, "name_prefix", filter.name_prefix);
  return out;
}

}  // namespace workspaced::api
