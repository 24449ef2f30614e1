#include "domain/data_keys.h"

#include <algorithm>

namespace workspaced::domain {

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
  const std::vector<std::string> ids = ring->ids();
  if (std::find(ids.begin(), ids.end(), kek_id) != ids.end()) return ring;
  WS_ASSIGN_OR_RETURN(crypto::KeyRing fresh, load_());
  ring = std::make_shared<const crypto::KeyRing>(std::move(fresh));
  std::lock_guard lock(mu_);
  ring_ = ring;
  return ring;
}

StatusOr<crypto::Key> DataKeys::Unwrap(const std::string& workspace_id,
                                       const std::string& stored) {
  WS_ASSIGN_OR_RETURN(const crypto::WrappedKey wrapped, crypto::DecodeWrappedKey(stored));
  WS_ASSIGN_OR_RETURN(const auto ring, RingWith(wrapped.kek_id));
  return ring->Unwrap(workspace_id, wrapped);
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
    const std::string wrapped =
        crypto::EncodeWrappedKey(Ring()->Wrap(workspace_id, fresh, random_));
    WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(stored, tx.PutDataKeyIfAbsent(workspace_id, wrapped, clock_.Now()));
      return Status::Ok();
    }));
  }
  return Unwrap(workspace_id, *stored);
}

StatusOr<std::optional<std::string>> DataKeys::ReadInTx(store::Tx& tx,
                                                         const std::string& workspace_id) {
  return tx.GetDataKey(workspace_id);
}

StatusOr<crypto::Key> DataKeys::Open(const std::string& workspace_id,
                                     const std::optional<std::string>& stored) {
  if (!stored) return NotFound("the workspace has no data key");
  return Unwrap(workspace_id, *stored);
}

StatusOr<std::int64_t> DataKeys::RewrapAll() {
  const auto ring = Ring();
  std::int64_t rewrapped = 0;
  std::string after;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> page;
    WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(page, tx.ListDataKeys(after, 100));
      return Status::Ok();
    }));
    if (page.empty()) return rewrapped;
    after = page.back().first;
    for (const auto& [workspace_id, stored] : page) {
      WS_ASSIGN_OR_RETURN(const crypto::WrappedKey wrapped, crypto::DecodeWrappedKey(stored));
      if (wrapped.kek_id == ring->active_id()) continue;
      WS_ASSIGN_OR_RETURN(const crypto::Key key, ring->Unwrap(workspace_id, wrapped));
      const std::string fresh = crypto::EncodeWrappedKey(ring->Wrap(workspace_id, key, random_));
      // Only the row as read is replaced: a key destroyed meanwhile (a purge)
      // stays destroyed.
      WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(const std::optional<std::string> now, tx.GetDataKey(workspace_id));
        if (!now || *now != stored) return Status::Ok();
        return tx.ReplaceDataKey(workspace_id, fresh, clock_.Now());
      }));
      ++rewrapped;
    }
  }
}

Status DataKeys::DestroyInTx(store::Tx& tx, const std::string& workspace_id) {
  return tx.DeleteDataKey(workspace_id);
}

}  // namespace workspaced::domain
