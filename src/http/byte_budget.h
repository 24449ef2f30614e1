// Bytes held at once across connections, with a share per client address,
// so that many connections (or a few addresses) cannot pin unbounded
// memory: request bodies being read and response bodies being written each
// have one (ServerOptions::body_memory_limit, response_memory_limit).
//
// Thread-safe: every I/O thread's sessions reserve and release through one
// mutex, held for a map lookup.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace workspaced::http {

class ByteBudget {
 public:
  // `limit`: bytes held at once in all. `share`: bytes one key (a client
  // address) holds at once, except that a key holding nothing may take any
  // amount the whole budget has room for (one response larger than a share
  // is still served). `held`: a gauge kept equal to what is held; may be
  // null; must outlive the budget.
  ByteBudget(std::size_t limit, std::size_t share, std::atomic<std::int64_t>* held);

  // Whether `bytes` more for `key` fit now; nothing is reserved. An empty
  // key is counted in the whole budget only (a trusted proxy's clients, an
  // unknown peer).
  bool Fits(const std::string& key, std::size_t bytes) const;
  // Reserves `bytes` more for `key` when they fit; false, with nothing
  // reserved, when they do not.
  [[nodiscard]] bool Reserve(const std::string& key, std::size_t bytes);
  // Reserves `bytes` for `key` whether they fit or not: for what may not
  // be refused (the answer to a change already committed), still counted,
  // so the next that may be refused sees it.
  void Add(const std::string& key, std::size_t bytes);
  // Gives back `bytes` that Reserve or Add took for `key`.
  void Release(const std::string& key, std::size_t bytes);

 private:
  bool FitsLocked(const std::string& key, std::size_t bytes) const;
  void AddLocked(const std::string& key, std::size_t bytes);

  const std::size_t limit_;
  const std::size_t share_;
  std::atomic<std::int64_t>* const held_gauge_;
  mutable std::mutex mu_;
  std::size_t held_ = 0;                                 // guarded by mu_
  std::unordered_map<std::string, std::size_t> by_key_;  // guarded by mu_; no zeros
};

}  // namespace workspaced::http
