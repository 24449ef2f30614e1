// JSON from a peer, read as I-JSON (RFC 7493) wants it: one document whose
// objects name each member once, nested at most `max_depth` deep.
//
// Boost.JSON keeps the last of two equal member names. A proxy, a WAF or a
// token library that keeps the first would then see another document than
// we act on (`{"account_id": A, "account_id": B}`, or a JWT header
// `{"alg": "none", "alg": "HS256"}`), so duplicates are refused instead of
// chosen between (RFC 8259 §4 leaves the choice to the parser; RFC 7519 §4
// and RFC 8725 ask a JWT parser to reject them).
//
// Thread-safety: a plain function.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace workspaced {

// The document, or kInvalidArgument whose message says what is wrong
// ("syntax error", "too deep", "duplicate member name \"x\"").
StatusOr<boost::json::value> ParseStrictJson(std::string_view text, std::size_t max_depth = 16);

}  // namespace workspaced
