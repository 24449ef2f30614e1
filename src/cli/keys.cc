// `workspaced keys rotate`: adds a key-encryption key, records it in the
// database as the active one (every running server wraps new data keys
// under it from then on) and rewraps every workspace's data key under it,
// touching no sealed value (docs/encryption.md, DataKeys::Rotate). On the
// embedded default it writes the new kek-<id>.key in the data directory;
// with `encryption.keys` configured, the operator adds the key file and
// names it `encryption.active_key` first, and the command rewraps under
// it. Exits 1 when any data key could not be rewrapped (each is named).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "app/app.h"
#include "cli/commands.h"
#include "crypto/keyring.h"
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
    auto before = crypto::KeyRing::KeyFilesIn(config.data_dir);
    // Load first: the ring must open (and have its first key) before a new one joins it.
    auto ring = app::KeyRingLoader(config, *random, clock)();
    if (!before.ok() || !ring.ok()) {
      std::fprintf(stderr, "workspaced: %s\n",
                   (before.ok() ? ring.status() : before.status()).message().c_str());
      return 1;
    }
    // A directory with no key had its first made by the load: that one is
    // the new key (a second would be one that nothing was ever under).
    StatusOr<std::string> id = ring->active_id();
    for (int attempt = 0; attempt < 3 && !before->empty(); ++attempt) {
      // The active KEK is the greatest id, and ids are creation times to the
      // second with a random suffix: a key made in the same second as the
      // newest may sort below it. Then it is removed and made again.
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
  auto keys =
      domain::DataKeys::Open(app::KeyRingLoader(config, *random, clock), **store, clock, *random);
  if (!keys.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", keys.status().message().c_str());
    return 1;
  }
  auto rotation = (*keys)->Rotate();
  if (!rotation.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", rotation.status().message().c_str());
    return 1;
  }
  const long long n = rotation->rewrapped;
  std::printf("active key-encryption key %s\nrewrapped %lld data key%s\n", rotation->active.c_str(),
              n, n == 1 ? "" : "s");
  for (const auto& [workspace_id, why] : rotation->failed)
    std::fprintf(stderr, "workspaced: the data key of workspace %s was not rewrapped: %s\n",
                 workspace_id.c_str(), why.c_str());
  if (!rotation->failed.empty()) {
    std::fprintf(stderr, "workspaced: %zu data key%s still under an older key-encryption key\n",
                 rotation->failed.size(), rotation->failed.size() == 1 ? "" : "s");
    return 1;
  }
  return 0;
}

}  // namespace workspaced::cli
