// Evaluates a permission of the schema (schema.h) over relationships, as
// SpiceDB would: unions, arrows, subject sets (group#member) nested to any
// depth, and the caller's token groups as direct members of those groups.
//
// Relationships come from a RelationshipReader, so the same evaluator runs
// over the database, an in-memory index, or a test's fixed set.
//
// Thread-safety: Evaluate is reentrant; the reader decides the rest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "authz/schema.h"
#include "common/function_ref.h"
#include "common/status.h"

namespace workspaced::authz {

struct SubjectRef {
  std::string_view type;
  std::string_view id;
  std::string_view relation;  // empty, or e.g. "member"
};

class RelationshipReader {
 public:
  virtual ~RelationshipReader() = default;
  // Calls `fn` for each subject of resource_type:resource_id#relation, until
  // it returns false.
  virtual Status ForEachSubject(std::string_view resource_type, std::string_view resource_id,
                                std::string_view relation,
                                FunctionRef<bool(const SubjectRef&)> fn) = 0;
};

// Who is asking: a user, and the groups their token names (each a member of
// group:<name>#member, as if written in a relationship).
struct Caller {
  std::string_view user;
  const std::vector<std::string>* groups = nullptr;
};

// Depth beyond which nesting (groups in groups, arrows) is refused as a
// cycle or a runaway schema; SpiceDB's default maximum depth is 50.
inline constexpr int kMaxDepth = 50;

// Whether `caller` has `permission` (a relation or permission name) on
// type:id. kInvalidArgument for an unknown type or name; kFailedPrecondition-
// like kUnavailable when the depth limit is hit; reader errors pass through.
StatusOr<bool> Evaluate(const Schema& schema, RelationshipReader& reader, std::string_view type,
                        std::string_view id, std::string_view permission, const Caller& caller);

}  // namespace workspaced::authz
