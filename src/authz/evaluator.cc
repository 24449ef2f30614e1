#include "authz/evaluator.h"

#include <algorithm>
#include <tuple>

namespace workspaced::authz {
namespace {

class Evaluation {
 public:
  Evaluation(const Schema& schema, RelationshipReader& reader, const Caller& caller)
      : schema_(schema), reader_(reader), caller_(caller) {}

  // Whether the caller is in type:id#name (a relation or a permission).
  StatusOr<bool> Has(std::string_view type, std::string_view id, std::string_view name, int depth) {
    if (depth > kMaxDepth) return Unavailable("authorization: nesting deeper than 50");
    const Definition* def = schema_.Find(type);
    if (def == nullptr)
      return InvalidArgument("authorization: unknown type '" + std::string(type) + "'");
    // Token groups are members of their group, as if written down.
    if (type == "group" && name == "member" && caller_.groups != nullptr &&
        std::find(caller_.groups->begin(), caller_.groups->end(), id) != caller_.groups->end()) {
      return true;
    }
    // A node already being evaluated on this path adds nothing to a union:
    // cutting the revisit ends cycles (a group containing itself) with "no".
    // The path is short (at most kMaxDepth) and its views point at strings
    // that outlive it (the caller's, the schema's, or a parent frame's).
    const Node node{type, id, name};
    if (std::find(path_.begin(), path_.end(), node) != path_.end()) return false;
    path_.push_back(node);
    StatusOr<bool> result = HasUncached(*def, type, id, name, depth);
    path_.pop_back();
    return result;
  }

 private:
  StatusOr<bool> HasUncached(const Definition& def, std::string_view type, std::string_view id,
                             std::string_view name, int depth) {
    if (def.relations.count(name)) return InRelation(type, id, name, depth);
    const auto perm = def.permissions.find(name);
    if (perm == def.permissions.end()) {
      return InvalidArgument("authorization: " + std::string(type) + " has no '" +
                             std::string(name) + "'");
    }
    for (const Term& term : perm->second.terms) {
      if (!term.is_arrow()) {
        WS_ASSIGN_OR_RETURN(const bool yes, Has(type, id, term.name, depth + 1));
        if (yes) return true;
        continue;
      }
      // For each object on the relation, the target on that object. Subjects
      // of types that lack the target contribute nothing (as in SpiceDB).
      std::vector<std::pair<std::string, std::string>> objects;
      WS_RETURN_IF_ERROR(reader_.ForEachSubject(type, id, term.name, [&](const SubjectRef& s) {
        objects.emplace_back(std::string(s.type), std::string(s.id));
        return true;
      }));
      for (const auto& [otype, oid] : objects) {
        const Definition* odef = schema_.Find(otype);
        if (odef == nullptr ||
            (!odef->relations.count(term.target) && !odef->permissions.count(term.target)))
          continue;
        WS_ASSIGN_OR_RETURN(const bool yes, Has(otype, oid, term.target, depth + 1));
        if (yes) return true;
      }
    }
    return false;
  }

  StatusOr<bool> InRelation(std::string_view type, std::string_view id, std::string_view relation,
                            int depth) {
    bool direct = false;
    std::vector<std::tuple<std::string, std::string, std::string>> sets;
    WS_RETURN_IF_ERROR(reader_.ForEachSubject(type, id, relation, [&](const SubjectRef& s) {
      if (s.relation.empty()) {
        if (s.type == "user" && s.id == caller_.user) {
          direct = true;
          return false;
        }
      } else {
        sets.emplace_back(std::string(s.type), std::string(s.id), std::string(s.relation));
      }
      return true;
    }));
    if (direct) return true;
    for (const auto& [stype, sid, srel] : sets) {
      WS_ASSIGN_OR_RETURN(const bool yes, Has(stype, sid, srel, depth + 1));
      if (yes) return true;
    }
    return false;
  }

  const Schema& schema_;
  RelationshipReader& reader_;
  const Caller& caller_;
  struct Node {
    std::string_view type, id, name;
    bool operator==(const Node&) const = default;
  };
  std::vector<Node> path_;
};

}  // namespace

StatusOr<bool> Evaluate(const Schema& schema, RelationshipReader& reader, std::string_view type,
                        std::string_view id, std::string_view permission, const Caller& caller) {
  return Evaluation(schema, reader, caller).Has(type, id, permission, 0);
}

}  // namespace workspaced::authz
