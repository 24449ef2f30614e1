// Membership of accounts and workspaces: one implementation for both.
//
// Rules (inside the change's write transaction):
//   - a workspace's members change only while it is not frozen (kLocked);
//   - deleting a subject that is not a member is kNotFound;
//   - removing or demoting the last admin is kConflict (an account or
//     workspace always keeps one);
//   - a newcomer to a workspace must fit its account's members_per_workspace
//     quota (quotas.h; kConflict, the quota-exceeded problem);
//   - the relationships a membership implies are written by the store with
//     the membership row (model/relationships.h), in the same transaction;
//   - every change is audited (member.put / member.delete, with the role
//     before and after);
//   - a change given a precondition (If-Match) checks it against the
//     membership as stored, in the same transaction, before anything else
//     about the member.
//
// Thread-safety: safe from any thread (state is in the store).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "domain/actor.h"
#include "store/store.h"

namespace workspaced::domain {

enum class MemberScope { kAccount, kWorkspace };

// The role names a scope accepts: account admin|member; workspace
// admin|member|viewer.
const std::vector<std::string>& RolesOf(MemberScope scope);

struct MemberResult {
  std::string subject;
  std::string role;
  Micros created_at = 0;
  bool created = false;  // the subject was not a member before
};

// Checked inside a change's transaction against the membership as stored
// (nullopt: the subject is not a member); a non-OK status aborts the change.
using MemberPrecondition = std::function<Status(const std::optional<MemberResult>& current)>;

class Members {
 public:
  Members(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Gives `subject` the role (one of RolesOf(scope), else kUnprocessable) on
  // the account or workspace `id`.
  StatusOr<MemberResult> Put(const Actor& actor, MemberScope scope, std::string_view id,
                             std::string_view subject, std::string_view role,
                             const MemberPrecondition& precondition = nullptr);
  // At most `limit` members in subject order, after the subject `after`
  // ("": from the first).
  StatusOr<std::vector<MemberResult>> List(MemberScope scope, std::string_view id,
                                           std::string_view after, int limit);
  // kNotFound when the subject is not a member.
  StatusOr<MemberResult> Get(MemberScope scope, std::string_view id, std::string_view subject);
  Status Delete(const Actor& actor, MemberScope scope, std::string_view id,
                std::string_view subject, const MemberPrecondition& precondition = nullptr);
  // The actor removes its own direct membership (it needs only read: nobody
  // accepts a membership, so anyone made a member can undo it). Allowed
  // while the workspace is frozen — a freeze holds data, not people, and
  // must not keep someone in a workspace against their will; kConflict for
  // the last admin, or while the workspace is deleted; kNotFound when the
  // actor is no direct member.
  Status Leave(const Actor& actor, MemberScope scope, std::string_view id,
               const MemberPrecondition& precondition = nullptr);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace workspaced::domain
