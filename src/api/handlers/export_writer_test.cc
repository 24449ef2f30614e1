#include "api/handlers/export_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace workspaced::api {
namespace {

using F = ExportField;

ExportRecord Typed() {
  return {F::Integer("seq", 42),           F::Boolean("deterministic", true),
          F::StringOrNull("reason", ""),   F::String("description", ""),
          F::TimeOrNull("finished_at", 0), F::JsonText("labels", R"({"team":"=cmd"})"),
          F::String("name", "=1+2")};
}

std::string Write(ExportFormat format, const ExportRecord& record) {
  ExportWriter w(format);
  std::string out;
  w.Begin(out);
  w.Single(out, "workspace", {F::String("id", "w")});
  w.Rows(out, "things", ExportColumns(record), {record});
  w.End(out, "things", ExportColumns(record));
  w.Finish(out);
  return out;
}

void ExpectTyped(const boost::json::object& o) {
  EXPECT_EQ(o.at("seq"), boost::json::value(42));
  EXPECT_EQ(o.at("deterministic"), boost::json::value(true));
  EXPECT_TRUE(o.at("reason").is_null());
  EXPECT_EQ(o.at("description"), boost::json::value(""));
  EXPECT_TRUE(o.at("finished_at").is_null());
  EXPECT_EQ(o.at("labels").at("team").as_string(), "=cmd");
  EXPECT_EQ(o.at("name").as_string(), "=1+2");  // json is never altered
}

TEST(ExportWriter, JsonCarriesNumbersBooleansNullsAndObjects) {
  const auto doc = boost::json::parse(Write(ExportFormat::kJson, Typed())).as_object();
  EXPECT_EQ(doc.at("workspace").at("id").as_string(), "w");
  ASSERT_EQ(doc.at("things").as_array().size(), 1u);
  ExpectTyped(doc.at("things").as_array()[0].as_object());
}

TEST(ExportWriter, NdjsonLinesCarryTheSameTypes) {
  const std::string out = Write(ExportFormat::kNdjson, Typed());
  const std::string second = out.substr(out.find('\n') + 1);
  const auto line = boost::json::parse(second.substr(0, second.find('\n'))).as_object();
  EXPECT_EQ(line.at("type").as_string(), "things");
  ExpectTyped(line.at("data").as_object());
}

TEST(ExportWriter, CsvWritesTextNullAsEmptyAndNeutralisesFormulas) {
  EXPECT_EQ(Write(ExportFormat::kCsv, Typed()),
            "# workspace\r\nid\r\nw\r\n\r\n"
            "# things\r\nseq,deterministic,reason,description,finished_at,labels,name\r\n"
            "42,true,,,,\"{\"\"team\"\":\"\"=cmd\"\"}\",\"'=1+2\"\r\n\r\n");
}

// What a terminal or spreadsheet would run or hide (ESC, a bidirectional
// override, NUL or a BOM before a formula, a byte that is not UTF-8) is
// written escaped, and the escaped cell is checked for a formula again.
TEST(ExportWriter, CsvEscapesControlAndInvisibleCharacters) {
  const ExportRecord r = {F::String("a", "\x1b[31mRED\xe2\x80\xae"),
                          F::String("b", std::string("\0=x", 3)), F::String("c", "\xef\xbb\xbf=1"),
                          F::String("d", "bad\xff"), F::String("e", "tab\there")};
  const std::string out = Write(ExportFormat::kCsv, r);
  const std::string row = out.substr(out.find("a,b,c,d,e\r\n") + 11);
  EXPECT_EQ(row.substr(0, row.find("\r\n")),
            R"(\x1b[31mRED\u202e,\x00=x,\ufeff=1,bad\xff,tab\x09here)");
  for (const char c : out) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\r' || c == '\n') << static_cast<int>(u);
    EXPECT_NE(u, 0xff);
  }
  // A formula behind what shows as nothing or spaces is one too.
  const ExportRecord hidden = {F::String("a", "\xe2\x80\x8d=1+1"), F::String("b", "\xef\xb8\x8f=1"),
                               F::String("c", "\xc2\xa0=1"), F::String("d", " @x"),
                               F::String("e", "a=b"), F::String("f", "\xe2\x80\x8d")};
  const std::string hidden_out = Write(ExportFormat::kCsv, hidden);
  const std::string hidden_row = hidden_out.substr(hidden_out.find("a,b,c,d,e,f\r\n") + 13);
  EXPECT_EQ(hidden_row.substr(0, hidden_row.find("\r\n")),
            "\"'\xe2\x80\x8d=1+1\",\"'\xef\xb8\x8f=1\",\"'\xc2\xa0=1\",\"' @x\",a=b,\xe2\x80\x8d");
  // Json and ndjson keep the text exactly (JSON escapes its controls).
  const auto doc =
      boost::json::parse(Write(ExportFormat::kJson, {r[1]})).as_object();
  EXPECT_EQ(doc.at("things").as_array()[0].at("b").as_string(), std::string("\0=x", 3));
}

TEST(ExportWriter, AnEmptySectionStillHasItsHeader) {
  ExportWriter w(ExportFormat::kCsv);
  std::string out;
  w.End(out, "members", {"subject", "role"});
  EXPECT_EQ(out, "# members\r\nsubject,role\r\n\r\n");
}

TEST(ExportWriter, ARecordOfAnObjectKeepsItsTypesAndOrder) {
  const ExportRecord r =
      ExportRecordOfObject(R"({"b":"x","a":null,"n":3,"t":false,"m":{"k":"v"},"g":[]})");
  ASSERT_EQ(ExportColumns(r), (std::vector<std::string>{"b", "a", "n", "t", "m", "g"}));
  EXPECT_EQ(r[0].json, F::Json::kString);
  EXPECT_EQ(r[1].json, F::Json::kNull);
  EXPECT_EQ(r[2].text, "3");
  EXPECT_EQ(r[3].text, "false");
  EXPECT_EQ(r[4].text, R"({"k":"v"})");
  EXPECT_EQ(r[5].text, "[]");
}

}  // namespace
}  // namespace workspaced::api
