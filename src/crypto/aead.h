// AES-256-GCM (OpenSSL's EVP interface) for values kept at rest: secrets and
// vault fields under a workspace's data key, and data keys under a
// key-encryption key (crypto/keyring.h). docs/encryption.md has the scheme.
//
// A sealed value is nonce (12 bytes, random) || ciphertext || tag (16 bytes).
// Random 96-bit nonces are safe for up to 2^32 seals under one key (NIST SP
// 800-38D §8.3); a key here seals one workspace's values, far below that.
// The additional authenticated data (AAD) names where a value belongs (its
// workspace, name, version): a sealed value copied anywhere else fails to
// open.
//
// Thread-safety: any thread. Each thread keeps its own cipher contexts (one
// to seal, one to open) between calls, with the schedule of the key it last
// used; they are wiped and freed when the thread ends.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/random.h"
#include "common/status.h"

namespace workspaced::crypto {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNonceBytes = 12;
inline constexpr std::size_t kTagBytes = 16;
// What sealing adds to a value's length.
inline constexpr std::size_t kSealOverhead = kNonceBytes + kTagBytes;

// A 256-bit key. Its bytes are wiped (OPENSSL_cleanse) when it is destroyed
// or assigned over; it is never printed.
class Key {
 public:
  // `bytes` must be kKeyBytes long (kInvalidArgument otherwise).
  static StatusOr<Key> FromBytes(std::string_view bytes);
  static Key Generate(Random& random);

  Key(const Key& other);
  Key& operator=(const Key& other);
  ~Key();

  const unsigned char* data() const { return bytes_.data(); }
  // The raw bytes, e.g. to write a key file; wipe the copy when done.
  std::string Bytes() const;

 private:
  Key() = default;
  std::array<unsigned char, kKeyBytes> bytes_{};
};

// Overwrites `s`'s bytes (OPENSSL_cleanse) before it is freed: key
// material and plaintext held in a string.
void Wipe(std::string& s);
void Wipe(char* data, std::size_t size);

// Seals `plaintext` under `key`, bound to `aad`.
std::string Seal(const Key& key, std::string_view aad, std::string_view plaintext, Random& random);

// The plaintext of `sealed`, if it was sealed under `key` with this `aad`
// and not altered since; on the heap whatever its length (a short string's
// inline bytes would be left behind by every move), for the caller to Wipe.
// kInternal "…does not authenticate" otherwise (the caller names what
// failed: a damaged row, a wrong key).
StatusOr<std::string> Open(const Key& key, std::string_view aad, std::string_view sealed);

}  // namespace workspaced::crypto
