#include "auth/jwt.h"

#include <openssl/ec.h>

#include <array>
#include <boost/json/parse.hpp>
#include <cctype>

#include "auth/openssl_ptr.h"
#include "common/base64url.h"
#include "common/strict_json.h"
#include "common/text.h"

namespace workspaced::auth {
namespace {

constexpr std::size_t kHs256Bytes = 32;
constexpr std::size_t kEs256CoordinateBytes = 32;


std::optional<boost::json::object> ParseObject(std::string_view bytes) {
  // Duplicate names refused (RFC 7519 §4): `{"alg":"none","alg":"HS256"}`
  // must not mean one thing here and another to the token's issuer.
  StatusOr<boost::json::value> v = ParseStrictJson(bytes);
  if (!v.ok() || !v.value().is_object()) return std::nullopt;
  return std::move(v.value().as_object());
}

// `jku`, `x5u` and `jwk` are deliberately ignored: keys come only from our
// configuration, never from the token.
Status CheckHeader(const boost::json::object& header, ParsedJwt& out) {
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Unauthenticated("missing alg");
  if (EqualsIgnoreCase(alg->as_string(), "none")) return Unauthenticated("algorithm not allowed");
  const auto parsed = ParseJwtAlg(alg->as_string());
  if (!parsed) return Unauthenticated("unsupported algorithm");
  out.alg = *parsed;
  // We understand no extension, so any critical one must be refused (RFC 7515 §4.1.11).
  if (header.contains("crit")) return Unauthenticated("unsupported critical header");
  if (const auto* typ = header.if_contains("typ")) {
    if (!typ->is_string() || !(EqualsIgnoreCase(typ->as_string(), "JWT") ||
                               EqualsIgnoreCase(typ->as_string(), "at+jwt")))
      return Unauthenticated("unsupported token type");
  }
  if (const auto* kid = header.if_contains("kid")) {
    if (!kid->is_string()) return Unauthenticated("invalid kid");
    out.kid = std::string(kid->as_string());
  }
  return Status::Ok();
}

}  // namespace

std::optional<JwtAlg> ParseJwtAlg(std::string_view name) {
  if (name == "HS256") return JwtAlg::kHs256;
  if (name == "RS256") return JwtAlg::kRs256;
  if (name == "ES256") return JwtAlg::kEs256;
  if (name == "EdDSA") return JwtAlg::kEdDsa;
  return std::nullopt;
}

std::string_view JwtAlgName(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::kHs256:
      return "HS256";
    case JwtAlg::kRs256:
      return "RS256";
    case JwtAlg::kEs256:
      return "ES256";
    case JwtAlg::kEdDsa:
      return "EdDSA";
  }
  return "?";
}

StatusOr<ParsedJwt> ParseJwt(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return Unauthenticated("token too large");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
  if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos)
    return Unauthenticated("malformed token");
  const auto header_bytes = Base64UrlDecode(token.substr(0, dot1));
  const auto payload_bytes = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header_bytes || !payload_bytes || !signature)
    return Unauthenticated("malformed token encoding");

  const auto header = ParseObject(*header_bytes);
  if (!header) return Unauthenticated("malformed token header");
  ParsedJwt out;
  WS_RETURN_IF_ERROR(CheckHeader(*header, out));
  auto payload = ParseObject(*payload_bytes);
  if (!payload) return Unauthenticated("malformed token payload");
  out.payload = std::move(*payload);
  out.signing_input = token.substr(0, dot2);
  out.signature = std::move(*signature);
  return out;
}

bool VerifyHs256(std::string_view key, std::string_view signing_input, std::string_view signature) {
  const std::string expected = HmacSha256(key, signing_input);
  return expected.size() == kHs256Bytes && ConstantTimeEquals(expected, signature);
}

namespace {

// JWS carries ECDSA signatures as fixed-width r||s; OpenSSL verifies DER.
std::optional<std::string> Es256RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs256CoordinateBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BignumPtr r(BN_bin2bn(bytes, kEs256CoordinateBytes, nullptr));
  BignumPtr s(BN_bin2bn(bytes + kEs256CoordinateBytes, kEs256CoordinateBytes, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return std::nullopt;
  // set0 takes ownership of r and s; with both non-null it cannot fail.
  if (ECDSA_SIG_set0(sig.get(), r.release(), s.release()) != 1) return std::nullopt;
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// Defence in depth: the loader already pairs keys with algorithms, but a key
// of the wrong type must never verify, whatever the caller passed.
bool KeyFitsAlg(const EVP_PKEY& key, JwtAlg alg) {
  switch (alg) {
    case JwtAlg::kRs256:
      return EVP_PKEY_is_a(&key, "RSA") == 1;
    case JwtAlg::kEs256:
      return EVP_PKEY_is_a(&key, "EC") == 1;
    case JwtAlg::kEdDsa:
      return EVP_PKEY_is_a(&key, "ED25519") == 1;
    case JwtAlg::kHs256:
      return false;
  }
  return false;
}

}  // namespace

bool VerifyWithPublicKey(const EVP_PKEY& key, JwtAlg alg, std::string_view signing_input,
                         std::string_view signature) {
  if (!KeyFitsAlg(key, alg)) return false;
  std::string der;
  if (alg == JwtAlg::kEs256) {
    auto converted = Es256RawToDer(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 hashes internally and takes no digest.
  const EVP_MD* md = alg == JwtAlg::kEdDsa ? nullptr : EVP_sha256();
  // OpenSSL's API is not const-correct; verification does not modify the key.
  auto* pkey = const_cast<EVP_PKEY*>(&key);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

}  // namespace workspaced::auth
