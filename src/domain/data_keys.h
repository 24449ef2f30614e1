// Each workspace's data key (docs/encryption.md, docs/pillars.md): created
// on a pillar's first write, stored only wrapped in the control plane
// (store::Tx::GetDataKey), unwrapped with the key ring of key-encryption
// keys (crypto/keyring.h) when a value is sealed or opened.
//
// The ring is loaded by `load` at construction and loaded again when a
// stored key names a KEK the ring does not have (`workspaced keys rotate`
// ran beside this server), so a rotation needs no restart.
//
// Failure: kNotFound (the workspace, or — for ForWorkspace without create —
// its key), kInternal when a key does not unwrap (a missing or wrong key
// file, a damaged row: the message, for the log, names the KEK),
// kUnavailable from the store.
//
// Thread-safety: safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace workspaced::domain {

class DataKeys {
 public:
  using Loader = std::function<StatusOr<crypto::KeyRing>()>;
  // kInternal (with the loader's message) when the ring cannot be loaded.
  static StatusOr<std::unique_ptr<DataKeys>> Open(Loader load, store::Store& store,
                                                  const Clock& clock, Random& random);

  // The workspace's data key; when it has none, one is made and stored
  // (`create`) or kNotFound.
  StatusOr<crypto::Key> ForWorkspace(const std::string& workspace_id, bool create);
  // The same without creating, in two halves, so a reader can take the key
  // in the transaction that reads its workspace: the wrapped key as `tx`
  // reads it (nullopt when there is none), then the key it wraps
  // (kNotFound for nullopt, as ForWorkspace without create).
  static StatusOr<std::optional<std::string>> ReadInTx(store::Tx& tx,
                                                       const std::string& workspace_id);
  StatusOr<crypto::Key> Open(const std::string& workspace_id,
                             const std::optional<std::string>& stored);

  // Rewraps every data key not already under the active KEK with it, in
  // batches; the values sealed under them are not touched. How many keys
  // were rewrapped.
  StatusOr<std::int64_t> RewrapAll();

  // Destroys the workspace's data key inside the caller's transaction
  // (crypto-shredding: the purge of a workspace calls this in the
  // transaction that removes it). OK when it has none.
  static Status DestroyInTx(store::Tx& tx, const std::string& workspace_id);

 private:
  DataKeys(Loader load, crypto::KeyRing ring, store::Store& store, const Clock& clock,
           Random& random);
  std::shared_ptr<const crypto::KeyRing> Ring();
  // The ring, reloaded first when it lacks `kek_id`.
  StatusOr<std::shared_ptr<const crypto::KeyRing>> RingWith(const std::string& kek_id);
  StatusOr<crypto::Key> Unwrap(const std::string& workspace_id, const std::string& stored);

  const Loader load_;
  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  std::mutex mu_;
  std::shared_ptr<const crypto::KeyRing> ring_;  // guarded by mu_
};

}  // namespace workspaced::domain
