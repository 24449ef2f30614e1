// How the Blaxel-compatible /v0 surface speaks (docs/blaxel.md): its token in
// `X-Blaxel-Authorization` or `Authorization`, its `Blaxel-Version` header
// checked before anything else, and its errors as
//   {"code": 404, "error": "not_found", "message": "workspace not found"}
// instead of /v1's problem+json. The rules behind every answer are the
// domain's; only the words differ.
//
// Thread-safety: stateless functions; the Dialect is a constant.
#pragma once

#include <string_view>

#include "api/handler.h"

namespace workspaced::api::v0 {

// The versions this surface answers, oldest first: an absent header means
// the first. A `.preview` of a listed one is accepted as that version.
inline constexpr std::string_view kApiVersions[] = {"2026-04-16", "2026-04-28"};

const Dialect& BlaxelDialect();

// This surface's answer to a path it has under another method: 405
// `method_not_allowed` with `Allow` (what /v1 answers as a problem).
void RenderBlaxelMethodNotAllowed(http::Response& out, std::string_view allow);

// The `error` word of a Status on this surface: its own when the status
// carries one (WithProblemType), else the code's ("not_found", …).
Status WithErrorWord(Status status, std::string_view word);

// 501 `not_implemented` with `message` (a fixed sentence of ours).
Status NotImplemented(std::string message);

// The parts of the dialect, exposed for unit tests.
Status CheckApiVersion(const http::Request& request);
StatusOr<std::string_view> BlaxelCredential(const http::Request& request);
void RenderBlaxelError(http::Response& out, const Status& status, std::string_view request_id);

}  // namespace workspaced::api::v0
