#include "common/field_errors.h"

#include <string>
#include <string_view>
#include <unordered_set>

namespace workspaced {

std::vector<FieldError> ListedFieldErrors(const std::vector<FieldError>& errors) {
  std::vector<FieldError> listed;
  std::unordered_set<std::string_view> fields;  // views into `errors`
  std::size_t more = 0;
  for (const FieldError& e : errors) {
    if (!fields.insert(e.field).second) continue;  // the field is named already
    if (listed.size() < kMaxListedFieldErrors) {
      listed.push_back(e);
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
