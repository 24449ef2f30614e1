#include "domain/data_keys.h"

#include <algorithm>

#include "common/log.h"

namespace workspaced::domain {
namespace {

// Values are sealed under a data key whose row is gone: never answered as
// "not found" (the values are there) nor replaced by a new key.
Status MissingKey(const std::string& workspace_id) {
  log::Error("data keys: a workspace holds sealed values but its data key is missing",
             {{"workspace_id", workspace_id}});
  return Internal("the data key of workspace " + workspace_id +
                  " is missing while values sealed under it remain");
}

}  // namespace

StatusOr<std::unique_ptr<DataKeys>> DataKeys::Open(Loader load, store::Store& store,
                                                   const Clock& clock, Random& random) {
  WS_ASSIGN_OR_RETURN(crypto::KeyRing ring, load());
  return std::unique_ptr<DataKeys>(
      new DataKeys(std::move(load), std::move(ring), store, clock, random));
}

DataKeys::DataKeys(Loader load, crypto::KeyRing ring, store::Store& store, const Clock& clock,
                   Random& random)
    : load_(std::move(load)),
      store_(store),
      clock_(clock),
      random_(random),
      ring_(std::make_shared<const crypto::KeyRing>(std::move(ring))) {}

std::shared_ptr<const crypto::KeyRing> DataKeys::Ring() {
  std::lock_guard lock(mu_);
  return ring_;
}

StatusOr<std::shared_ptr<const crypto::KeyRing>> DataKeys::RingWith(const std::string& kek_id) {
  std::shared_ptr<const crypto::KeyRing> ring = Ring();
  if (ring->Has(kek_id)) return ring;
  std::lock_guard reload(reload_mu_);
  ring = Ring();  // another thread may have reloaded it meanwhile
  if (ring->Has(kek_id)) return ring;
  const Micros now = clock_.Now();
  // At most once a second for each id the ring lacks: a second rotation
  // within the second names a new id, which is looked for at once.
  if (tried_at_.size() > 64) tried_at_.clear();  // KEK ids, from the store: few
  const auto tried = tried_at_.find(kek_id);
  if (tried == tried_at_.end() || now - tried->second >= kReloadEvery) {
    tried_at_[kek_id] = now;
    StatusOr<crypto::KeyRing> fresh = load_();
    if (fresh.ok()) {
      const bool changed = fresh->ids() != ring->ids();
      ring = std::make_shared<const crypto::KeyRing>(std::move(fresh).value());
      {
        std::lock_guard lock(mu_);
        ring_ = ring;
      }
      if (changed)  // a reload that finds the same files is not news
        log::Info("key-encryption keys reloaded",
                  {{"active", ring->active_id()},
                   {"keys", static_cast<std::int64_t>(ring->ids().size())}});
      if (ring->Has(kek_id)) return ring;
    } else {
      log::Warn("key-encryption keys could not be reloaded", {{"error", fresh.status().message()}});
    }
  }
  if (std::find(reported_missing_.begin(), reported_missing_.end(), kek_id) ==
      reported_missing_.end()) {
    reported_missing_.push_back(kek_id);
    log::Error("a key-encryption key is not among the key files", {{"kek", kek_id}});
  }
  return Unavailable("the key-encryption key '" + kek_id + "' is not configured")
      .WithCause(Cause::kKeyUnavailable);
}

StatusOr<crypto::Key> DataKeys::Unwrap(const std::string& workspace_id, const std::string& stored) {
  WS_ASSIGN_OR_RETURN(const crypto::WrappedKey wrapped, crypto::DecodeWrappedKey(stored));
  WS_ASSIGN_OR_RETURN(const auto ring, RingWith(wrapped.kek_id));
  return ring->Unwrap(workspace_id, wrapped);
}

StatusOr<std::string> DataKeys::Insert(const std::string& workspace_id, const crypto::Key& key) {
  std::shared_ptr<const crypto::KeyRing> ring = Ring();
  for (int attempt = 0;; ++attempt) {
    std::string missing, stored;
    const Status written = store_.Write([&](store::Tx& tx) -> Status {
      missing.clear();
      // Read in the transaction that inserts: a rotation's record either
      // commits after this write (and its scans see the key) or is read here.
      WS_ASSIGN_OR_RETURN(const std::optional<std::string> recorded, tx.GetMeta(kActiveKekMeta));
      const std::string kek = recorded ? *recorded : ring->active_id();
      if (!ring->Has(kek)) {
        missing = kek;
        return Unavailable("the active key-encryption key '" + kek + "' is not configured")
            .WithCause(Cause::kKeyUnavailable);
      }
      const crypto::WrappedKey wrapped = ring->WrapUnder(kek, workspace_id, key, random_);
      WS_ASSIGN_OR_RETURN(
          stored,
          tx.PutDataKeyIfAbsent(workspace_id, crypto::EncodeWrappedKey(wrapped), clock_.Now()));
      return Status::Ok();
    });
    if (missing.empty() || attempt > 0) {
      WS_RETURN_IF_ERROR(written);
      return stored;
    }
    WS_ASSIGN_OR_RETURN(ring, RingWith(missing));
  }
}

StatusOr<crypto::Key> DataKeys::ForWorkspace(const std::string& workspace_id, bool create) {
  std::optional<std::string> stored;
  WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(stored, tx.GetDataKey(workspace_id));
    return Status::Ok();
  }));
  if (!stored) {
    if (!create) return NotFound("the workspace has no data key");
    const crypto::Key fresh = crypto::Key::Generate(random_);
    WS_ASSIGN_OR_RETURN(stored, Insert(workspace_id, fresh));
  }
  return Unwrap(workspace_id, *stored);
}

StatusOr<crypto::Key> DataKeys::ForWrite(const std::string& workspace_id,
                                         FunctionRef<StatusOr<bool>()> sealed_before) {
  StatusOr<crypto::Key> key = ForWorkspace(workspace_id, /*create=*/false);
  if (key.status().code() != Code::kNotFound) return key;
  WS_ASSIGN_OR_RETURN(const bool sealed, sealed_before());
  if (!sealed) return ForWorkspace(workspace_id, /*create=*/true);
  // A concurrent first write makes its key before its first row: a row
  // seen means its key committed before it, and is read now — unless lost.
  key = ForWorkspace(workspace_id, /*create=*/false);
  if (key.status().code() != Code::kNotFound) return key;
  return MissingKey(workspace_id);
}

StatusOr<std::optional<std::string>> DataKeys::ReadInTx(store::Tx& tx,
                                                        const std::string& workspace_id) {
  return tx.GetDataKey(workspace_id);
}

StatusOr<crypto::Key> DataKeys::Open(const std::string& workspace_id,
                                     const std::optional<std::string>& stored) {
  // Asked only for values found sealed: without its key they cannot open.
  if (!stored) return MissingKey(workspace_id);
  return Unwrap(workspace_id, *stored);
}

StatusOr<DataKeys::Rotation> DataKeys::Rotate() {
  Rotation out;
  out.active = Ring()->active_id();
  WS_RETURN_IF_ERROR(store_.Write(
      [&](store::Tx& tx) -> Status { return tx.PutMeta(kActiveKekMeta, out.active); }));
  // After the record no process wraps under an older KEK, so the second
  // scan finds nothing unless the first missed a key being inserted; more
  // mean something still writes under an older one (a server of a version
  // before the record).
  constexpr int kPasses = 10;
  for (int pass = 0; pass < kPasses; ++pass) {
    WS_ASSIGN_OR_RETURN(const std::int64_t found, RewrapPass(out.active, out));
    if (found == 0) return out;
  }
  return Internal("data keys under an older key-encryption key still appear after " +
                  std::to_string(kPasses) +
                  " scans; is a server of an older version writing to this database?");
}

StatusOr<std::int64_t> DataKeys::RewrapPass(const std::string& active, Rotation& out) {
  std::int64_t found = 0;
  std::string after;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> page;
    // A write transaction (serializable) that reads the record as inserts
    // do: an insert that read the older id and commits after this scan
    // would be a cycle, which the store refuses.
    WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(const std::optional<std::string> recorded, tx.GetMeta(kActiveKekMeta));
      if (recorded != active)
        return Conflict("another rotation made the key-encryption key '" + recorded.value_or("") +
                        "' active meanwhile");
      WS_ASSIGN_OR_RETURN(page, tx.ListDataKeys(after, 100));
      return Status::Ok();
    }));
    if (page.empty()) return found;
    after = page.back().first;
    for (const auto& [workspace_id, stored] : page) {
      const StatusOr<crypto::WrappedKey> wrapped = crypto::DecodeWrappedKey(stored);
      if ((wrapped.ok() && wrapped->kek_id == active) || out.failed.contains(workspace_id))
        continue;
      ++found;
      StatusOr<crypto::Key> key = wrapped.ok() ? Unwrap(workspace_id, stored) : wrapped.status();
      StatusOr<std::shared_ptr<const crypto::KeyRing>> ring =
          key.ok() ? RingWith(active) : key.status();
      if (!ring.ok()) {
        out.failed.emplace(workspace_id, ring.status().message());
        continue;
      }
      const std::string fresh =
          crypto::EncodeWrappedKey((*ring)->WrapUnder(active, workspace_id, *key, random_));
      bool replaced = false;
      // Only the row as read is replaced: a key destroyed meanwhile (a purge)
      // stays destroyed.
      WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
        replaced = false;
        WS_ASSIGN_OR_RETURN(const std::optional<std::string> now, tx.GetDataKey(workspace_id));
        if (!now || *now != stored) return Status::Ok();
        WS_RETURN_IF_ERROR(tx.ReplaceDataKey(workspace_id, fresh, clock_.Now()));
        replaced = true;
        return Status::Ok();
      }));
      out.rewrapped += replaced ? 1 : 0;
    }
  }
}

Status DataKeys::DestroyInTx(store::Tx& tx, const std::string& workspace_id) {
  return tx.DeleteDataKey(workspace_id);
}

}  // namespace workspaced::domain
