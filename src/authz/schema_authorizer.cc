#include "authz/schema_authorizer.h"

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

}  // namespace

Decision SchemaAuthorizer::Check(const auth::Principal& who, Permission what, ObjectRef on) {
  // The schema has no `write` on accounts: administering one is what writes it.
  Permission need = what;
  if (on.type == ObjectType::kAccount && what == Permission::kWrite) need = Permission::kAdminister;
  if (!relationships_.Refresh(store_).ok()) return Decision::kError;
  const Caller caller{who.subject, &who.groups};
  const StatusOr<bool> allowed =
      Evaluate(schema_, relationships_, TypeName(on.type), on.id, PermissionName(need), caller);
  if (!allowed.ok()) return Decision::kError;
  return *allowed ? Decision::kAllow : Decision::kDeny;
}

}  // namespace workspaced::authz
