// RFC 3339 timestamps in UTC ("2026-05-01T12:00:00Z").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace workspaced {

// Second precision, as the API shows resource times: "2026-05-01T12:00:00Z".
std::string FormatRfc3339(Micros t);
// Microsecond precision, for audit events: "2026-05-01T12:00:00.123456Z".
std::string FormatRfc3339Micros(Micros t);
// Which instant a time names within the span its precision covers: a time
// given to the second names a whole second, so the end of a window written
// "until 12:00:00Z" (as the API shows times) holds an event at 12:00:00.4.
enum class TimeEdge { kStart, kEnd };
// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". nullopt when malformed. A
// leap second (:60) is the last microsecond of the second before it: POSIX
// time, which the clock gives, has no leap seconds.
std::optional<Micros> ParseRfc3339(std::string_view s, TimeEdge edge = TimeEdge::kStart);

}  // namespace workspaced
