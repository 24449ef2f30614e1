// `workspaced keys rotate`: adds a key-encryption key and rewraps every
// workspace's data key under it, touching no sealed value
// (docs/encryption.md). On the embedded default it writes the new
// kek-<id>.key in the data directory; with `encryption.keys` configured,
// the operator adds the key file and names it `encryption.active_key`
// first, and the command rewraps under it. Old KEKs stay readable; a
// running server loads the new one when it first meets a key wrapped by it.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "app/app.h"
#include "cli/commands.h"
#include "domain/data_keys.h"

namespace workspaced::cli {

int KeysRotate(const CommonFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags, config)) return 2;
  auto store = app::OpenStore(config, /*existing=*/true);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  SystemClock clock;
  std::unique_ptr<Random> random = NewSecureRandom();
  if (config.encryption.keys.empty()) {
    // Load first: the ring must open (and have its first key) before a new one joins it.
    auto ring = app::KeyRingLoader(config, *random, clock)();
    if (!ring.ok()) {
      std::fprintf(stderr, "workspaced: %s\n", ring.status().message().c_str());
      return 1;
    }
    // The active KEK is the greatest id, and ids are creation times to the
    // second with a random suffix: a key made in the same second as the
    // newest may sort below it. Then it is removed and made again.
    StatusOr<std::string> id = Internal("no key made");
    for (int attempt = 0; attempt < 3; ++attempt) {
      id = crypto::KeyRing::CreateKeyFile(config.data_dir, *random, clock);
      if (!id.ok()) break;
      auto reloaded = app::KeyRingLoader(config, *random, clock)();
      if (reloaded.ok() && reloaded->active_id() == *id) break;
      std::filesystem::remove(std::filesystem::path(config.data_dir) / ("kek-" + *id + ".key"));
      id = Internal("the new key-encryption key does not sort last; try again");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (!id.ok()) {
      std::fprintf(stderr, "workspaced: %s\n", id.status().message().c_str());
      return 1;
    }
    std::printf("new key-encryption key %s\n", id->c_str());
  }
  auto keys = domain::DataKeys::Open(app::KeyRingLoader(config, *random, clock), **store, clock,
                                     *random);
  if (!keys.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", keys.status().message().c_str());
    return 1;
  }
  auto n = (*keys)->RewrapAll();
  if (!n.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", n.status().message().c_str());
    return 1;
  }
  std::printf("rewrapped %lld data key%s\n", static_cast<long long>(*n), *n == 1 ? "" : "s");
  return 0;
}

}  // namespace workspaced::cli
