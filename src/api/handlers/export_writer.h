// How GET /v1/workspaces/{id}/export writes its records in each format
// (docs/export.md): json, one document with a key per section; ndjson, one
// {"type","data"} line per record; csv, per section a `# <section>` line, a
// header row, the rows and an empty line (RFC 4180; formula cells
// neutralised).
//
// A record is a list of typed fields. JSON and NDJSON carry each field as
// the API's GET endpoints carry it (a string, a number, a boolean, null, an
// object); CSV writes its text, null as an empty cell.
//
// The writer appends to the caller's string and remembers only which section
// is open. Not thread-safe: one writer per export.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/handlers/export_format.h"
#include "common/clock.h"

namespace workspaced::api {

struct ExportField {
  // How JSON carries `text`: as a string, as null (`text` is empty), or as
  // it is (a number, a boolean, an object's or an array's JSON text).
  enum class Json { kString, kNull, kLiteral };

  static ExportField String(std::string name, std::string value);
  // Null when `value` is empty: the API's convention for an unset text.
  static ExportField StringOrNull(std::string name, std::string value);
  static ExportField Integer(std::string name, std::int64_t value);
  static ExportField Boolean(std::string name, bool value);
  // RFC 3339; null when `t` is 0 (unset).
  static ExportField TimeOrNull(std::string name, Micros t);
  // An object or array as JSON text (written by this service: trusted).
  static ExportField JsonText(std::string name, std::string json);

  std::string name;
  std::string text;  // what CSV writes
  Json json = Json::kString;
};

using ExportRecord = std::vector<ExportField>;

// The fields of a JSON object (this service's own rendering, e.g. GET's
// workspace): strings as strings, null as null, anything else as its JSON
// text. Throws on text that is not a JSON object (a bug).
ExportRecord ExportRecordOfObject(std::string_view json_object);

class ExportWriter {
 public:
  explicit ExportWriter(ExportFormat format) : format_(format) {}

  // The document's opening and close (json: the braces).
  void Begin(std::string& out) const;
  void Finish(std::string& out) const;
  // The first section, of one record (json: an object, not an array). Its
  // CSV header is the record's field names.
  void Single(std::string& out, std::string_view section, const ExportRecord& record);
  // Rows of `section`; its opening (csv: the header, `columns`) comes with
  // the first call.
  void Rows(std::string& out, std::string_view section, const std::vector<std::string>& columns,
            const std::vector<ExportRecord>& records);
  // Closes `section`, opening it first if no row came (an empty section
  // still appears).
  void End(std::string& out, std::string_view section, const std::vector<std::string>& columns);

 private:
  const ExportFormat format_;
  std::string open_section_;
  bool first_row_ = true;
};

// The field names of `record`: the CSV header of its section.
std::vector<std::string> ExportColumns(const ExportRecord& record);

}  // namespace workspaced::api
