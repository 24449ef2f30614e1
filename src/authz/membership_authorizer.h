// The foundation's Authorizer: answers from memberships and account roles in
// the store, following the permission model of authz (documented in
// docs/authorization.md):
//
//   account   administer = admin | platform admin;  read = administer | member
//   workspace administer = admin | account.administer
//             write      = member | administer
//             read       = viewer | write | account.read
//
// A workspace role comes from a direct membership or from a group mapping
// whose group is in the token's `groups` claim (the strongest one wins).
// Every check reads the store, so a committed change is never answered stale.
//
// Thread-safety: safe from any thread (the store is).
#pragma once

#include <string>
#include <vector>

#include "authz/authorizer.h"
#include "store/store.h"

namespace workspaced::authz {

class MembershipAuthorizer final : public Authorizer {
 public:
  // `platform_admins` (configuration) administer every account, and so
  // every workspace.
  explicit MembershipAuthorizer(store::Store& store, std::vector<std::string> platform_admins = {})
      : store_(store), platform_admins_(std::move(platform_admins)) {}
  Decision Check(const auth::Principal& who, Permission what, ObjectRef on) override;

 private:
  store::Store& store_;
  std::vector<std::string> platform_admins_;
};

}  // namespace workspaced::authz
