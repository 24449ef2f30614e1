// Maps (method, path) to a handler, with `{name}` path parameters.
//
// Templates are literal segments and `{param}` segments; where two templates
// match a path, the one with a literal segment at the first differing
// position wins ("/v1/workspaces/by-account/{id}" over
// "/v1/workspaces/{workspace_id}/…"). Parameters are percent-decoded; a bad
// escape or an encoded '/' makes the path match nothing.
//
// Thread-safety: build at start-up, then Find from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"

namespace workspaced::http {

template <typename Handler>
class Router {
 public:
  struct Route {
    Method method;
    std::string pattern;  // e.g. "/v1/workspaces/{workspace_id}"
    std::vector<std::string> segments;
    Handler handler;
  };

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    std::vector<std::pair<std::string_view, std::string>> params;
    // When route is null but the path exists for other methods: their names,
    // for the 405 `Allow` header. Empty: 404.
    std::string allow;
    // When route is null: the path has this route, but the parameter named
    // here is not a valid percent-encoding ('%' and two hex digits; not
    // %00): a 400, not "no such endpoint".
    std::string_view malformed_param;
  };

  void Add(Method method, std::string pattern, Handler handler) {
    Route r{method, std::move(pattern), {}, std::move(handler)};
    r.segments = Split(r.pattern);
    routes_.push_back(std::move(r));
  }

  Match Find(Method method, std::string_view path) const {
    Match best;
    std::vector<std::string_view> parts = Split(path);
    // The most specific route wins: the one whose literal segments match
    // earliest (Matches' score). No allocation per route: this runs for
    // every request.
    std::uint64_t best_score = 0;
    bool path_exists = false;
    for (const Route& r : routes_) {
      std::uint64_t score = 0;
      if (!Matches(r, parts, score)) continue;
      path_exists = true;
      if (r.method != method) continue;
      if (best.route == nullptr || score > best_score) {
        best.route = &r;
        best_score = score;
      }
    }
    if (best.route == nullptr) {
      if (!path_exists) return best;
      // 405: the methods the path has, for the Allow header.
      std::vector<std::string> allowed;
      for (const Route& r : routes_) {
        std::uint64_t score = 0;
        if (!Matches(r, parts, score)) continue;
        const std::string name(ToString(r.method));
        bool seen = false;
        for (const auto& a : allowed) seen = seen || a == name;
        if (!seen) allowed.push_back(name);
      }
      for (const auto& a : allowed) best.allow += (best.allow.empty() ? "" : ", ") + a;
      return best;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& seg = best.route->segments[i];
      if (IsParam(seg)) {
        auto decoded = DecodePathSegment(parts[i]);
        if (!decoded) {
          Match bad;
          bad.malformed_param = std::string_view(seg).substr(1, seg.size() - 2);
          return bad;
        }
        if (decoded->empty()) return Match{};
        best.params.emplace_back(std::string_view(seg).substr(1, seg.size() - 2),
                                 std::move(*decoded));
      }
    }
    return best;
  }

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool IsParam(std::string_view s) {
    return s.size() > 2 && s.front() == '{' && s.back() == '}';
  }

  template <typename S>
  static std::vector<S> SplitImpl(std::string_view path) {
    std::vector<S> out;
    std::size_t i = 0;
    if (!path.empty() && path[0] == '/') i = 1;
    while (i <= path.size()) {
      std::size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      out.emplace_back(path.substr(i, j - i));
      i = j + 1;
    }
    return out;
  }
  static std::vector<std::string> Split(const std::string& p) { return SplitImpl<std::string>(p); }
  static std::vector<std::string_view> Split(std::string_view p) {
    return SplitImpl<std::string_view>(p);
  }

  // Whether `r` matches the path's segments; `score` then has one bit per
  // segment, the first segment's the most significant, set where a literal
  // segment matched (a route's segments are few: far below 64).
  static bool Matches(const Route& r, const std::vector<std::string_view>& parts,
                      std::uint64_t& score) {
    if (r.segments.size() != parts.size() || parts.size() > 64) return false;
    score = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      score <<= 1;
      if (IsParam(r.segments[i])) {
        if (parts[i].empty()) return false;
      } else if (r.segments[i] == parts[i]) {
        score |= 1;
      } else {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace workspaced::http
