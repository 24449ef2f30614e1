// The format of GET /v1/workspaces/{id}/export: ?format=json|ndjson|csv
// first; else the Accept header's preference (media ranges and q-values,
// RFC 9110 12.5.1; the configured format wins ties, then json, ndjson,
// csv); no Accept: the configured one. 406 (kNotAcceptable) when nothing
// acceptable is offered or the name is unknown.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/request.h"

namespace workspaced::api {

enum class ExportFormat { kJson, kNdjson, kCsv };

StatusOr<ExportFormat> ChooseExportFormat(const http::Request& r, const std::string& configured);

// "json", "ndjson" or "csv".
std::string_view ExportFormatName(ExportFormat f);

}  // namespace workspaced::api
