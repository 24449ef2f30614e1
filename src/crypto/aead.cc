#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
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

// One cipher context per thread and direction, kept between calls: making
// a context and fetching the cipher cost more than sealing a 1 KiB value
// (docs/performance.md). The key schedule is kept too while the same key
// comes back (a workspace's values are sealed and opened under one key);
// the copy that tells keys apart is wiped with the context at thread exit.
class ThreadCipher {
 public:
  explicit ThreadCipher(bool encrypt) : encrypt_(encrypt) {}
  ~ThreadCipher() { OPENSSL_cleanse(key_.data(), key_.size()); }

  // The context, keyed with `key` and `nonce`, ready for the AAD.
  EVP_CIPHER_CTX* Begin(const Key& key, const unsigned char* nonce) {
    if (!ctx_) {
      ctx_.reset(EVP_CIPHER_CTX_new());
      if (!ctx_ || Init(EVP_aes_256_gcm(), nullptr, nullptr) != 1) std::abort();
    }
    const bool same_key = keyed_ && CRYPTO_memcmp(key_.data(), key.data(), kKeyBytes) == 0;
    if (Init(nullptr, same_key ? nullptr : key.data(), nonce) != 1) std::abort();
    if (!same_key) {
      std::copy(key.data(), key.data() + kKeyBytes, key_.begin());
      keyed_ = true;
    }
    return ctx_.get();
  }

 private:
  int Init(const EVP_CIPHER* cipher, const unsigned char* key, const unsigned char* nonce) {
    return encrypt_ ? EVP_EncryptInit_ex(ctx_.get(), cipher, nullptr, key, nonce)
                    : EVP_DecryptInit_ex(ctx_.get(), cipher, nullptr, key, nonce);
  }
  const bool encrypt_;
  Ctx ctx_;
  std::array<unsigned char, kKeyBytes> key_{};
  bool keyed_ = false;
};

ThreadCipher& Sealer() {
  thread_local ThreadCipher cipher(/*encrypt=*/true);
  return cipher;
}

ThreadCipher& Opener() {
  thread_local ThreadCipher cipher(/*encrypt=*/false);
  return cipher;
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
void Wipe(char* data, std::size_t size) { OPENSSL_cleanse(data, size); }

std::string Seal(const Key& key, std::string_view aad, std::string_view plaintext,
                 Random& random) {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  random.Fill(o, kNonceBytes);
  EVP_CIPHER_CTX* ctx = Sealer().Begin(key, o);
  int len = 0;
  // Every call below fails only on allocation failure or misuse: a bug.
  const bool ok =
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx, o + kNonceBytes, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, o + kNonceBytes + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          o + kNonceBytes + plaintext.size()) == 1;
  if (!ok) std::abort();
  return out;
}

StatusOr<std::string> Open(const Key& key, std::string_view aad, std::string_view sealed) {
  if (sealed.size() < kSealOverhead) return Internal("a sealed value is too short to authenticate");
  const std::size_t n = sealed.size() - kSealOverhead;
  const auto* in = Bytes(sealed);
  std::string out;
  out.reserve(std::max<std::size_t>(n, 16));  // past the inline buffer: see aead.h
  out.resize(n);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  EVP_CIPHER_CTX* ctx = Opener().Begin(key, in);
  int len = 0;
  // The tag is const in meaning; OpenSSL's ctrl takes a void*.
  unsigned char tag[kTagBytes];
  std::copy(in + kNonceBytes + n, in + sealed.size(), tag);
  const bool ok =
      EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx, o, &len, in + kNonceBytes, static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx, o + len, &len) == 1;
  if (!ok) {
    Wipe(out);
    return Internal("a sealed value does not authenticate (wrong key, place or damaged)");
  }
  return out;
}

}  // namespace workspaced::crypto
