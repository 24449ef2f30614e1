#include "cli/client_output.h"

#include <cstdio>
#include <set>

#include "common/text.h"

namespace workspaced::cli {

namespace json = boost::json;

std::string Str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? ShownSafely(v->as_string()) : std::string();  // as Cell shows it
}

namespace {

std::string CellText(const json::value& v, std::string_view field) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  if (const auto* o = v.if_object(); o != nullptr && field == "labels") {
    std::string out;
    for (const auto& [k, val] : *o) {
      if (!val.is_string()) return json::serialize(v);
      out += (out.empty() ? "" : ",") + std::string(k) + ":" + std::string(val.as_string());
    }
    return out;
  }
  return json::serialize(v);
}

}  // namespace

// What a table shows of a field: escaped when it holds what a terminal
// would run or hide (ESC, a bidi override: docs/cli.md), whoever sent it.
std::string Cell(const json::value& v, std::string_view field) {
  return ShownSafely(CellText(v, field));
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], DisplayWidth(row[i]));  // columns, not bytes
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

namespace {

const json::value* Member(const json::object& o, const std::string& path) {
  const json::object* at = &o;
  std::size_t from = 0;
  for (;;) {
    const auto dot = path.find('.', from);
    const auto* v = at->if_contains(path.substr(from, dot - from));
    if (v == nullptr || dot == std::string::npos) return v;
    at = v->if_object();
    if (at == nullptr) return nullptr;
    from = dot + 1;
  }
}

}  // namespace

void PrintItems(const json::array& items, const std::string& output,
                const std::vector<Column>& columns) {
  if (output == "json") {
    std::printf("%s\n", json::serialize(items).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows(1);
  for (const auto& c : columns) rows[0].push_back(c.header);
  for (const auto& v : items) {
    const auto* o = v.if_object();
    if (o == nullptr) continue;
    auto& row = rows.emplace_back();
    for (const auto& c : columns) {
      const auto* m = Member(*o, c.path);
      row.push_back(m ? Cell(*m, c.path) : "");
    }
  }
  PrintTable(rows);
}

void PrintResource(const std::string& body, const std::string& output, const std::string& etag) {
  boost::system::error_code ec;
  const auto doc = output == "table" ? json::parse(body, ec) : json::value();
  const auto* o = !ec ? doc.if_object() : nullptr;
  if (o == nullptr) {
    std::printf("%s\n", body.c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{{"FIELD", "VALUE"}};
  for (const auto& [k, v] : *o) rows.push_back({ShownSafely(k), Cell(v, k)});
  if (!etag.empty()) rows.push_back({"etag", etag});
  PrintTable(rows);
}

namespace {

// A server answer the client cannot use is the server's failure: exit 4.
int ReportBadAnswer(const std::string& why) {
  std::fprintf(stderr, "error: %s\n", why.c_str());
  return kExitUnavailable;
}

}  // namespace

bool ReadPages(client::ApiClient& api, std::string target, int max_pages, json::array& items,
               std::string& next, int& exit_code) {
  std::set<std::string> followed;
  for (int pages = 0; !target.empty() && (max_pages == 0 || pages < max_pages); ++pages) {
    if (pages == kMaxPages) {
      exit_code =
          ReportBadAnswer("the server still names a next page after " + std::to_string(kMaxPages) +
                          " pages; stopped (narrow the list, or ask for larger pages)");
      return false;
    }
    if (!followed.insert(target).second) {
      exit_code = ReportBadAnswer("the server's next-page link \"" + BoundedText(target, 200) +
                                  "\" repeats one already followed (after " +
                                  std::to_string(pages) + " pages); stopped");
      return false;
    }
    auto r = api.Get(target);
    if (!r.ok()) {
      exit_code = ReportStatus(r.status());
      return false;
    }
    if (r->status != 200) {
      exit_code = ReportProblem(*r);
      return false;
    }
    boost::system::error_code ec;
    auto page = json::parse(r->body, ec);
    if (ec || !page.is_array()) {
      exit_code = ReportBadAnswer("the server sent a page that is not a JSON array");
      return false;
    }
    for (auto& v : page.as_array()) items.push_back(std::move(v));
    auto link = client::NextLink(r->Header("Link"));
    if (!link.ok()) {
      exit_code = ReportBadAnswer(link.status().message());
      return false;
    }
    target = std::move(*link);
  }
  next = target;
  return true;
}

bool SplitLabels(const std::vector<std::string>& labels, json::object& out) {
  for (const auto& l : labels) {
    const auto colon = l.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::fprintf(stderr, "error: --label must be key:value (got \"%s\")\n", l.c_str());
      return false;
    }
    out[l.substr(0, colon)] = l.substr(colon + 1);
  }
  return true;
}

void Query::Add(const char* name, const std::string& value) {
  if (value.empty()) return;
  query_ += (query_.empty() ? "?" : "&") + std::string(name) + "=" + client::QueryEscape(value);
}

}  // namespace workspaced::cli
