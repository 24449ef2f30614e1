#include "client/problem.h"

#include <boost/json.hpp>

#include "common/text.h"

namespace workspaced::client {

namespace {

// Control characters from the server are shown escaped, never interpreted
// by the terminal.
std::string Printable(std::string_view s, std::size_t max_bytes = 2000) {
  std::string out;
  for (const unsigned char c : BoundedText(s, max_bytes)) {
    if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string Text(const boost::json::value& v) {
  if (v.is_string()) return Printable(v.as_string());
  return Printable(boost::json::serialize(v));
}

}  // namespace

std::string RenderProblem(const Response& response) {
  std::string out = "error: " + std::to_string(response.status);
  boost::system::error_code ec;
  const auto doc = boost::json::parse(response.body, ec);
  const auto* o = !ec ? doc.if_object() : nullptr;
  if (o == nullptr || !o->contains("title")) {
    out += " (not a problem document)";
    if (!response.body.empty()) out += ": " + Printable(response.body, 200);
    out += "\n";
    if (const auto id = response.Header("X-Request-Id"); !id.empty())
      out += "  request id: " + Printable(id, 200) + "\n";
    return out;
  }
  out += " " + Text(o->at("title"));
  if (const auto* d = o->if_contains("detail")) out += ": " + Text(*d);
  out += "\n";
  if (const auto* errors = o->if_contains("errors"); errors && errors->is_array()) {
    for (const auto& e : errors->as_array()) {
      const auto* f = e.if_object();
      if (f == nullptr) continue;
      const auto* field = f->if_contains("field");
      const auto* detail = f->if_contains("detail");
      out += "  " + (field ? Text(*field) : std::string("?")) + ": " +
             (detail ? Text(*detail) : std::string()) + "\n";
    }
  }
  for (const char* extra : {"code", "limit", "allowed", "current", "violated-policies"})
    if (const auto* v = o->if_contains(extra))
      out += std::string("  ") + extra + ": " + Text(*v) + "\n";
  std::string id;
  if (const auto* i = o->if_contains("instance"); i && i->is_string()) id = Text(*i);
  if (id.empty()) id = Printable(response.Header("X-Request-Id"), 200);
  if (!id.empty()) out += "  request id: " + id + "\n";
  return out;
}

}  // namespace workspaced::client
