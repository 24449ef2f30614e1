// Turning stored column text back into model enums. A name the model does not
// know means the database was written by a newer or broken binary: kInternal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace workspaced::store {

template <typename E>
StatusOr<E> DecodeEnum(std::optional<E> (*parse)(std::string_view), std::string_view text,
                       const char* column) {
  if (std::optional<E> value = parse(text)) return *value;
  return Internal(std::string("sqlite: unknown value '") + std::string(text) + "' in " + column);
}

}  // namespace workspaced::store
