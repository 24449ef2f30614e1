#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace workspaced::crypto {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

StatusOr<Key> Key::FromBytes(std::string_view bytes) {
  if (bytes.size() != kKeyBytes) return InvalidArgument("a key is 32 bytes");
  Key key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  return key;
}

Key Key::Generate(Random& random) {
  Key key;
  random.Fill(key.bytes_.data(), key.bytes_.size());
  return key;
}

Key::Key(const Key& other) : bytes_(other.bytes_) {}

Key& Key::operator=(const Key& other) {
  if (this != &other) bytes_ = other.bytes_;
  return *this;
}

Key::~Key() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string Key::Bytes() const {
  return std::string(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
}

void Wipe(std::string& s) { OPENSSL_cleanse(s.data(), s.size()); }

std::string Seal(const Key& key, std::string_view aad, std::string_view plaintext,
                 Random& random) {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  random.Fill(o, kNonceBytes);
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // Every call below fails only on allocation failure or misuse: a bug.
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), o) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), o + kNonceBytes, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), o + kNonceBytes + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          o + kNonceBytes + plaintext.size()) == 1;
  if (!ok) std::abort();
  return out;
}

StatusOr<std::string> Open(const Key& key, std::string_view aad, std::string_view sealed) {
  if (sealed.size() < kSealOverhead) return Internal("a sealed value is too short to authenticate");
  const std::size_t n = sealed.size() - kSealOverhead;
  const auto* in = Bytes(sealed);
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  // The tag is const in meaning; OpenSSL's ctrl takes a void*.
  unsigned char tag[kTagBytes];
  std::copy(in + kNonceBytes + n, in + sealed.size(), tag);
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), in) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), o, &len, in + kNonceBytes, static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), o + len, &len) == 1;
  if (!ok) {
    Wipe(out);
    return Internal("a sealed value does not authenticate (wrong key, place or damaged)");
  }
  return out;
}

}  // namespace workspaced::crypto
