#include "audit/anchors.h"

#include <boost/json.hpp>

#include "common/random.h"
#include "common/strict_json.h"
#include "common/time_format.h"

namespace workspaced::audit {
namespace json = boost::json;
namespace {

std::string Named(const Anchor& a) {
  return "event " + std::to_string(a.seq) + " (" +
         (a.scope.empty() ? std::string("the chain of events without a workspace")
                          : "workspace " + a.scope) +
         ")";
}

bool IsHexHash(std::string_view s) {
  if (s.size() != 64) return false;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

StatusOr<std::vector<Anchor>> TakeAnchors(store::Store& store) {
  std::vector<Anchor> out;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const std::vector<store::AuditChainRef> chains, tx.ListAuditChains());
    for (const store::AuditChainRef& c : chains)
      if (c.head) out.push_back({c.head->scope, c.head->seq, c.head->hash});
    return Status::Ok();
  }));
  return out;
}

Status CheckAnchors(store::Store& store, const std::vector<Anchor>& anchors,
                    const std::optional<std::string>& workspace_id, VerifyReport& report) {
  for (const Anchor& a : anchors) {
    if (workspace_id && a.scope != *workspace_id) continue;
    std::vector<model::AuditEvent> at;
    WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(at, tx.ScanAuditChain(a.scope, a.seq - 1, 1, store::Tx::kNoByteLimit));
      return Status::Ok();
    }));
    if (at.empty() || at.front().seq != a.seq) {
      report.ok = false;
      report.problem = Named(a) +
                       ", an anchored head, is no longer on record — the chain was "
                       "cut back or rewritten since the anchor was taken";
      return Status::Ok();
    }
    if (at.front().hash != a.hash) {
      report.ok = false;
      report.problem = Named(a) +
                       ": its hash is not the anchored one — the chain up to it was "
                       "rewritten (its hashes recomputed) since the anchor was taken";
      return Status::Ok();
    }
    ++report.anchors;
  }
  return Status::Ok();
}

std::string AnchorsJson(const std::vector<Anchor>& anchors, Micros taken_at) {
  json::array heads;
  heads.reserve(anchors.size());
  for (const Anchor& a : anchors)
    heads.push_back(json::object{{"workspace_id", a.scope}, {"seq", a.seq}, {"hash", a.hash}});
  return json::serialize(
      json::object{{"taken_at", FormatRfc3339Micros(taken_at)}, {"heads", std::move(heads)}});
}

StatusOr<std::vector<Anchor>> ParseAnchorsJson(std::string_view text, Micros& taken_at) {
  WS_ASSIGN_OR_RETURN(const json::value doc, ParseStrictJson(text, /*max_depth=*/4));
  const json::object* o = doc.if_object();
  if (o == nullptr) return InvalidArgument("not a JSON object");
  const json::value* when = o->if_contains("taken_at");
  const json::value* heads = o->if_contains("heads");
  if (o->size() != 2 || when == nullptr || heads == nullptr || !when->is_string() ||
      !heads->is_array())
    return InvalidArgument("the members are taken_at (a time) and heads (an array), and no other");
  const std::optional<Micros> t = ParseRfc3339(when->as_string());
  if (!t) return InvalidArgument("taken_at is not an RFC 3339 time");
  taken_at = *t;
  std::vector<Anchor> out;
  for (std::size_t i = 0; i < heads->as_array().size(); ++i) {
    const std::string at = "heads[" + std::to_string(i) + "]";
    const json::object* h = heads->as_array()[i].if_object();
    const json::value* ws = h ? h->if_contains("workspace_id") : nullptr;
    const json::value* seq = h ? h->if_contains("seq") : nullptr;
    const json::value* hash = h ? h->if_contains("hash") : nullptr;
    if (h == nullptr || h->size() != 3 || ws == nullptr || seq == nullptr || hash == nullptr)
      return InvalidArgument(at + ": the members are workspace_id, seq and hash");
    if (!ws->is_string() || (!ws->as_string().empty() && !IsUuid(ws->as_string())))
      return InvalidArgument(at + ".workspace_id: a workspace id, or \"\"");
    if (!seq->is_int64() || seq->as_int64() < 1)
      return InvalidArgument(at + ".seq: a positive integer");
    if (!hash->is_string() || !IsHexHash(hash->as_string()))
      return InvalidArgument(at + ".hash: 64 lowercase hexadecimal digits");
    out.push_back({std::string(ws->as_string()), seq->as_int64(), std::string(hash->as_string())});
  }
  return out;
}

}  // namespace workspaced::audit
