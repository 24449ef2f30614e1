// Bearer tokens: parsing (ParseJwt), the claim checks on whatever payload
// parses, and the authenticator end to end, twice: with the bytes as sent,
// and re-signed with the dev key so that forged headers and payloads get
// past the signature to the claims and identity checks.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/claims.h"
#include "auth/jwt.h"
#include "auth/jwt_authenticator_impl.h"
#include "common/base64url.h"
#include "common/clock.h"

namespace {

using namespace workspaced;

constexpr std::string_view kDevKey = "fuzz-dev-key-of-thirty-two-bytes";
constexpr std::int64_t kNow = 1'750'000'000;

auth::JwtAuthenticatorImpl& Authenticator() {
  static auth::JwtAuthenticatorImpl* impl = [] {
    static ManualClock clock(kNow * 1'000'000);
    auth::JwtOptions options;
    options.dev_key = std::string(kDevKey);
    options.cache_capacity = 64;
    return new auth::JwtAuthenticatorImpl(options, clock, {});
  }();
  return *impl;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  if (auto parsed = auth::ParseJwt(token); parsed.ok()) {
    const auth::ClaimRules rules{"workspaced-dev", "workspaced", kNow, 60};
    (void)auth::CheckClaims(parsed->payload, rules);
  }
  (void)Authenticator().Authenticate(token);
  // "header.payload" signed as the dev key would sign it.
  if (token.find('.') != std::string_view::npos && size < auth::kMaxTokenBytes) {
    const std::string signed_token =
        std::string(token) + "." + Base64UrlEncode(HmacSha256(kDevKey, token));
    (void)Authenticator().Authenticate(signed_token);
  }
  return 0;
}
