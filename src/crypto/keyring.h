// Key-encryption keys (KEKs) and the per-workspace data keys they wrap
// (envelope encryption; docs/encryption.md).
//
// Each workspace's values are sealed under its own data key (crypto/aead.h);
// the data key is stored only wrapped (sealed) under a KEK, which lives in a
// key file outside every database: 64 hex characters, mode 0600 (a file
// others can read is refused). The AAD of a wrap binds the workspace id and
// the KEK's id, so a wrapped key copied to another workspace does not
// unwrap. Rotation adds a KEK and rewraps every data key with it, touching
// no value; destroying a workspace's wrapped data key makes its values
// unreadable for good (crypto-shredding).
//
// KEKs come either from files named by id in configuration (`encryption.keys`
// and `encryption.active_key`, docs/configuration.md), or, on the embedded
// default, from the files `kek-<id>.key` in the data directory, the first
// created at first start; there the ring's active KEK is the one with the
// greatest id (ids are creation times, so the newest). Which KEK wraps new
// data keys once a rotation has run is the database's to say, not the
// ring's (domain/data_keys.h: WrapUnder).
//
// Thread-safety: a KeyRing is immutable after it is built; any thread may
// wrap and unwrap.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crypto/aead.h"

namespace workspaced::crypto {

// A data key as stored: the id of the KEK that wraps it and the sealed key.
struct WrappedKey {
  std::string kek_id;
  std::string sealed;
};

// One text form for a column: "v1.<kek_id>.<base64url(sealed)>".
std::string EncodeWrappedKey(const WrappedKey& key);
StatusOr<WrappedKey> DecodeWrappedKey(std::string_view text);

// Ids name files and appear in stored keys: 1 to 64 of [a-z0-9-].
bool IsKeyId(std::string_view id);

class KeyRing {
 public:
  // From key files named by id; `active` must be one of them.
  static StatusOr<KeyRing> FromFiles(const std::vector<std::pair<std::string, std::string>>& files,
                                     const std::string& active);
  // Every `kek-<id>.key` in `dir`; when there is none, one is created.
  static StatusOr<KeyRing> InDirectory(const std::string& dir, Random& random, const Clock& clock);
  // The (id, path) of every `kek-<id>.key` in `dir`, as InDirectory reads them.
  static StatusOr<std::vector<std::pair<std::string, std::string>>> KeyFilesIn(
      const std::string& dir);

  // Writes a new KEK file in `dir` (as InDirectory names it) and returns its
  // id; the ring opened next from `dir` has it as the active key.
  static StatusOr<std::string> CreateKeyFile(const std::string& dir, Random& random,
                                             const Clock& clock);
  // Writes a new KEK at `path` (mode 0600; refuses to overwrite a file).
  static Status WriteKeyFile(const std::string& path, Random& random);

  const std::string& active_id() const { return active_; }
  std::vector<std::string> ids() const;
  bool Has(std::string_view kek_id) const { return keys_.find(kek_id) != keys_.end(); }

  // A fresh data key for `workspace_id`, wrapped under the active KEK.
  WrappedKey Wrap(std::string_view workspace_id, const Key& data_key, Random& random) const;
  // The same under the KEK `kek_id`, which the ring must have (Has).
  WrappedKey WrapUnder(std::string_view kek_id, std::string_view workspace_id, const Key& data_key,
                       Random& random) const;
  // The data key of `workspace_id`. kInternal when the KEK is unknown (the
  // message names its id) or the wrap does not authenticate (another
  // workspace's key, a damaged row, a wrong key file).
  StatusOr<Key> Unwrap(std::string_view workspace_id, const WrappedKey& wrapped) const;

 private:
  std::map<std::string, Key, std::less<>> keys_;
  std::string active_;
};

}  // namespace workspaced::crypto
