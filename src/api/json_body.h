// A request body parsed as JSON: the one reading every body parser of src/api
// shares (common/strict_json.h: duplicate member names refused, bounded
// depth). A body that is not such a document is 400, with what is wrong; a
// document that is not the object a request needs is 422 (as every /v1
// body: its syntax is fine, its content is not).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "common/status.h"
#include "common/strict_json.h"

namespace workspaced::api {

// 422 "the body must be a JSON object", field "" (the body).
inline Status NotAJsonObject() {
  return Unprocessable("the body must be a JSON object")
      .WithField("", "must be a JSON object");
}

// Nothing legitimate nests deeper than 16.
inline StatusOr<boost::json::value> ParseJsonBody(std::string_view body,
                                                  std::size_t max_depth = 16) {
  StatusOr<boost::json::value> v = ParseStrictJson(body, max_depth);
  if (!v.ok()) return InvalidArgument("the body is not valid JSON: " + v.status().message());
  return v;
}

// The same, for a body that must be a JSON object: anything else is 422,
// field "" (the body).
inline StatusOr<boost::json::object> ParseJsonObjectBody(std::string_view body,
                                                         std::size_t max_depth = 16) {
  StatusOr<boost::json::value> v = ParseJsonBody(body, max_depth);
  if (!v.ok()) return v.status();
  if (!v->is_object()) return NotAJsonObject();
  return std::move(v->as_object());
}

}  // namespace workspaced::api
