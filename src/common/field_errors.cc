#include "common/field_errors.h"

#include "common/text.h"

#include <string>
#include <string_view>
#include <unordered_set>

namespace workspaced {
namespace {

// A field's path holds what a client chose (an unknown member's key, a
// label's): shown as sent when short and display-safe, else escaped and cut.
constexpr std::size_t kMaxShownFieldBytes = 200;

FieldError Shown(const FieldError& e) {
  if (e.field.size() <= kMaxShownFieldBytes && IsDisplaySafe(e.field)) return e;
  return {BoundedText(e.field, kMaxShownFieldBytes), e.detail};
}

}  // namespace

std::vector<FieldError> ListedFieldErrors(const std::vector<FieldError>& errors) {
  std::vector<FieldError> listed;
  std::unordered_set<std::string_view> fields;  // views into `errors`
  std::size_t more = 0;
  for (const FieldError& e : errors) {
    if (!fields.insert(e.field).second) continue;  // the field is named already
    if (listed.size() < kMaxListedFieldErrors) {
      listed.push_back(Shown(e));
    } else {
      ++more;
    }
  }
  if (more > 0) {
    listed.push_back({"", "and " + std::to_string(more) + " more field" +
                              (more == 1 ? " is" : "s are") + " at fault, not listed"});
  }
  return listed;
}

}  // namespace workspaced
