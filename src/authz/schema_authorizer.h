// The Authorizer of the service: permissions of authz/schema.zed evaluated
// in-process over the relationship index (relationship_index.h). A token's
// `groups` claim counts as membership of those groups. An object with no
// relationships (one that does not exist) allows nothing, and costs the same
// to refuse as one that exists: no timing hint of existence.
//
// Thread-safety: Check is safe from any thread.
#pragma once

#include <memory>
#include <string_view>

#include "authz/authorizer.h"
#include "authz/relationship_index.h"
#include "authz/schema.h"

namespace workspaced::authz {

// authz/schema.zed as compiled into this binary.
std::string_view EmbeddedSchemaText();

class SchemaAuthorizer final : public Authorizer {
 public:
  // Before each check, `relationships` catches up with `store`.
  SchemaAuthorizer(Schema schema, RelationshipIndex& relationships, store::Store& store)
      : schema_(std::move(schema)), relationships_(relationships), store_(store) {}
  Decision Check(const auth::Principal& who, Permission what, ObjectRef on) override;
  StatusOr<bool> AllowedIn(store::Tx& tx, const auth::Principal& who, Permission what,
                           ObjectRef on) override;

 private:
  const Schema schema_;
  RelationshipIndex& relationships_;
  store::Store& store_;
};

}  // namespace workspaced::authz
