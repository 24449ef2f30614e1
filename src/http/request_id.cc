#include "http/request_id.h"

#include <openssl/rand.h>

#include <cstdint>

namespace workspaced::http {

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  // Request ids need uniqueness, not secrecy: a per-thread xorshift seeded once
  // from the OS avoids a syscall per request.
  thread_local std::uint64_t state = [] {
    std::uint64_t s = 0;
    while (s == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&s), sizeof s);
    return s;
  }();
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = "req_";
  out.reserve(26);
  for (int word = 0; word < 2; ++word) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::uint64_t v = state;
    for (int i = 0; i < 11; ++i) {
      out.push_back(kAlphabet[v % 36]);
      v /= 36;
    }
  }
  return out;
}

}  // namespace workspaced::http
