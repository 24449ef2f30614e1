// The subset of SpiceDB's schema language that workspaced evaluates itself
// (authz/schema.zed is written in it):
//
//   definition NAME { ... }              object types
//   relation NAME: T | T#REL | ...       direct subjects and subject sets
//   permission NAME = A + B + R->P       unions of relations, permissions
//                                        and arrows (R a relation here, P a
//                                        relation or permission of R's types)
//   // line comments, /* block comments */ and /** doc comments */
//
// Anything else — intersection (&), exclusion (-), caveats, wildcards (T:*),
// expiration traits, parentheses, functioned arrows (.any/.all) — is refused
// with the line it is on, so the checker never silently answers a schema it
// does not understand.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace workspaced::authz {

struct AllowedSubject {
  std::string type;      // e.g. "user", "group"
  std::string relation;  // e.g. "member" for group#member; empty: the object itself
};

struct Relation {
  std::vector<AllowedSubject> subjects;
};

// One term of a permission's union.
struct Term {
  // `name` alone: a relation or permission of the same definition.
  // `name` -> `target`: for each subject of relation `name`, its `target`.
  std::string name;
  std::string target;  // empty unless an arrow
  bool is_arrow() const { return !target.empty(); }
};

struct PermissionDef {
  std::vector<Term> terms;
};

struct Definition {
  std::map<std::string, Relation, std::less<>> relations;
  std::map<std::string, PermissionDef, std::less<>> permissions;
};

struct Schema {
  std::map<std::string, Definition, std::less<>> definitions;

  const Definition* Find(std::string_view type) const {
    const auto it = definitions.find(type);
    return it == definitions.end() ? nullptr : &it->second;
  }
};

// kInvalidArgument naming the line and what is wrong (unsupported syntax,
// unknown type, relation or permission, duplicate names).
StatusOr<Schema> ParseSchema(std::string_view text);

}  // namespace workspaced::authz
