#include "api/list_cache.h"

namespace workspaced::api {

void ListCache::AddKeyPart(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

std::optional<ListCache::Entry> ListCache::Find(const std::string& key,
                                                std::uint64_t data_version) const {
  std::lock_guard lock(mu_);
  const auto it = slots_.find(key);
  if (it == slots_.end() || it->second.data_version != data_version) return std::nullopt;
  ++hits_;
  return it->second.entry;
}

void ListCache::Put(std::string key, std::uint64_t data_version, Entry entry) {
  const std::size_t size = key.size() + entry.body.size();
  if (size > max_bytes_) return;
  std::lock_guard lock(mu_);
  const auto it = slots_.find(key);
  if (it != slots_.end()) {
    bytes_ -= it->first.size() + it->second.entry.body.size();
    slots_.erase(it);
  }
  if (bytes_ + size > max_bytes_) {
    slots_.clear();
    bytes_ = 0;
  }
  bytes_ += size;
  slots_.emplace(std::move(key), Slot{data_version, std::move(entry)});
}

std::size_t ListCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

}  // namespace workspaced::api
