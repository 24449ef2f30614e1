#include "auth/jwks.h"

#include <openssl/core_names.h>

#include <boost/json/parse.hpp>
#include <optional>

#include "common/base64url.h"
#include "common/regular_file.h"

namespace workspaced::auth {
namespace {

constexpr std::size_t kP256CoordinateBytes = 32;
constexpr std::size_t kEd25519KeyBytes = 32;

const boost::json::string* StringMember(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

std::optional<std::string> Base64Member(const boost::json::object& o, std::string_view name) {
  const auto* s = StringMember(o, name);
  if (s == nullptr) return std::nullopt;
  return Base64UrlDecode(*s);
}

StatusOr<EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM_BLD& builder) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(&builder));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return InvalidArgument(std::string("invalid ") + type + " key parameters");
  return EvpPkeyPtr(raw);
}

StatusOr<EvpPkeyPtr> RsaKey(const boost::json::object& jwk) {
  const auto n = Base64Member(jwk, "n");
  const auto e = Base64Member(jwk, "e");
  if (!n || !e || n->empty() || e->empty())
    return InvalidArgument("RSA key needs base64url n and e");
  BignumPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                           static_cast<int>(n->size()), nullptr));
  BignumPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                           static_cast<int>(e->size()), nullptr));
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return InvalidArgument("invalid RSA key parameters");
  WS_ASSIGN_OR_RETURN(EvpPkeyPtr key, FromParams("RSA", *builder));
  if (const int bits = EVP_PKEY_get_bits(key.get()); bits < kMinRsaBits) {
    return InvalidArgument("RSA key has " + std::to_string(bits) + " bits; at least " +
                           std::to_string(kMinRsaBits) + " required");
  }
  return key;
}

StatusOr<EvpPkeyPtr> P256Key(const boost::json::object& jwk) {
  const auto x = Base64Member(jwk, "x");
  const auto y = Base64Member(jwk, "y");
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes)
    return InvalidArgument("EC P-256 key needs 32-byte base64url x and y");
  const std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed form
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return InvalidArgument("invalid EC key parameters");
  WS_ASSIGN_OR_RETURN(EvpPkeyPtr key, FromParams("EC", *builder));
  // An off-curve point would open invalid-curve attacks; refuse it up front.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return InvalidArgument("EC key is not a valid P-256 point");
  return key;
}

StatusOr<EvpPkeyPtr> Ed25519Key(const boost::json::object& jwk) {
  const auto x = Base64Member(jwk, "x");
  if (!x || x->size() != kEd25519KeyBytes)
    return InvalidArgument("Ed25519 key needs a 32-byte base64url x");
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
  if (!key) return InvalidArgument("invalid Ed25519 key");
  return key;
}

// The one algorithm a key of this type verifies, or nullopt if we have none.
std::optional<JwtAlg> AlgForType(const boost::json::object& jwk, std::string_view kty) {
  const auto* crv = StringMember(jwk, "crv");
  if (kty == "RSA") return JwtAlg::kRs256;
  if (kty == "EC" && crv != nullptr && *crv == "P-256") return JwtAlg::kEs256;
  if (kty == "OKP" && crv != nullptr && *crv == "Ed25519") return JwtAlg::kEdDsa;
  return std::nullopt;
}

bool MeantForVerification(const boost::json::object& jwk) {
  if (const auto* use = jwk.if_contains("use");
      use != nullptr && !(use->is_string() && use->get_string() == "sig"))
    return false;
  const auto* ops = jwk.if_contains("key_ops");
  if (ops == nullptr) return true;
  if (!ops->is_array()) return false;
  for (const auto& op : ops->get_array()) {
    if (op.is_string() && op.get_string() == "verify") return true;
  }
  return false;
}

// nullopt: a well-formed entry we do not use.
StatusOr<std::optional<Jwk>> ParseKey(const boost::json::object& jwk) {
  const auto* kty = StringMember(jwk, "kty");
  if (kty == nullptr) return InvalidArgument("key has no kty");
  const auto alg = AlgForType(jwk, *kty);
  if (!alg || !MeantForVerification(jwk)) return std::optional<Jwk>();
  if (const auto* declared = jwk.if_contains("alg");
      declared != nullptr && !(declared->is_string() && declared->get_string() == JwtAlgName(*alg)))
    return std::optional<Jwk>();
  Jwk out;
  out.alg = *alg;
  switch (*alg) {
    case JwtAlg::kRs256: {
      WS_ASSIGN_OR_RETURN(out.key, RsaKey(jwk));
      break;
    }
    case JwtAlg::kEs256: {
      WS_ASSIGN_OR_RETURN(out.key, P256Key(jwk));
      break;
    }
    case JwtAlg::kEdDsa: {
      WS_ASSIGN_OR_RETURN(out.key, Ed25519Key(jwk));
      break;
    }
    case JwtAlg::kHs256:
      return std::optional<Jwk>();
  }
  return std::optional<Jwk>(std::move(out));
}

}  // namespace

StatusOr<JwkSet> ParseJwks(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec);
  if (ec) return InvalidArgument("not valid JWKS JSON: " + ec.message());
  const auto* keys = doc.is_object() ? doc.get_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array())
    return InvalidArgument("not valid JWKS JSON: expected an object with a \"keys\" array");
  JwkSet out;
  std::size_t index = 0;
  for (const auto& entry : keys->get_array()) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    if (!entry.is_object()) return InvalidArgument(where + " is not an object");
    const auto& jwk = entry.get_object();
    auto parsed = ParseKey(jwk);
    if (!parsed.ok()) return InvalidArgument(where + ": " + parsed.status().message());
    const auto* kid = StringMember(jwk, "kid");
    // Tokens select JWKS keys by kid, so a key without one can never be used.
    if (!parsed->has_value() || kid == nullptr) continue;
    if (!out.try_emplace(std::string(*kid), std::move(**parsed)).second)
      return InvalidArgument(where + ": duplicate kid \"" + std::string(*kid) + "\"");
  }
  return out;
}

StatusOr<JwkSet> LoadJwksFile(const std::string& path) {
  // A regular file of at most 1 MiB: a FIFO or a device is refused, not
  // waited on or read for ever (common/regular_file.h).
  StatusOr<RegularFile> file = ReadRegularFile(path, 1 << 20);
  if (!file.ok()) return InvalidArgument("JWKS file " + file.status().message());
  auto keys = ParseJwks(file->contents);  // an empty file fails as JSON
  if (!keys.ok()) return InvalidArgument("JWKS file " + path + ": " + keys.status().message());
  return keys;
}

}  // namespace workspaced::auth
