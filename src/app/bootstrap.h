// First-start set-up of the embedded default: the data directory, the dev
// signing key and the default account. Each step is idempotent, so every
// start runs them and later starts reuse what exists.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::app {

inline constexpr char kDevKeyFile[] = "dev-signing.key";
inline constexpr char kDatabaseFile[] = "workspaced.db";
inline constexpr char kDefaultAccountName[] = "default";
inline constexpr char kDefaultAdmin[] = "admin";

// Creates `dir` (and parents) with mode 0700 when missing.
Status EnsureDataDir(const std::string& dir);

// Returns the raw 32-byte HS256 dev key from <data_dir>/dev-signing.key,
// creating it (random, file mode 0600, written atomically) when missing.
// Refuses a key file that others may read or that is malformed.
StatusOr<std::string> LoadOrCreateDevKey(const std::string& data_dir, Random& random);
// The same key, never creating anything: kNotFound when the file (or the
// directory) is missing.
StatusOr<std::string> LoadDevKey(const std::string& data_dir);

// The code the portal's dev sign-in asks for (docs/portal.md): 16 hex
// characters derived from the dev key (HMAC-SHA256), so only whoever can read
// the key or the server's start-up log — who could mint tokens anyway — can
// use the dev sign-in; another local user reaching the loopback port cannot.
std::string DevSignInCode(std::string_view dev_key);

// The default account (name "default", admin subject "admin"), created once;
// its id is remembered in the store's metadata.
StatusOr<model::Account> EnsureDefaultAccount(store::Store& store, const Clock& clock,
                                              Random& random);

// The key that signs pagination cursors (api/pagination.h): 32 random bytes
// as hex, kept in the store's metadata. The first process to start on a
// database makes it (an insert-if-absent, so replicas starting at once agree);
// every later one, on any replica, reads it. kInternal when the stored value
// is not such a key.
StatusOr<std::string> LoadOrCreateCursorKey(store::Store& store, Random& random);

}  // namespace workspaced::app
