// Each workspace's data key (docs/encryption.md, docs/pillars.md): created
// on a pillar's first write, stored only wrapped in the control plane
// (store::Tx::GetDataKey), unwrapped with the key ring of key-encryption
// keys (crypto/keyring.h) when a value is sealed or opened.
//
// Which KEK wraps a new data key is decided by the store, shared by every
// process on it: `keys rotate` (Rotate) records the active KEK's id as the
// meta value kActiveKekMeta, and a new key is wrapped under the id read in
// the transaction that inserts it (the ring's own active KEK while the
// store names none). So every replica follows a rotation at once, and a
// write either commits before the record (a rotation's later scan sees it)
// or reads the new id. Only a key's first write reads it; a reveal does not.
//
// The ring is loaded by `load` at construction and loaded again from the
// key files when an id it needs is not in it (the store names a newer
// active KEK, or a stored key was rewrapped by a rotation), at most once a
// second, so a rotation needs no restart and a missing file costs no file
// reads per request. A reload replaces the ring: a KEK whose file is gone
// is gone here too.
//
// Failure: kNotFound (the workspace, or — for ForWorkspace without create —
// its key); kUnavailable with Cause::kKeyUnavailable when a KEK it needs is
// not among the key files even after a reload (the message, for the log,
// names it); kInternal when a key does not unwrap (a wrong key file, a
// damaged row); kUnavailable from the store.
//
// Thread-safety: safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace workspaced::domain {

class DataKeys {
 public:
  using Loader = std::function<StatusOr<crypto::KeyRing>()>;
  // The meta value (store::Tx::GetMeta) naming the active KEK.
  static constexpr std::string_view kActiveKekMeta = "active_kek";
  // How often at most the ring is reloaded for each id it lacks.
  static constexpr Micros kReloadEvery = 1'000'000;

  // kInternal (with the loader's message) when the ring cannot be loaded.
  static StatusOr<std::unique_ptr<DataKeys>> Open(Loader load, store::Store& store,
                                                  const Clock& clock, Random& random);

  // The workspace's data key; when it has none, one is made and stored
  // (`create`) or kNotFound.
  StatusOr<crypto::Key> ForWorkspace(const std::string& workspace_id, bool create);
  // The key a write seals under: ForWorkspace with create, except that a
  // workspace with no key whose dataplane already holds sealed values
  // (`sealed_before()`: its key's row was lost — damage, or a database
  // restored without it) is kInternal: a new key would leave those values
  // unreadable for good, silently.
  StatusOr<crypto::Key> ForWrite(const std::string& workspace_id,
                                 FunctionRef<StatusOr<bool>()> sealed_before);
  // The same without creating, in two halves, so a reader can take the key
  // in the transaction that reads its workspace: the wrapped key as `tx`
  // reads it (nullopt when there is none), then the key it wraps
  // (kNotFound for nullopt, as ForWorkspace without create).
  static StatusOr<std::optional<std::string>> ReadInTx(store::Tx& tx,
                                                       const std::string& workspace_id);
  StatusOr<crypto::Key> Open(const std::string& workspace_id,
                             const std::optional<std::string>& stored);

  struct Rotation {
    std::string active;                         // the KEK now active
    std::int64_t rewrapped = 0;                 // keys this call rewrapped
    std::map<std::string, std::string> failed;  // workspace id -> why its key was left as it was
  };
  // Records the ring's active KEK as the store's (its own transaction),
  // then rewraps every data key under another KEK with it, in batches,
  // scanning again until a scan finds none left but those that failed: a
  // key inserted concurrently under the older id committed before the
  // record, so the scans after it see it. The values sealed under the keys
  // are not touched. A key that does not unwrap is listed in `failed` and
  // the others go on; kConflict when another rotation records another KEK
  // meanwhile; kUnavailable from the store.
  StatusOr<Rotation> Rotate();

  // Destroys the workspace's data key inside the caller's transaction
  // (crypto-shredding: the purge of a workspace calls this in the
  // transaction that removes it). OK when it has none.
  static Status DestroyInTx(store::Tx& tx, const std::string& workspace_id);

 private:
  DataKeys(Loader load, crypto::KeyRing ring, store::Store& store, const Clock& clock,
           Random& random);
  std::shared_ptr<const crypto::KeyRing> Ring();
  // The ring, reloaded first when it lacks `kek_id` and no reload looked for
  // that id in the last kReloadEvery; kUnavailable (kKeyUnavailable) when it
  // still lacks it.
  StatusOr<std::shared_ptr<const crypto::KeyRing>> RingWith(const std::string& kek_id);
  StatusOr<crypto::Key> Unwrap(const std::string& workspace_id, const std::string& stored);
  // Wraps `key` under the store's active KEK and stores it unless the
  // workspace has one; the key the workspace holds afterwards, as stored.
  StatusOr<std::string> Insert(const std::string& workspace_id, const crypto::Key& key);
  // One scan of Rotate: rewraps what is not under `active` and not in
  // `failed` (to which it adds); how many keys it found to rewrap.
  StatusOr<std::int64_t> RewrapPass(const std::string& active, Rotation& out);

  const Loader load_;
  store::Store& store_;
  const Clock& clock_;
  Random& random_;
  std::mutex mu_;
  std::shared_ptr<const crypto::KeyRing> ring_;  // guarded by mu_
  std::mutex reload_mu_;                         // one reload at a time
  std::map<std::string, Micros> tried_at_;       // guarded by reload_mu_: per missing id
  std::vector<std::string> reported_missing_;    // guarded by reload_mu_: logged once each
};

}  // namespace workspaced::domain
