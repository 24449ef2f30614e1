#include "common/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

#include "common/hex.h"

namespace workspaced {

std::uint64_t Random::NextU64() {
  std::uint64_t v;
  Fill(&v, sizeof v);
  return v;
}

namespace {

class SecureRandom final : public Random {
 public:
  void Fill(void* out, std::size_t n) override {
    if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(n)) != 1) {
      std::fputs("fatal: RAND_bytes failed\n", stderr);
      std::abort();
    }
  }
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : rng_(seed) {}
  void Fill(void* out, std::size_t n) override {
    std::lock_guard lock(mu_);
    auto* p = static_cast<unsigned char*>(out);
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(rng_());
  }

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Random> NewSecureRandom() { return std::make_unique<SecureRandom>(); }
std::unique_ptr<Random> NewSeededRandom(std::uint64_t seed) {
  return std::make_unique<SeededRandom>(seed);
}

namespace {

// `b` (random, with rand_a's counter in b[6..7] where there is one) as the
// text of a UUIDv7 of millisecond `ms`.
std::string FormatUuidV7(unsigned char (&b)[16], std::uint64_t ms) {
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    AppendHexByte(out, b[i]);
  }
  return out;
}

}  // namespace

std::string NewUuidV7(Random& random, const Clock& clock) {
  unsigned char b[16];
  random.Fill(b, sizeof b);
  // RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps ids made in the
  // same millisecond (in this process) in creation order. A fresh millisecond
  // seeds the counter randomly in its lower half, leaving room to count up;
  // an exhausted counter borrows the next millisecond.
  static std::mutex mu;
  static std::uint64_t last_ms = 0;  // guarded by mu
  static std::uint32_t counter = 0;  // guarded by mu
  std::uint64_t ms = static_cast<std::uint64_t>(clock.Now() / 1000);
  {
    std::lock_guard lock(mu);
    if (ms > last_ms) {
      last_ms = ms;
      counter = ((static_cast<std::uint32_t>(b[6]) << 8) | b[7]) & 0x7FF;
    } else if (++counter > 0xFFF) {
      ++last_ms;
      counter = 0;
    }
    ms = last_ms;
    b[6] = static_cast<unsigned char>(counter >> 8);
    b[7] = static_cast<unsigned char>(counter & 0xFF);
  }
  return FormatUuidV7(b, ms);
}

std::string NewUuidV7After(Random& random, const Clock& clock, std::string_view after) {
  std::string id = NewUuidV7(random, clock);
  if (!IsUuid(after) || id > after) return id;
  // after's 48-bit millisecond timestamp (its first 12 hex digits), plus one.
  std::uint64_t ms = 0;
  for (const char c : std::string(after.substr(0, 8)) + std::string(after.substr(9, 4))) {
    const int v = (c >= '0' && c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10;
    ms = (ms << 4) | static_cast<std::uint64_t>(v);
  }
  unsigned char b[16];
  random.Fill(b, sizeof b);
  return FormatUuidV7(b, ms + 1);
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string RandomHex(Random& random, std::size_t n) {
  std::string bytes(n, '\0');
  random.Fill(bytes.data(), n);
  return HexEncode(bytes);
}

}  // namespace workspaced
