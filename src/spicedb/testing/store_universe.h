// Random changes of the kinds the product makes, written through store::Tx as
// the product writes them: account and workspace memberships as rows (the
// store derives their relationships), new workspaces (the store derives the
// link to their account), and as raw relationships what provisioning and
// bootstrap write (group mappings as each trusted issuer names the group,
// environments' parents, platform admins). Callers carry token groups
// qualified by their issuer, as the authenticator hands them on.
//
// Drawing a change (Next) updates the universe's picture of the data, so
// revocations pick grants that exist; Apply has no other effect and may run
// again (a store's Write may rerun its callback).
//
// Ids SpiceDB would refuse raw, and issuer-qualified ids
// (model/identity.h), are part of the universe on purpose.
#pragma once

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/identity.h"
#include "model/relationships.h"
#include "store/store.h"
#include "store/testing/store_suite.h"

namespace workspaced::spicedb::testing {

// A user of one identity provider; their token groups are qualified by it.
struct TestUser {
  std::string id;  // model::QualifiedUser
  model::TrustedIssuer issuer;
};

inline const model::TrustedIssuer kDev{model::kDevIssuer, ""};
inline const model::TrustedIssuer kIdpAcme{"https://idp.test/", "acme"};
inline const model::TrustedIssuer kIdpWide{"https://idp.test/", ""};
inline const model::TrustedIssuer kOtherGlobex{"https://other.test/", "globex"};
inline const std::vector<model::TrustedIssuer> kIssuers = {kDev, kIdpAcme, kIdpWide, kOtherGlobex};

inline std::vector<TestUser> StoreUsers() {
  auto user = [](const model::TrustedIssuer& i, std::string_view sub) {
    return TestUser{model::QualifiedUser(i.issuer, sub), i};
  };
  return {user(kDev, "u0"),
          user(kDev, "ann@corp.example"),
          user(kDev, "carl+ops"),
          user(kIdpAcme, "alice"),
          user(kIdpAcme, "ops@example.com"),
          user(kIdpWide, "pipe|sub 100%"),  // escaped: %7C, %25
          user(kOtherGlobex, "alice"),      // same sub, another issuer
          user(kOtherGlobex, "u0")};
}
inline const std::vector<std::string> kGroupNames = {"eng", "Data Science", "sre/oncall", "ops"};
inline const std::vector<std::string> kEnvironments = {"e0", "e1", "e2", "e3", "e4", "e5"};

class StoreUniverse {
 public:
  struct Change {
    enum class Kind {
      kNewWorkspace,
      kPutWorkspaceMember,
      kDeleteWorkspaceMember,
      kPutAccountMember,
      kDeleteAccountMember,
      kTouch,
      kDelete,
    };
    Kind kind;
    std::string object, subject;  // workspace or account id, user id
    int role = 0;                 // model::WorkspaceRole / AccountRole
    model::Relationship rel;      // kTouch / kDelete
    model::Workspace ws;          // kNewWorkspace

    bool revokes() const {
      return kind == Kind::kDeleteWorkspaceMember || kind == Kind::kDeleteAccountMember ||
             kind == Kind::kDelete;
    }
  };

  explicit StoreUniverse(std::mt19937_64& rng) : rng_(rng), users_(StoreUsers()) {
    for (int a = 0; a < 3; ++a) accounts_.push_back(store::testing::Id(800 + a));
  }

  const std::vector<TestUser>& users() const { return users_; }
  const std::vector<std::string>& accounts() const { return accounts_; }
  const std::vector<std::string>& workspaces() const { return workspaces_; }

  // The accounts, in one transaction before anything else.
  Status CreateAccounts(store::Tx& tx) const {
    for (std::size_t a = 0; a < accounts_.size(); ++a)
      WS_RETURN_IF_ERROR(tx.InsertAccount({accounts_[a], "Account " + std::to_string(a), 1}));
    return Status::Ok();
  }

  // A random grant or revocation (a new workspace now and then).
  Change Next() {
    if (workspaces_.size() < 4 || Roll(12)) return NewWorkspace();
    switch (rng_() % 8) {
      case 0:
      case 1:
        return PutWorkspaceMember();
      case 2:
        return Revoke(workspace_members_, Change::Kind::kDeleteWorkspaceMember);
      case 3:
        return rng_() % 2 ? PutAccountMember()
                          : Revoke(account_members_, Change::Kind::kDeleteAccountMember);
      case 4:
      case 5:
      case 6:
        return TouchRaw();
      default:
        return DeleteRaw();
    }
  }

  static Status Apply(store::Tx& tx, const Change& c) {
    using Kind = Change::Kind;
    switch (c.kind) {
      case Kind::kNewWorkspace:
        return tx.InsertWorkspace(c.ws);
      case Kind::kPutWorkspaceMember:
        return tx.PutWorkspaceMember(
            {c.object, c.subject, static_cast<model::WorkspaceRole>(c.role), 1});
      case Kind::kDeleteWorkspaceMember:
        return tx.DeleteWorkspaceMember(c.object, c.subject);
      case Kind::kPutAccountMember:
        return tx.PutAccountMember(
            {c.object, c.subject, static_cast<model::AccountRole>(c.role), 1});
      case Kind::kDeleteAccountMember:
        return tx.DeleteAccountMember(c.object, c.subject);
      case Kind::kTouch:
        return tx.TouchRelationships({c.rel});
      case Kind::kDelete:
        return tx.DeleteRelationships({c.rel});
    }
    return Internal("unknown change");
  }

  // A caller's token groups for a round: up to four names (often none), qualified by
  // the caller's issuer as the authenticator qualifies them.
  std::vector<std::string> RandomTokenGroups(const TestUser& user) {
    std::set<std::string> groups;
    for (int n = static_cast<int>(rng_() % 5); n > 0; --n)
      groups.insert(model::QualifiedGroup(user.issuer.issuer, user.issuer.org, Pick(kGroupNames)));
    return {groups.begin(), groups.end()};
  }

  struct Question {
    std::string type, id, permission, user;
  };
  // A permission or relation of any type, for any user; groups as any
  // issuer names them.
  Question RandomQuestion() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> kAsk = {
        {"account", {"administer", "read", "admin", "member"}},
        {"workspace", {"administer", "write", "read", "admin", "member", "viewer"}},
        {"environment", {"administer", "write", "read"}},
        {"group", {"member"}},
        {"platform", {"administer"}},
    };
    const auto& [type, perms] = kAsk[rng_() % kAsk.size()];
    const TestUser& user = Pick(users_);
    std::string id = model::kPlatformId;
    if (type == "account") id = Pick(accounts_);
    if (type == "workspace") id = Pick(workspaces_);
    if (type == "environment") id = Pick(kEnvironments);
    if (type == "group") {  // half the time, a group as the user's issuer names it
      const model::TrustedIssuer& issuer = rng_() % 2 ? user.issuer : Pick(kIssuers);
      id = model::QualifiedGroup(issuer.issuer, issuer.org, Pick(kGroupNames));
    }
    const std::string& permission = perms[rng_() % perms.size()];
    return {type, id, permission, user.id};
  }

 private:
  using Grants = std::map<std::pair<std::string, std::string>, int>;  // (object, subject) → role

  Change NewWorkspace() {
    const int n = next_workspace_++;
    Change c{Change::Kind::kNewWorkspace};
    c.ws = store::testing::MakeWorkspace(store::testing::Id(n), Pick(accounts_),
                                         "ws-" + std::to_string(n));
    workspaces_.push_back(c.ws.id);
    return c;
  }
  Change PutWorkspaceMember() {
    Change c{Change::Kind::kPutWorkspaceMember, Pick(workspaces_), Pick(users_).id,
             static_cast<int>(rng_() % 3)};
    workspace_members_[{c.object, c.subject}] = c.role;
    return c;
  }
  Change PutAccountMember() {
    Change c{Change::Kind::kPutAccountMember, Pick(accounts_), Pick(users_).id,
             static_cast<int>(rng_() % 2)};
    account_members_[{c.object, c.subject}] = c.role;
    return c;
  }
  Change Revoke(Grants& grants, Change::Kind kind) {
    if (grants.empty()) return PutWorkspaceMember();
    auto it = std::next(grants.begin(), static_cast<long>(rng_() % grants.size()));
    Change c{kind, it->first.first, it->first.second};
    grants.erase(it);
    return c;
  }
  // What provisioning and bootstrap write: group mappings (mostly), an
  // environment's parent, a platform admin.
  Change TouchRaw() {
    Change c{Change::Kind::kTouch};
    const int what = static_cast<int>(rng_() % 6);
    if (what < 4) {
      const model::GroupMapping mapping{Pick(kGroupNames),
                                        static_cast<model::WorkspaceRole>(rng_() % 3)};
      c.rel = model::GroupMappingRelationship(Pick(workspaces_), mapping, Pick(kIssuers));
    } else if (what == 4) {
      c.rel = model::EnvironmentOfWorkspace(Pick(kEnvironments), Pick(workspaces_));
    } else {
      c.rel = model::PlatformAdmin(Pick(users_).id);
    }
    raw_.insert(c.rel);
    return c;
  }
  Change DeleteRaw() {
    if (raw_.empty()) return TouchRaw();
    auto it = std::next(raw_.begin(), static_cast<long>(rng_() % raw_.size()));
    Change c{Change::Kind::kDelete};
    c.rel = *it;
    raw_.erase(it);
    return c;
  }

  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[rng_() % from.size()];
  }
  bool Roll(int one_in) { return rng_() % one_in == 0; }

  std::mt19937_64& rng_;
  const std::vector<TestUser> users_;
  std::vector<std::string> accounts_;
  std::vector<std::string> workspaces_;
  int next_workspace_ = 1;
  Grants workspace_members_, account_members_;
  std::set<model::Relationship> raw_;
};

}  // namespace workspaced::spicedb::testing
