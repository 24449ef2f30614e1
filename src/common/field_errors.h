// The field errors a problem lists (api/openapi.yaml, ValidationError): one
// entry per field at fault, the first reported for it, and at most
// kMaxListedFieldErrors of them, then one entry with an empty `field` saying
// how many more fields are at fault. A field's path longer than 200 bytes or
// not display-safe (common/text.h) is shown as BoundedText makes it. Whatever a body holds (90,000 unknown
// members of a 1 MB body), its 422 stays a few kilobytes.
//
// Every renderer of field errors (http/problem.cc for /v1, api/v0/dialect.cc,
// the CLI's refusals) lists these, never Status::field_errors() as it is:
// parsers and rules report freely, and this decides what is shown.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <vector>

#include "common/status.h"

namespace workspaced {

inline constexpr std::size_t kMaxListedFieldErrors = 20;

std::vector<FieldError> ListedFieldErrors(const std::vector<FieldError>& errors);

}  // namespace workspaced
