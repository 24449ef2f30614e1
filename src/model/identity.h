// Identities are per issuer, and groups belong to tenants.
//
// A principal is (issuer, sub). Its user id — what memberships, relationships
// (user:<id>), platform admins and the audit log name — is:
//   - the bare `sub` for the service's own dev issuer (so data made before
//     identities were qualified keeps working);
//   - "<issuer>|<sub>" for any other issuer, each part escaped ('%' → %25,
//     '|' → %7C) so that no choice of either part can spell another's id.
// A group named in a token is qualified the same way, and for an issuer whose
// tokens carry an organisation claim also as "<issuer>|<org>|<group>". A
// group mapping in an account's workspace grants through the groups qualified
// by each issuer (and organisation) the account trusts, so a group name from
// an identity provider the account does not trust never matches.
//
// Dev subjects and group names containing '|' are refused at authentication
// and in mappings: a bare name can then never equal a qualified one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace workspaced::model {

// The `iss` of tokens signed with the data directory's dev key.
inline constexpr char kDevIssuer[] = "workspaced-dev";

// An identity provider an account trusts; `org` empty trusts every
// organisation of the issuer (a provider of one tenant).
struct TrustedIssuer {
  std::string issuer;
  std::string org;
  bool operator==(const TrustedIssuer&) const = default;
};

// What a new account trusts unless told otherwise: the dev issuer only.
std::vector<TrustedIssuer> DefaultTrustedIssuers();

std::string QualifiedUser(std::string_view issuer, std::string_view sub);

inline constexpr std::size_t kMaxSubjectBytes = 255;
inline constexpr std::size_t kMaxUserIdBytes = 1024;

// What a token's `sub` (and each of its groups) must be: 1-255 bytes of
// display-safe UTF-8 (common/text.h IsDisplaySafe) without white space at
// either end — " alice" and "alice" would be two users shown the same —
// and not "." or ".." (a dot-segment in a member's path).
bool IsValidSubject(std::string_view sub);

// A user id some token can have (what a membership names): a dev token's
// bare sub (a valid subject without '|'), or QualifiedUser's
// "<issuer>|<sub>" whose parts, unescaped, are a display-safe issuer and a
// valid subject; at most 1024 bytes. A membership of anything else could
// never be used and would show as a look-alike of one that can.
bool IsUserId(std::string_view id);
// `org` empty: the issuer-wide form.
std::string QualifiedGroup(std::string_view issuer, std::string_view org, std::string_view group);

}  // namespace workspaced::model
