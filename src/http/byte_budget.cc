#include "http/byte_budget.h"

namespace workspaced::http {

ByteBudget::ByteBudget(std::size_t limit, std::size_t share, std::atomic<std::int64_t>* held)
    : limit_(limit), share_(share), held_gauge_(held) {}

bool ByteBudget::Fits(const std::string& key, std::size_t bytes) const {
  std::lock_guard lock(mu_);
  return FitsLocked(key, bytes);
}

bool ByteBudget::FitsLocked(const std::string& key, std::size_t bytes) const {
  if (bytes > limit_ - held_) return false;
  if (key.empty()) return true;
  const auto it = by_key_.find(key);
  return it == by_key_.end() || it->second + bytes <= share_;
}

bool ByteBudget::Reserve(const std::string& key, std::size_t bytes) {
  if (bytes == 0) return true;
  std::lock_guard lock(mu_);
  if (!FitsLocked(key, bytes)) return false;
  AddLocked(key, bytes);
  return true;
}

void ByteBudget::Add(const std::string& key, std::size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mu_);
  AddLocked(key, bytes);
}

void ByteBudget::AddLocked(const std::string& key, std::size_t bytes) {
  if (!key.empty()) by_key_[key] += bytes;
  held_ += bytes;
  if (held_gauge_ != nullptr)
    held_gauge_->fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
}

void ByteBudget::Release(const std::string& key, std::size_t bytes) {
  if (bytes == 0) return;
  std::lock_guard lock(mu_);
  if (!key.empty()) {
    const auto it = by_key_.find(key);
    if (it != by_key_.end() && (it->second -= bytes) == 0) by_key_.erase(it);
  }
  held_ -= bytes;
  if (held_gauge_ != nullptr)
    held_gauge_->fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
}

}  // namespace workspaced::http
