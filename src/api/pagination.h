// Keyset pagination for list endpoints. Bodies stay bare JSON arrays; the
// next page is announced in `Link: <path?limit=N&cursor=C>; rel="next"`.
//
// Cursors are authenticated, not secret: a client can neither make nor alter
// one (nor use one of another list), though its position is readable in it
// (an id, a name or a subject the same list has just shown). A cursor names a position in one list — `list` says which endpoint and
// which scope, e.g. "audit:<workspace id>" — and is base64url of
//   version (1 byte) ‖ list tag (6) ‖ position (1–128) ‖ MAC (16)
// where the list tag is HMAC-SHA256(key, list) and the MAC HMAC-SHA256(key,
// everything before it), each cut to its first bytes: at most 202
// characters (116 for an id). The key is the database's (app/bootstrap.h),
// so every replica of one database reads every other's cursors.
//
// Thread-safety: CursorCodec is immutable after construction; any thread.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/request.h"
#include "http/response.h"
#include "store/store.h"

namespace workspaced::api {

class CursorCodec {
 public:
  // The longest cursor Decode reads; longer ones are refused unread.
  // A position holds an id, a secret's name (up to 128 bytes) or a
  // member's subject (up to 1024 bytes: model::kMaxUserIdBytes).
  static constexpr std::size_t kMaxPositionBytes = 1024;
  // base64url of version, list tag, position and MAC (1 + 6 + 1024 + 16).
  static constexpr std::size_t kMaxCursorChars = 1396;

  // `key`: at least 32 random bytes, the same for every replica.
  explicit CursorCodec(std::string key) : key_(std::move(key)) {}

  // The cursor of `position` (1–kMaxPositionBytes bytes) in `list`.
  std::string Encode(std::string_view list, std::string_view position) const;
  // The position a cursor of `list` names. kInvalidArgument, its detail
  // saying which, for a cursor that is too long, malformed, altered or
  // truncated (or signed with another key), or made for another list.
  StatusOr<std::string> Decode(std::string_view list, std::string_view cursor) const;

 private:
  std::string key_;
};

// The `limit` query parameter: 1..max_limit written without a sign or a
// leading zero, default_limit when absent; 400 otherwise.
StatusOr<int> ParseLimit(const http::Request& request, int default_limit, int max_limit);

// The `since` and `until` query parameters (RFC 3339; 0 when absent): a
// window inclusive at both ends at the precision given, so an `until` copied
// from a time the API showed (to the second) holds that second's events.
// 400 when malformed, or when since is after until (an empty window is a
// mistake, not a question).
Status ParseTimeWindow(const http::Request& request, Micros& since, Micros& until);

// 400 for a query parameter named in neither `allowed` nor `also_allowed`,
// or repeated (but for those named in `repeatable`): a typo is never
// silently ignored.
Status RequireKnownQueryParams(const http::Request& request,
                               std::initializer_list<std::string_view> allowed,
                               std::initializer_list<std::string_view> also_allowed = {},
                               std::initializer_list<std::string_view> repeatable = {});

// Reads `limit` (as ParseLimit) and `cursor` (one of
// `list`'s, naming the id after which the page starts). Any query parameter
// not named here or in `also_allowed` is a 400, as is a repeated one (but
// for those named in `repeatable`), so a typo is never silently ignored.
StatusOr<store::Page> ParsePage(const http::Request& request, const CursorCodec& cursors,
                                std::string_view list, int default_limit, int max_limit,
                                std::initializer_list<std::string_view> also_allowed = {},
                                std::initializer_list<std::string_view> repeatable = {});

// As ParsePage, for a list whose cursors hold another position than an id
// (the caller checks it: only this service signs cursors).
StatusOr<store::Page> ParsePagePosition(const http::Request& request, const CursorCodec& cursors,
                                        std::string_view list, int default_limit, int max_limit,
                                        std::initializer_list<std::string_view> also_allowed = {},
                                        std::initializer_list<std::string_view> repeatable = {});

// Adds the Link header of the page after `last_id` in `list`. `query`: more
// parameters the next page repeats ("&status=active…", percent-encoded).
void SetNextLink(http::Response& out, std::string_view path, int limit, const CursorCodec& cursors,
                 std::string_view list, std::string_view last_id, std::string_view query = {});

// What to ask the store for: one item more than the page, which tells
// whether a next page exists.
inline store::Page Probe(const store::Page& page) {
  store::Page probe = page;
  probe.limit = page.limit + 1;
  return probe;
}

// Trims a Probe result to the page and, when it was longer, announces the
// next page in the Link header. Items need an `id`.
template <typename Item>
void FinishPage(std::vector<Item>& items, const store::Page& page, std::string_view path,
                const CursorCodec& cursors, std::string_view list, http::Response& out,
                std::string_view query = {}) {
  if (static_cast<int>(items.size()) <= page.limit) return;
  items.resize(static_cast<std::size_t>(page.limit));
  SetNextLink(out, path, page.limit, cursors, list, items.back().id, query);
}

}  // namespace workspaced::api
