#include "api/idempotency.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/hex.h"
#include "http/problem.h"
#include "crypto/aead.h"


namespace workspaced::api {
namespace {

constexpr int kPurgePerReservation = 16;

// `v` with every object's members in key order and no whitespace: equal
// JSON documents, however spaced or ordered, give equal text.
void CanonicalJson(const boost::json::value& v, std::string& out) {
  if (!v.is_object()) {
    if (!v.is_array()) {
      out += boost::json::serialize(v);
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& e : v.as_array()) {
      if (!first) out.push_back(',');
      first = false;
      CanonicalJson(e, out);
    }
    out.push_back(']');
    return;
  }
  std::vector<const boost::json::key_value_pair*> members;
  for (const auto& kv : v.as_object()) members.push_back(&kv);
  std::ranges::sort(members, {}, [](const auto* kv) { return kv->key(); });
  out.push_back('{');
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += boost::json::serialize(boost::json::string_view(members[i]->key()));
    out.push_back(':');
    CanonicalJson(members[i]->value(), out);
  }
  out.push_back('}');
}

std::string Sha256Hex(std::string_view method, std::string_view path, std::string_view body) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const char sep = '\n';
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, method.data(), method.size()) != 1 ||
      EVP_DigestUpdate(ctx, &sep, 1) != 1 ||
      EVP_DigestUpdate(ctx, path.data(), path.size()) != 1 ||
      EVP_DigestUpdate(ctx, &sep, 1) != 1 ||
      EVP_DigestUpdate(ctx, body.data(), body.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, digest, &len) != 1) {
    EVP_MD_CTX_free(ctx);
    std::abort();  // SHA-256 is always available; nothing sensible to do
  }
  EVP_MD_CTX_free(ctx);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

// What makes two requests "the same" for a key: method, path and body,
// the body compared as JSON (member order and whitespace do not matter, as a
// client's JSON library may change them between tries); a body that is not
// JSON, byte for byte. The body as compared, canonical when JSON.
std::string ComparedBody(const http::Request& request) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 64;
  const boost::json::value v = boost::json::parse(request.body, ec, {}, options);
  if (ec) return std::string(request.body);
  std::string canonical;
  canonical.reserve(request.body.size());
  CanonicalJson(v, canonical);
  return canonical;
}

std::string Fingerprint(const http::Request& request) {
  return Sha256Hex(request.method_text, request.path, ComparedBody(request));
}

// The same request under a caller's key: HMAC of the same message
// (method, path, body, each after a newline but the first).
StatusOr<std::string> KeyedFingerprint(const http::Request& request, const KeyedDigest& keyed) {
  std::string message(request.method_text);
  message += '\n';
  message += request.path;
  message += '\n';
  std::string body = ComparedBody(request);
  message += body;
  crypto::Wipe(body);
  StatusOr<std::string> digest = keyed(message);
  crypto::Wipe(message);
  return digest;
}

// The fingerprint of releases before bodies were compared as JSON: a key
// reserved by one of them still replays for the same bytes.
std::string RawFingerprint(const http::Request& request) {
  return Sha256Hex(request.method_text, request.path, request.body);
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("Idempotency-Key must not be empty");
  if (key.size() > kMaxIdempotencyKeyLength)
    return InvalidArgument("Idempotency-Key is longer than 255 characters");
  for (unsigned char c : key)
    if (c < 0x20 || c > 0x7e) return InvalidArgument("Idempotency-Key must be printable ASCII");
  return Status::Ok();
}

void Replay(const model::IdempotencyRecord& r, std::string_view request_id,
            http::Response& out) {
  if (r.status == 410 && r.body.empty()) {  // store.h ForgetIdempotencyAnswersOf
    http::SetProblem(out, 410,
                     "the request under this Idempotency-Key was done, and the workspace it "
                     "changed has since been purged; a new request needs a new key",
                     request_id);
    out.SetHeader("Idempotent-Replayed", "true");
    return;
  }
  out.Json(r.status, r.body);
  if (!r.location.empty()) out.SetHeader("Location", r.location);
  out.SetHeader("Idempotent-Replayed", "true");
}

Status OtherRequest() {
  return Unprocessable(
             "this Idempotency-Key was already used with a different request; use a new key")
      .WithProblemType("idempotency-key-reused", "Idempotency Key Reused")
      .WithFields({{"Idempotency-Key", "was used with a different request (method, path or "
                                       "body) within the last 24 hours"}});
}

}  // namespace

Status Idempotency::Complete(store::Tx& tx, const IdempotentResponse& response) const {
  if (key_.empty()) return Status::Ok();
  model::IdempotencyRecord r;
  r.subject = subject_;
  r.key = key_;
  r.request_hash = hash_;
  r.completed = true;
  r.status = response.status;
  r.body = response.body;
  r.location = response.location;
  r.workspace_id = response.workspace_id;
  r.created_at = created_at_;
  r.expires_at = created_at_ + kIdempotencyTtl;
  return tx.PutIdempotencyRecord(r);
}

Status RunIdempotent(app::App& app, RequestContext& ctx, http::Response& out,
                     FunctionRef<StatusOr<IdempotentResponse>(const Idempotency&)> execute,
                     const KeyedDigest* keyed) {
  Idempotency idem;
  idem.app_ = &app;
  const auto write = [&](const IdempotentResponse& r) {
    out.Json(r.status, r.body);
    if (!r.location.empty()) out.SetHeader("Location", r.location);
  };
  if (!ctx.request.HasHeader("Idempotency-Key")) {
    WS_ASSIGN_OR_RETURN(const IdempotentResponse r, execute(idem));
    write(r);
    return Status::Ok();
  }
  // Which of two keys was meant is not guessed.
  if (ctx.request.HeaderCount("Idempotency-Key") > 1)
    return InvalidArgument("Idempotency-Key is repeated; send one");
  const std::string_view key = ctx.request.HeaderValue("Idempotency-Key");
  WS_RETURN_IF_ERROR(ValidateKey(key));
  idem.subject_ = ctx.principal->subject;
  idem.key_ = std::string(key);
  if (keyed != nullptr) {
    WS_ASSIGN_OR_RETURN(idem.hash_, KeyedFingerprint(ctx.request, *keyed));
  } else {
    idem.hash_ = Fingerprint(ctx.request);
  }

  // Reserve the key, or find what became of an earlier request with it.
  std::optional<model::IdempotencyRecord> found;
  bool reserved = false;
  Micros attempted = 0;  // the reservation the last attempt wrote, if any
  const auto stranded = app.TakeStrandedReservations();
  const Status reserving = app.store().Write([&](store::Tx& tx) -> Status {
    reserved = false;
    // Reservations of this process's requests that failed while the database
    // was away: released now, unless someone has reserved the key since.
    for (const auto& s : stranded) {
      WS_ASSIGN_OR_RETURN(const auto held, tx.GetIdempotencyRecord(s.subject, s.key));
      if (held && !held->completed && held->created_at == s.created_at)
        WS_RETURN_IF_ERROR(tx.DeleteIdempotencyRecord(s.subject, s.key));
    }
    WS_ASSIGN_OR_RETURN(found, tx.GetIdempotencyRecord(idem.subject_, idem.key_));
    const Micros now = app.clock().Now();
    const bool live = found && found->expires_at > now &&
                      (found->completed || found->created_at + kAbandonAfter > now);
    if (live) return Status::Ok();
    model::IdempotencyRecord r;
    r.subject = idem.subject_;
    r.key = idem.key_;
    r.request_hash = idem.hash_;
    r.created_at = now;
    r.expires_at = now + kIdempotencyTtl;
    attempted = now;
    WS_RETURN_IF_ERROR(tx.PutIdempotencyRecord(r));
    // Each new key clears a few expired ones: the table stays bounded by
    // the keys of the last 24 hours without a separate sweeper.
    WS_RETURN_IF_ERROR(tx.PurgeIdempotencyRecords(now, kPurgePerReservation).status());
    idem.created_at_ = now;
    reserved = true;
    return Status::Ok();
  });
  if (!reserving.ok()) {
    for (const auto& s : stranded) app.StrandReservation(s);
    // The answer to a COMMIT can be lost when it did happen: our
    // reservation may be held, with nothing running for it. Released by the
    // next reservation (the client's retry), unless completed or taken since.
    if (attempted != 0) app.StrandReservation({idem.subject_, idem.key_, attempted});
    return reserving;
  }
  if (!reserved) {
    // (A keyed fingerprint has no byte form of earlier releases.)
    if (found->request_hash != idem.hash_ &&
        (keyed != nullptr || found->request_hash != RawFingerprint(ctx.request)))
      return OtherRequest();
    if (found->completed) {
      Replay(*found, ctx.request.request_id, out);
      return Status::Ok();
    }
    // Still in progress: no thread waits for it; the client comes back.
    return Conflict("a request with this Idempotency-Key is still in progress; retry shortly")
        .WithRetryAfter(1);
  }

  StatusOr<IdempotentResponse> result = execute(idem);
  if (!result.ok()) {
    // Errors are not kept: release the key so that a retry runs again. But
    // only our reservation: when the database lost the answer to a COMMIT
    // that did happen (its connection was cut just then), the key is
    // completed with the request's response, and a retry must replay it,
    // not run the request a second time.
    const Status released = app.store().Write([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(const auto held, tx.GetIdempotencyRecord(idem.subject_, idem.key_));
      if (!held || held->completed || held->created_at != idem.created_at_) return Status::Ok();
      return tx.DeleteIdempotencyRecord(idem.subject_, idem.key_);
    });
    // The database is away: the next reservation releases it (or, should
    // this process die first, it is abandoned after kAbandonAfter).
    if (!released.ok()) app.StrandReservation({idem.subject_, idem.key_, idem.created_at_});
    return result.status();
  }
  write(*result);
  return Status::Ok();
}

}  // namespace workspaced::api
