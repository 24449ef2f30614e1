// "May this principal do this to that object?"
//
// The handlers ask only this interface; the service's implementation
// evaluates authz/schema.zed over the relationships held in memory
// (schema_authorizer.h), and the handlers never see how it answers.
//
// Thread-safety: Check may be called from any number of threads.
// Failure: Decision::kError when the answer cannot be computed (database
// down); callers fail closed (503), never open.
#pragma once

#include <string>
#include <string_view>

#include "auth/principal.h"
#include "common/status.h"

namespace workspaced::store {
class Tx;
}  // namespace workspaced::store

namespace workspaced::authz {

enum class ObjectType { kAccount, kWorkspace };
// kRevealSecret: reading a secret's value (workspaces only; docs/secrets.md).
// kDetokenize: reading the values behind vault tokens (workspaces only;
// docs/vault.md).
enum class Permission { kRead, kWrite, kAdminister, kRevealSecret, kDetokenize };

struct ObjectRef {
  ObjectType type;
  std::string_view id;
};

enum class Decision { kAllow, kDeny, kError };

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision Check(const auth::Principal& who, Permission what, ObjectRef on) = 0;
  // The same question answered from the relationships `tx` reads, inside
  // a write transaction (store::WriteCheck): what the write is allowed by
  // is what it commits with. Errors of `tx` pass through unchanged (a
  // serialization failure is retried by the store).
  virtual StatusOr<bool> AllowedIn(store::Tx& tx, const auth::Principal& who, Permission what,
                                   ObjectRef on) = 0;
};

}  // namespace workspaced::authz
