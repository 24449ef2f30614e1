#include "auth/jwt_authenticator.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/jwt.h"
#include "auth/jwt_authenticator_impl.h"
#include "common/base64url.h"

namespace workspaced::auth {

StatusOr<std::unique_ptr<Authenticator>> NewJwtAuthenticator(const JwtOptions& options,
                                                             const Clock& clock) {
  WS_ASSIGN_OR_RETURN(auto authenticator, JwtAuthenticatorImpl::Create(options, clock));
  return std::unique_ptr<Authenticator>(std::move(authenticator));
}

std::string SignDevToken(std::string_view dev_key, const DevTokenClaims& claims,
                         std::string_view issuer, std::string_view audience) {
  const boost::json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kDevKeyId}};
  boost::json::object payload{{"iss", issuer}, {"aud", audience}, {"sub", claims.subject}};
  if (!claims.groups.empty()) {
    boost::json::array groups;
    for (const auto& group : claims.groups) groups.emplace_back(group);
    payload["groups"] = std::move(groups);
  }
  payload["iat"] = claims.issued_at / 1'000'000;
  payload["exp"] = (claims.issued_at + claims.ttl) / 1'000'000;
  const std::string signing_input = Base64UrlEncode(boost::json::serialize(header)) + "." +
                                    Base64UrlEncode(boost::json::serialize(payload));
  return signing_input + "." + Base64UrlEncode(HmacSha256(dev_key, signing_input));
}

}  // namespace workspaced::auth
