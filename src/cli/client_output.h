// How `workspaced ws …` reads pages and prints what the server answered:
// `--output json` prints the server's JSON as it came (a list as one JSON
// array of every item read), `--output table` aligned columns for a person.
// docs/cli.md, "Output".
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client_context.h"

namespace workspaced::cli {

// A table column: its header and the member it shows ("actor.subject" reads
// a nested member).
struct Column {
  std::string header;
  std::string path;
};

// The string member `key` of `o` (escaped as ShownSafely when it holds what a
// terminal would run), or "".
std::string Str(const boost::json::object& o, const char* key);

// A JSON value as one table cell of `field`: a string as itself, the
// labels (an object of strings) as "k:v,k:v", null as "", anything else
// (another object too: `runtime`) as compact JSON.
std::string Cell(const boost::json::value& v, std::string_view field);

// Prints rows as columns aligned on their widest cell.
void PrintTable(const std::vector<std::vector<std::string>>& rows);

// Prints a list of objects: as a JSON array, or as a table of `columns`.
void PrintItems(const boost::json::array& items, const std::string& output,
                const std::vector<Column>& columns);

// Prints one resource's JSON body: as sent, or as FIELD/VALUE rows (with an
// "etag" row when `etag` is not empty). A body that is not a JSON object is
// printed as sent.
void PrintResource(const std::string& body, const std::string& output,
                   const std::string& etag = "");

// The most pages ReadPages follows (docs/cli.md): a server that always names
// a next page must not keep the CLI reading, and growing, forever.
constexpr int kMaxPages = 10000;

// GETs `target` and every next page its `Link: <…>; rel="next"` names (at
// most `max_pages`; 0: all, up to kMaxPages), appending each page's items to
// `items`. `next` gets the next page's target when pages remain. False when
// a request failed, or the server's answer cannot be used — a page that is
// not a JSON array, a next link that is not a path on this server
// (client::NextLink) or repeats one already followed, more than kMaxPages
// pages (kExitUnavailable) — reported, its exit code in `exit_code`.
bool ReadPages(client::ApiClient& api, std::string target, int max_pages,
               boost::json::array& items, std::string& next, int& exit_code);

// Parses "key:value" flags into `out`; prints why and answers false for one
// without a colon or a key.
bool SplitLabels(const std::vector<std::string>& labels, boost::json::object& out);

// "?a=1&b=2" from the non-empty values, each percent-encoded.
class Query {
 public:
  void Add(const char* name, const std::string& value);
  const std::string& str() const { return query_; }

 private:
  std::string query_;
};

}  // namespace workspaced::cli
