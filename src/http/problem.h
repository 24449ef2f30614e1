// RFC 9457 problem details: the one place where a Status becomes an HTTP
// error. Every error response of the service goes through here.
//
//   {"type":"urn:workspaced:problem:not-found","title":"Not Found",
//    "status":404,"detail":"workspace not found","instance":"<request id>",
//    "errors":[{"field":"name","detail":"is required"}]}   // 422 only
//
// The messages of service failures (500, 503, 504) are never sent: the
// client sees the stable code and sentence of the failure's cause
// (common/public_error.h) in `detail` and `code`, and the request id; the
// log has the message. A full disk (cause storage_full) is 503 with
// Retry-After: 30 (why 503 and not 507: api/openapi.yaml, ServiceUnavailable).
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/response.h"

namespace workspaced::http {

int HttpStatusFor(Code code);

// Fills `out` with the problem for a non-OK status.
void SetProblem(Response& out, const Status& status, std::string_view request_id);
// A problem for a transport-level condition (413, 431, 408, 405 …).
void SetProblem(Response& out, int http_status, std::string_view detail,
                std::string_view request_id);
// The same with one extension member (RFC 9457 §3.2) whose value is a list of
// strings, e.g. a 429's "violated-policies".
void SetProblem(Response& out, int http_status, std::string_view detail,
                std::string_view request_id, std::string_view member,
                const std::vector<std::string_view>& values);

}  // namespace workspaced::http
