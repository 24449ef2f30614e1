// Test-only: generates keys and signs JWTs the way an identity provider would,
// so auth tests exercise real RS256 / ES256 / EdDSA tokens. Never linked into
// the server.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "auth/openssl_ptr.h"

namespace workspaced::auth::testkit {

// Fresh keys; abort the test binary if OpenSSL cannot make them.
EvpPkeyPtr GenerateRsaKey(int bits = 2048);
EvpPkeyPtr GenerateP256Key();
EvpPkeyPtr GenerateEd25519Key();

// One key of each type, generated once per test binary (RSA generation is
// slow) and shared read-only by every test.
struct TestKeys {
  EvpPkeyPtr rsa = GenerateRsaKey();
  EvpPkeyPtr ec = GenerateP256Key();
  EvpPkeyPtr ed = GenerateEd25519Key();
};
const TestKeys& SharedKeys();

// The public JWK of `key` (RSA, EC P-256 or Ed25519) with the given kid.
boost::json::object PublicJwk(const EVP_PKEY& key, std::string_view kid);

// The public key's SubjectPublicKeyInfo as PEM text and as DER bytes: what an
// algorithm-confusion attacker would use as an HMAC secret.
std::string PublicKeyPem(const EVP_PKEY& key);
std::string PublicKeyDer(const EVP_PKEY& key);

// base64url(header_json).base64url(payload_json).base64url(signature). The
// JSON is used verbatim, so tests can send anything.
std::string SignJwt(std::string_view header_json, std::string_view payload_json, JwtAlg alg,
                    const EVP_PKEY& key);
std::string SignHs256Jwt(std::string_view header_json, std::string_view payload_json,
                         std::string_view secret);

// A file in the temp directory, removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(std::string_view contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace workspaced::auth::testkit
