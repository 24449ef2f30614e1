#include "auth/claims.h"

#include <cmath>
#include <optional>

#include "common/text.h"

namespace workspaced::auth {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: bound NumericDates so
// that adding leeway or converting to microseconds cannot overflow.
constexpr std::int64_t kMinNumericDate = -62'135'596'800;
constexpr std::int64_t kMaxNumericDate = 253'402'300'799;

// A NumericDate is any JSON number of seconds since the epoch (RFC 7519 §2),
// negative ones too: a date before 1970 is simply in the past. Fractions are
// truncated toward zero. nullopt when not a number or out of range.
std::optional<std::int64_t> NumericDate(const boost::json::value& v) {
  double seconds = 0;
  if (v.is_int64()) {
    seconds = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    seconds = static_cast<double>(v.get_uint64());
  } else if (v.is_double()) {
    seconds = v.get_double();
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(seconds) || seconds < static_cast<double>(kMinNumericDate) ||
      seconds > static_cast<double>(kMaxNumericDate))
    return std::nullopt;
  return static_cast<std::int64_t>(seconds);
}

// The NumericDate `name` of the payload: nullopt when absent, an error when
// present and not a NumericDate.
Status OptionalDate(const boost::json::object& payload, std::string_view name,
                    std::optional<std::int64_t>& out) {
  const auto* v = payload.if_contains(name);
  if (v == nullptr) return Status::Ok();
  out = NumericDate(*v);
  if (!out) return Unauthenticated("invalid " + std::string(name));
  return Status::Ok();
}

Status CheckTimes(const boost::json::object& payload, const ClaimRules& rules,
                  std::int64_t& exp_out) {
  if (!payload.contains("exp")) return Unauthenticated("missing exp");
  std::optional<std::int64_t> exp, nbf, iat;
  WS_RETURN_IF_ERROR(OptionalDate(payload, "exp", exp));
  WS_RETURN_IF_ERROR(OptionalDate(payload, "nbf", nbf));
  WS_RETURN_IF_ERROR(OptionalDate(payload, "iat", iat));
  // Valid from nbf up to, not including, exp: an empty window is a
  // mis-minted token whatever the clock says (leeway does not open it).
  if (nbf && *exp <= *nbf) return Unauthenticated("token never valid: exp is not after nbf");
  if (rules.max_lifetime_seconds > 0) {
    // The lifetime the issuer gave it: from when it was issued, else from
    // when it starts to be valid, else (neither said) from now.
    const std::int64_t from = iat ? *iat : nbf ? *nbf : rules.now_seconds;
    if (*exp - from > rules.max_lifetime_seconds)
      return Unauthenticated("token lifetime exceeds the allowed maximum");
  }
  if (rules.now_seconds >= ExpiryCutoff(*exp, rules.leeway_seconds))
    return Unauthenticated("token expired");
  if (nbf && *nbf > rules.now_seconds + rules.leeway_seconds)
    return Unauthenticated("token not yet valid");
  // Issued in the future beyond the clock skew we allow: a forged or
  // mis-minted token, never one a working issuer hands out.
  if (iat && *iat > rules.now_seconds + rules.leeway_seconds)
    return Unauthenticated("token issued in the future");
  exp_out = *exp;
  return Status::Ok();
}

Status CheckAudience(const boost::json::object& payload, std::string_view audience) {
  const auto* aud = payload.if_contains("aud");
  if (aud == nullptr) return Unauthenticated("missing aud");
  if (aud->is_string()) {
    if (aud->get_string() == audience) return Status::Ok();
    return Unauthenticated("audience not accepted");
  }
  if (!aud->is_array()) return Unauthenticated("invalid aud");
  bool found = false;
  for (const auto& entry : aud->get_array()) {
    if (!entry.is_string()) return Unauthenticated("invalid aud");
    found = found || entry.get_string() == audience;
  }
  return found ? Status::Ok() : Unauthenticated("audience not accepted");
}

Status ReadGroups(const boost::json::object& payload, std::vector<std::string>& out) {
  const auto* groups = payload.if_contains("groups");
  if (groups == nullptr) return Status::Ok();
  if (!groups->is_array()) return Unauthenticated("invalid groups");
  const auto& array = groups->get_array();
  if (array.size() > kMaxGroups) return Unauthenticated("too many groups");
  out.reserve(array.size());
  for (const auto& group : array) {
    // As a sub: not empty, display-safe, no white space at either end.
    if (!group.is_string() || !model::IsValidSubject(group.get_string()))
      return Unauthenticated("invalid groups");
    out.emplace_back(group.get_string());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Principal> CheckClaims(const boost::json::object& payload, const ClaimRules& rules) {
  std::int64_t exp_seconds = 0;
  WS_RETURN_IF_ERROR(CheckTimes(payload, rules, exp_seconds));

  const auto* iss = payload.if_contains("iss");
  if (iss == nullptr) return Unauthenticated("missing iss");
  if (!iss->is_string() || iss->get_string() != rules.issuer)
    return Unauthenticated("issuer not accepted");
  WS_RETURN_IF_ERROR(CheckAudience(payload, rules.audience));

  const auto* sub = payload.if_contains("sub");
  if (sub == nullptr) return Unauthenticated("missing sub");
  // Control or bidi characters, or bytes that are not UTF-8, would reach the
  // audit log's actor and every log line as a name no member path can spell;
  // a space before or after it would make "alice " another user than
  // "alice", who look the same everywhere they are shown.
  if (!sub->is_string() || !model::IsValidSubject(sub->get_string()))
    return Unauthenticated("invalid sub");

  Principal principal;
  WS_RETURN_IF_ERROR(ReadGroups(payload, principal.groups));
  principal.subject = std::string(sub->get_string());
  principal.issuer = std::string(iss->get_string());
  principal.expires_at = exp_seconds * 1'000'000;
  return principal;
}

}  // namespace workspaced::auth
