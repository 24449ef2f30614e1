// ws_bench_seal: sealing throughput of crypto::Seal (AES-256-GCM through
// OpenSSL's EVP interface, a fresh random nonce and context per value: what
// a secret PUT pays), for bench/suites/secrets.sh to set beside `openssl
// speed -evp aes-256-gcm` at the same block size.
//
//   ws_bench_seal BYTES SECONDS
//       seals values of BYTES bytes (with a secret's AAD) for SECONDS on one
//       thread and prints "<seals per second> <plaintext bytes per second>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/random.h"
#include "crypto/aead.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ws_bench_seal BYTES SECONDS\n");
    return 2;
  }
  const std::size_t bytes = std::strtoull(argv[1], nullptr, 10);
  const double seconds = std::strtod(argv[2], nullptr);
  if (bytes == 0 || seconds <= 0) {
    std::fprintf(stderr, "ws_bench_seal: BYTES and SECONDS must be positive\n");
    return 2;
  }
  auto random = workspaced::NewSecureRandom();
  const workspaced::crypto::Key key = workspaced::crypto::Key::Generate(*random);
  const std::string plaintext(bytes, 'v');
  const std::string aad = std::string("secret\0ws\0DB_PASSWORD\0", 22) + "1";
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  std::size_t n = 0, sealed_bytes = 0;
  Clock::time_point now;
  do {
    for (int i = 0; i < 64; ++i)
      sealed_bytes += workspaced::crypto::Seal(key, aad, plaintext, *random).size();
    n += 64;
    now = Clock::now();
  } while (now < until);
  const double elapsed = std::chrono::duration<double>(now - start).count();
  if (sealed_bytes != n * (bytes + workspaced::crypto::kSealOverhead)) return 1;
  std::printf("%.1f %.1f\n", n / elapsed, n * static_cast<double>(bytes) / elapsed);
  return 0;
}
