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
// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". nullopt when malformed.
std::optional<Micros> ParseRfc3339(std::string_view s);

}  // namespace workspaced
