// Request ids: a client's X-Request-Id is kept when it is sane (1–128
// characters of [A-Za-z0-9._:-]), otherwise a random one is made.
#pragma once

#include <string>
#include <string_view>

namespace workspaced::http {

bool IsSaneRequestId(std::string_view id);
// 26 characters: "req_" + 22 random [a-z0-9]; cheap (thread-local generator).
std::string NewRequestId();

}  // namespace workspaced::http
