// Randomness is injected: identifiers, keys and jitter come from a Random so
// tests can make them deterministic.
//
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"

namespace workspaced {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(void* out, std::size_t n) = 0;
  std::uint64_t NextU64();
};

// Cryptographically secure (OpenSSL RAND_bytes). Aborts if the OS cannot
// provide entropy: nothing sensible can continue without it.
std::unique_ptr<Random> NewSecureRandom();
// Deterministic, for tests only.
std::unique_ptr<Random> NewSeededRandom(std::uint64_t seed);

// A UUIDv7 (RFC 9562): 48-bit millisecond timestamp then random bits, so ids
// sort by creation time and index well. Lowercase canonical text form.
std::string NewUuidV7(Random& random, const Clock& clock);
// A UUIDv7 that sorts after `after` (a UUID, lowercase): NewUuidV7's when it
// does, else one of the millisecond after `after`'s. Keeps the ids of one
// workspace's runs in creation order across hosts whose clocks disagree.
std::string NewUuidV7After(Random& random, const Clock& clock, std::string_view after);
// True for the canonical 8-4-4-4-12 lowercase-or-uppercase hex form.
bool IsUuid(std::string_view s);
// Hex of n random bytes.
std::string RandomHex(Random& random, std::size_t n);

}  // namespace workspaced
