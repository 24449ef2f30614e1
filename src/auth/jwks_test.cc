#include "auth/jwks.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "auth/testing/jwt_signer.h"
#include "common/base64url.h"

namespace workspaced::auth {
namespace {

using testkit::PublicJwk;

class JwksTest : public ::testing::Test {
 protected:
  static std::string Jwks(std::initializer_list<boost::json::object> keys) {
    boost::json::array array;
    for (const auto& key : keys) array.emplace_back(key);
    return boost::json::serialize(boost::json::object{{"keys", std::move(array)}});
  }
  static boost::json::object With(boost::json::object jwk, std::string_view name,
                                  boost::json::value v) {
    jwk[name] = std::move(v);
    return jwk;
  }
  static std::string Error(std::string_view json) {
    auto keys = ParseJwks(json);
    EXPECT_FALSE(keys.ok());
    if (keys.ok()) return "";
    EXPECT_EQ(keys.status().code(), Code::kInvalidArgument);
    return keys.status().message();
  }

  const EVP_PKEY* rsa_ = testkit::SharedKeys().rsa.get();
  const EVP_PKEY* ec_ = testkit::SharedKeys().ec.get();
  const EVP_PKEY* ed_ = testkit::SharedKeys().ed.get();
};

TEST_F(JwksTest, LoadsEachSupportedKeyTypeWithItsAlgorithm) {
  auto keys = ParseJwks(
      Jwks({With(PublicJwk(*rsa_, "r"), "use", "sig"), With(PublicJwk(*ec_, "e"), "alg", "ES256"),
            With(PublicJwk(*ed_, "d"), "key_ops", boost::json::array{"verify"})}));
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 3u);
  EXPECT_EQ(keys->at("r").alg, JwtAlg::kRs256);
  EXPECT_EQ(keys->at("e").alg, JwtAlg::kEs256);
  EXPECT_EQ(keys->at("d").alg, JwtAlg::kEdDsa);
  EXPECT_EQ(EVP_PKEY_eq(keys->at("r").key.get(), rsa_), 1);
  EXPECT_EQ(EVP_PKEY_eq(keys->at("e").key.get(), ec_), 1);
  EXPECT_EQ(EVP_PKEY_eq(keys->at("d").key.get(), ed_), 1);
}

TEST_F(JwksTest, SkipsKeysNotMeantForOurSignatures) {
  auto keys = ParseJwks(Jwks({
      PublicJwk(*rsa_, "keep"),
      With(PublicJwk(*rsa_, "enc"), "use", "enc"),
      With(PublicJwk(*rsa_, "ops"), "key_ops", boost::json::array{"encrypt"}),
      With(PublicJwk(*rsa_, "rs512"), "alg", "RS512"),
      With(PublicJwk(*rsa_, "wrong-alg"), "alg", "ES256"),
      With(PublicJwk(*ec_, "p384"), "crv", "P-384"),
      With(PublicJwk(*ed_, "ed448"), "crv", "Ed448"),
      boost::json::object{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}},
      boost::json::object{{"kty", "future"}, {"kid", "new"}},
  }));
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->contains("keep"));
}

TEST_F(JwksTest, SkipsKeysWithoutKid) {
  auto jwk = PublicJwk(*ec_, "x");
  jwk.erase("kid");
  auto keys = ParseJwks(Jwks({jwk}));
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST_F(JwksTest, RejectsDocumentsThatAreNotJwks) {
  EXPECT_NE(Error("{\"keys\": [").find("not valid JWKS JSON"), std::string::npos);
  EXPECT_NE(Error("").find("not valid JWKS JSON"), std::string::npos);
  EXPECT_NE(Error("[]").find("not valid JWKS JSON"), std::string::npos);
  EXPECT_NE(Error(R"({"keys": {}})").find("not valid JWKS JSON"), std::string::npos);
  EXPECT_NE(Error(R"({"key": []})").find("not valid JWKS JSON"), std::string::npos);
  EXPECT_EQ(Error(R"({"keys": ["rsa"]})"), "keys[0] is not an object");
  EXPECT_EQ(Error(R"({"keys": [{"kid": "a"}]})"), "keys[0]: key has no kty");
}

TEST_F(JwksTest, RejectsMalformedParametersOfSupportedKeys) {
  auto rsa = PublicJwk(*rsa_, "r");
  rsa.erase("n");
  EXPECT_EQ(Error(Jwks({rsa})), "keys[0]: RSA key needs base64url n and e");
  EXPECT_EQ(Error(Jwks({With(PublicJwk(*rsa_, "r"), "e", "AQ+B")})),
            "keys[0]: RSA key needs base64url n and e");
  EXPECT_EQ(Error(Jwks({With(PublicJwk(*ec_, "e"), "x", "AAAA")})),
            "keys[0]: EC P-256 key needs 32-byte base64url x and y");
  EXPECT_EQ(
      Error(Jwks({With(PublicJwk(*ed_, "d"), "x", boost::json::string(Base64UrlEncode("short")))})),
      "keys[0]: Ed25519 key needs a 32-byte base64url x");
}

TEST_F(JwksTest, RejectsEcPointsOffTheCurve) {
  const std::string x(32, '\x01');
  const std::string y(32, '\x02');
  EXPECT_NE(
      Error(Jwks({With(With(PublicJwk(*ec_, "e"), "x", boost::json::string(Base64UrlEncode(x))),
                       "y", boost::json::string(Base64UrlEncode(y)))}))
          .find("keys[0]: "),
      std::string::npos);
}

TEST_F(JwksTest, RefusesRsaKeysUnder2048Bits) {
  const EvpPkeyPtr weak = testkit::GenerateRsaKey(1024);
  EXPECT_EQ(Error(Jwks({PublicJwk(*weak, "weak")})),
            "keys[0]: RSA key has 1024 bits; at least 2048 required");
}

TEST_F(JwksTest, RejectsDuplicateKids) {
  EXPECT_EQ(Error(Jwks({PublicJwk(*rsa_, "same"), PublicJwk(*ec_, "same")})),
            "keys[1]: duplicate kid \"same\"");
}

TEST_F(JwksTest, LoadFileReportsThePath) {
  auto missing = LoadJwksFile("/nonexistent/jwks.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "JWKS file /nonexistent/jwks.json: No such file or directory");
  // What is not a regular file is refused at once, never waited on or
  // read without end.
  for (const char* path : {"/tmp", "/dev/zero"}) {
    auto odd = LoadJwksFile(path);
    ASSERT_FALSE(odd.ok()) << path;
    EXPECT_EQ(odd.status().message(),
              std::string("JWKS file ") + path + " is a " +
                  (std::string(path) == "/tmp" ? "directory" : "character device") +
                  ", not a regular file");
  }

  testkit::TempFile malformed("{ not json");
  auto bad = LoadJwksFile(malformed.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(
      bad.status().message().rfind("JWKS file " + malformed.path() + ": not valid JWKS JSON", 0),
      0u)
      << bad.status().message();

  testkit::TempFile good(Jwks({PublicJwk(*ed_, "d")}));
  auto keys = LoadJwksFile(good.path());
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  EXPECT_EQ(keys->size(), 1u);
}

}  // namespace
}  // namespace workspaced::auth
