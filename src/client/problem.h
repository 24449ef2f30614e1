// RFC 9457 problem documents rendered for a person on a terminal.
#pragma once

#include <string>

#include "client/connection.h"

namespace workspaced::client {

// The lines to print for an error response: "error: <status> <title>: <detail>",
// one "  <field>: <detail>" per field error, extra members the server added
// (quota `limit`/`allowed`/`current`, `code`, `violated-policies`) and
// "  request id: <instance or X-Request-Id>". A body that is not a problem
// document is summarised (status, reason, the first 200 bytes of the body
// made printable). Ends with a newline.
std::string RenderProblem(const Response& response);

}  // namespace workspaced::client
