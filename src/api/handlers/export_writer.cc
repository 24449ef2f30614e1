// The export's three formats (export_writer.h).
#include "api/handlers/export_writer.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/json_writer.h"
#include "common/text.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

// A cell a spreadsheet would run as a formula (OWASP's CSV injection: one
// starting with =, +, -, @, tab or CR), also behind leading spaces or
// characters that show as nothing (a zero width joiner, a variation
// selector, a no-break space), which a tool may strip before it loads the
// file. Any text column may hold one: a name, a label, a member's subject,
// another tenant's User-Agent in the audit log.
bool LooksLikeFormula(std::string_view v) {
  if (!v.empty() && (v.front() == '\t' || v.front() == '\r')) return true;
  const std::string_view seen = SkipBlankStart(v);
  return !seen.empty() && std::string_view("=+-@").find(seen.front()) != std::string_view::npos;
}

// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
// A formula-like cell is neutralised as OWASP says: a single quote before it,
// inside a quoted field. A cell holding what IsDisplaySafe refuses (a
// control character, ESC, NUL, a bidirectional override, a byte that is not
// UTF-8: stored before it was refused, or from a client's User-Agent) is
// written escaped as BoundedText escapes it (\x1b, \u202e), so a terminal or
// spreadsheet shows it, never runs it, and a NUL or BOM cannot hide a
// formula from the check.
void CsvField(std::string& out, std::string_view v) {
  std::string escaped;
  if (!IsDisplaySafe(v)) {
    escaped = ShownSafely(v);
    v = escaped;
  }
  const bool formula = LooksLikeFormula(v);
  if (!formula && v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

template <typename Cells, typename TextOf>
void CsvRow(std::string& out, const Cells& cells, TextOf text_of) {
  bool first = true;
  for (const auto& cell : cells) {
    if (!first) out.push_back(',');
    first = false;
    CsvField(out, text_of(cell));
  }
  out += "\r\n";
}

void Object(std::string& out, const ExportRecord& record) {
  JsonWriter w(out);
  w.BeginObject();
  for (const ExportField& f : record) {
    w.Key(f.name);
    switch (f.json) {
      case ExportField::Json::kString:
        w.Value(f.text);
        break;
      case ExportField::Json::kNull:
        w.Null();
        break;
      case ExportField::Json::kLiteral:
        w.RawValue(f.text);
        break;
    }
  }
  w.EndObject();
}

}  // namespace

ExportField ExportField::String(std::string name, std::string value) {
  return {std::move(name), std::move(value), Json::kString};
}

ExportField ExportField::StringOrNull(std::string name, std::string value) {
  const Json json = value.empty() ? Json::kNull : Json::kString;
  return {std::move(name), std::move(value), json};
}

ExportField ExportField::Integer(std::string name, std::int64_t value) {
  return {std::move(name), std::to_string(value), Json::kLiteral};
}

ExportField ExportField::Boolean(std::string name, bool value) {
  return {std::move(name), value ? "true" : "false", Json::kLiteral};
}

ExportField ExportField::TimeOrNull(std::string name, Micros t) {
  if (t == 0) return {std::move(name), std::string(), Json::kNull};
  return {std::move(name), FormatRfc3339(t), Json::kString};
}

ExportField ExportField::JsonText(std::string name, std::string json) {
  return {std::move(name), std::move(json), Json::kLiteral};
}

ExportRecord ExportRecordOfObject(std::string_view json_object) {
  const boost::json::value doc = boost::json::parse(json_object);
  ExportRecord record;
  for (const auto& [key, v] : doc.as_object()) {
    std::string name(key);
    if (v.is_string()) {
      record.push_back(ExportField::String(std::move(name), std::string(v.get_string())));
    } else if (v.is_null()) {
      record.push_back({std::move(name), std::string(), ExportField::Json::kNull});
    } else {
      record.push_back(ExportField::JsonText(std::move(name), boost::json::serialize(v)));
    }
  }
  return record;
}

std::vector<std::string> ExportColumns(const ExportRecord& record) {
  std::vector<std::string> columns;
  columns.reserve(record.size());
  for (const ExportField& f : record) columns.push_back(f.name);
  return columns;
}

void ExportWriter::Begin(std::string& out) const {
  if (format_ == ExportFormat::kJson) out += "{";
}

void ExportWriter::Finish(std::string& out) const {
  if (format_ == ExportFormat::kJson) out += "}";
}

void ExportWriter::Single(std::string& out, std::string_view section, const ExportRecord& record) {
  if (format_ == ExportFormat::kJson) {
    out += "\"" + std::string(section) + "\":";
    Object(out, record);
    return;
  }
  const std::vector<std::string> columns = ExportColumns(record);
  Rows(out, section, columns, {record});
  End(out, section, columns);
}

void ExportWriter::Rows(std::string& out, std::string_view section,
                        const std::vector<std::string>& columns,
                        const std::vector<ExportRecord>& records) {
  if (section != open_section_) {
    open_section_ = std::string(section);
    first_row_ = true;
    if (format_ == ExportFormat::kJson) {
      out += ",\"" + std::string(section) + "\":[";
    } else if (format_ == ExportFormat::kCsv) {
      out += "# " + std::string(section) + "\r\n";
      CsvRow(out, columns, [](const std::string& c) -> std::string_view { return c; });
    }
  }
  for (const ExportRecord& r : records) {
    switch (format_) {
      case ExportFormat::kJson:
        if (!first_row_) out.push_back(',');
        Object(out, r);
        break;
      case ExportFormat::kNdjson:
        out += "{\"type\":\"" + std::string(section) + "\",\"data\":";
        Object(out, r);
        out += "}\n";
        break;
      case ExportFormat::kCsv:
        CsvRow(out, r, [](const ExportField& f) -> std::string_view { return f.text; });
        break;
    }
    first_row_ = false;
  }
}

void ExportWriter::End(std::string& out, std::string_view section,
                       const std::vector<std::string>& columns) {
  if (section != open_section_) Rows(out, section, columns, {});
  open_section_.clear();
  if (format_ == ExportFormat::kJson) {
    out += "]";
  } else if (format_ == ExportFormat::kCsv) {
    out += "\r\n";
  }
}

}  // namespace workspaced::api
