// Which format an export is written in (export_format.h).
#include "api/handlers/export_format.h"

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

namespace workspaced::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The quality `accept` gives the media type `type` (lowercase): that of its
// most specific matching range (RFC 9110 12.5.1: type/subtype over type/*
// over */*; types case-insensitive), -1 when no range matches. A malformed
// q counts as 1.
double Quality(std::string_view accept, std::string_view type) {
  const std::string_view major = type.substr(0, type.find('/'));
  double best_q = -1;
  int best_specificity = -1;
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const std::size_t semi = range.find(';');
    const std::string name = Lower(Trim(range.substr(0, semi)));
    double q = 1;
    for (std::string_view params = semi == std::string_view::npos ? "" : range.substr(semi + 1);
         !params.empty();) {
      const std::size_t next = params.find(';');
      const std::string param = Lower(Trim(params.substr(0, next)));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (param.rfind("q=", 0) == 0) {
        char* end = nullptr;
        const double v = std::strtod(param.c_str() + 2, &end);
        if (end != param.c_str() + 2 && v >= 0 && v <= 1) q = v;
      }
    }
    int specificity = -1;
    if (name == type) {
      specificity = 2;
    } else if (name.size() == major.size() + 2 && name.compare(0, major.size(), major) == 0 &&
               name.compare(major.size(), 2, "/*") == 0) {
      specificity = 1;
    } else if (name == "*/*") {
      specificity = 0;
    }
    if (specificity > best_specificity) {
      best_specificity = specificity;
      best_q = q;
    }
  }
  return best_q;
}

StatusOr<ExportFormat> Named(std::string_view name) {
  if (name == "json") return ExportFormat::kJson;
  if (name == "ndjson") return ExportFormat::kNdjson;
  if (name == "csv") return ExportFormat::kCsv;
  return Status(Code::kNotAcceptable, "format must be json, ndjson or csv");
}

constexpr std::string_view MediaType(ExportFormat f) {
  return f == ExportFormat::kJson     ? "application/json"
         : f == ExportFormat::kNdjson ? "application/x-ndjson"
                                : "text/csv";
}

}  // namespace

std::string_view ExportFormatName(ExportFormat f) {
  return f == ExportFormat::kJson ? "json" : f == ExportFormat::kNdjson ? "ndjson" : "csv";
}

StatusOr<ExportFormat> ChooseExportFormat(const http::Request& r, const std::string& configured) {
  if (auto f = r.QueryParam("format")) return Named(*f);
  const std::string_view accept = r.HeaderValue("Accept");
  WS_ASSIGN_OR_RETURN(const ExportFormat preferred, Named(configured));
  if (Trim(accept).empty()) return preferred;
  std::optional<ExportFormat> best;
  double best_q = 0;
  for (ExportFormat f : {preferred, ExportFormat::kJson, ExportFormat::kNdjson, ExportFormat::kCsv}) {
    const double q = Quality(accept, MediaType(f));
    if (q > best_q) {
      best = f;
      best_q = q;
    }
  }
  if (!best)
    return Status(Code::kNotAcceptable,
                  "export is available as application/json, application/x-ndjson or text/csv");
  return *best;
}

}  // namespace workspaced::api
