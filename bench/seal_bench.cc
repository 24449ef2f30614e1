// ws_bench_seal: sealing throughput of crypto::Seal (AES-256-GCM through
// OpenSSL's EVP interface, a fresh random nonce per value and the thread's
// cipher context: what a secret PUT pays), for bench/suites/secrets.sh to
// set beside `openssl speed -evp aes-256-gcm` at the same block size.
//
//   ws_bench_seal BYTES SECONDS
//       seals values of BYTES bytes (with a secret's AAD) for SECONDS of
//       this thread's CPU time and prints "<seals per second> <plaintext
//       bytes per second>", per second of CPU time (user and system).
//
// CPU time, not wall time: `openssl speed` divides by its user CPU time
// (unless -elapsed), so on a machine shared with other work a wall-clock
// figure here would be set against a baseline that does not count the
// time the core spent on others (the first figures, 0.25-0.42, were mostly
// that).
#include <cstdio>
#include <cstdlib>
#include <ctime>
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
  const auto cpu_seconds = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  const double start = cpu_seconds();
  std::size_t n = 0, sealed_bytes = 0;
  double now = start;
  do {
    for (int i = 0; i < 64; ++i)
      sealed_bytes += workspaced::crypto::Seal(key, aad, plaintext, *random).size();
    n += 64;
    now = cpu_seconds();
  } while (now - start < seconds);
  const double elapsed = now - start;
  if (sealed_bytes != n * (bytes + workspaced::crypto::kSealOverhead)) return 1;
  std::printf("%.1f %.1f\n", n / elapsed, n * static_cast<double>(bytes) / elapsed);
  return 0;
}
