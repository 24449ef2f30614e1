#include "authz/schema_authorizer.h"

#include "store/store.h"

namespace workspaced::authz {
namespace {

std::string_view TypeName(ObjectType t) {
  return t == ObjectType::kAccount ? "account" : "workspace";
}

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kWrite:
      return "write";
    case Permission::kAdminister:
      return "administer";
    case Permission::kRevealSecret:
      return "reveal_secret";
    case Permission::kDetokenize:
      return "detokenize";
  }
  return "";
}

// The schema has no `write` on accounts: administering one is what writes it.
Permission Needed(Permission what, ObjectRef on) {
  return on.type == ObjectType::kAccount && what == Permission::kWrite ? Permission::kAdminister
                                                                       : what;
}

// Relationships as a transaction reads them (one indexed read per
// resource and relation the evaluation visits), other users' rows left
// out: a user subject grants only when it is the caller.
class TxRelationships final : public RelationshipReader {
 public:
  TxRelationships(store::Tx& tx, std::string_view user) : tx_(tx), user_(user) {}
  Status ForEachSubject(std::string_view resource_type, std::string_view resource_id,
                        std::string_view relation,
                        FunctionRef<bool(const SubjectRef&)> fn) override {
    WS_ASSIGN_OR_RETURN(const auto rels, tx_.LockRelationshipSubjects(resource_type, resource_id,
                                                                      relation, user_));
    for (const model::Relationship& r : rels)
      if (!fn(SubjectRef{r.subject_type, r.subject_id, r.subject_relation})) break;
    return Status::Ok();
  }

 private:
  store::Tx& tx_;
  const std::string_view user_;
};

}  // namespace

StatusOr<bool> SchemaAuthorizer::AllowedIn(store::Tx& tx, const auth::Principal& who,
                                           Permission what, ObjectRef on) {
  TxRelationships reader(tx, who.subject);
  const Caller caller{who.subject, &who.groups};
  return Evaluate(schema_, reader, TypeName(on.type), on.id, PermissionName(Needed(what, on)),
                  caller);
}

Decision SchemaAuthorizer::Check(const auth::Principal& who, Permission what, ObjectRef on) {
  const Permission need = Needed(what, on);
  if (!relationships_.Refresh(store_).ok()) return Decision::kError;
  const Caller caller{who.subject, &who.groups};
  const StatusOr<bool> allowed =
      Evaluate(schema_, relationships_, TypeName(on.type), on.id, PermissionName(need), caller);
  if (!allowed.ok()) return Decision::kError;
  return *allowed ? Decision::kAllow : Decision::kDeny;
}

}  // namespace workspaced::authz
