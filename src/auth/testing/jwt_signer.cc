#include "auth/testing/jwt_signer.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "common/base64url.h"

namespace workspaced::auth::testkit {
namespace {

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;

EvpPkeyPtr OrAbort(EVP_PKEY* key) {
  if (key == nullptr) std::abort();  // tests cannot run without keys
  return EvpPkeyPtr(key);
}

std::string Bytes(const unsigned char* data, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(data), n);
}

std::string BignumParam(const EVP_PKEY& key, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(&key, name, &raw) != 1) std::abort();
  BignumPtr bn(raw);
  std::vector<unsigned char> out(width > 0 ? width : BN_num_bytes(bn.get()));
  BN_bn2binpad(bn.get(), out.data(), static_cast<int>(out.size()));
  return Bytes(out.data(), out.size());
}

// ECDSA signatures come out of OpenSSL as DER; JWS wants fixed-width r||s.
std::string DerToRawEs256(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) std::abort();
  unsigned char out[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32);
  return Bytes(out, sizeof out);
}

}  // namespace

EvpPkeyPtr GenerateRsaKey(int bits) {
  return OrAbort(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
}
EvpPkeyPtr GenerateP256Key() { return OrAbort(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
EvpPkeyPtr GenerateEd25519Key() { return OrAbort(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

const TestKeys& SharedKeys() {
  static const TestKeys keys;
  return keys;
}

boost::json::object PublicJwk(const EVP_PKEY& key, std::string_view kid) {
  boost::json::object jwk{{"kid", kid}};
  if (EVP_PKEY_is_a(&key, "RSA")) {
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(BignumParam(key, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = Base64UrlEncode(BignumParam(key, OSSL_PKEY_PARAM_RSA_E));
  } else if (EVP_PKEY_is_a(&key, "EC")) {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = Base64UrlEncode(BignumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, 32));
    jwk["y"] = Base64UrlEncode(BignumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  } else {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(&key, raw, &len) != 1) std::abort();
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = Base64UrlEncode(Bytes(raw, len));
  }
  return jwk;
}

std::string PublicKeyPem(const EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), &key) != 1) std::abort();
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string PublicKeyDer(const EVP_PKEY& key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(&key, &der);
  if (len <= 0) std::abort();
  std::string out = Bytes(der, static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string SignJwt(std::string_view header_json, std::string_view payload_json, JwtAlg alg,
                    const EVP_PKEY& key) {
  const std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg == JwtAlg::kEdDsa ? nullptr : EVP_sha256();
  auto* pkey = const_cast<EVP_PKEY*>(&key);
  std::size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
    std::abort();
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data, input.size()) != 1) std::abort();
  std::string signature = Bytes(sig.data(), len);
  if (alg == JwtAlg::kEs256) signature = DerToRawEs256(signature);
  return input + "." + Base64UrlEncode(signature);
}

std::string SignHs256Jwt(std::string_view header_json, std::string_view payload_json,
                         std::string_view secret) {
  const std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  return input + "." + Base64UrlEncode(HmacSha256(secret, input));
}

TempFile::TempFile(std::string_view contents) {
  std::string pattern = (std::filesystem::temp_directory_path() / "auth_test_XXXXXX").string();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) std::abort();
  path_ = pattern;
  const bool written =
      write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
  close(fd);
  if (!written) std::abort();
}

TempFile::~TempFile() { std::remove(path_.c_str()); }

}  // namespace workspaced::auth::testkit
