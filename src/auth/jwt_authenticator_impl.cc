#include "auth/jwt_authenticator_impl.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "auth/claims.h"
#include "model/identity.h"

namespace workspaced::auth {
namespace {

bool IsNone(std::string_view name) {
  return name.size() == 4 && std::equal(name.begin(), name.end(), "none", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

Status ValidateAlgorithms(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (IsNone(name)) return InvalidArgument("allowed_algorithms: \"none\" can never be allowed");
    if (!ParseJwtAlg(name)) {
      return InvalidArgument("allowed_algorithms: unsupported algorithm \"" + name +
                             "\" (supported: HS256, RS256, ES256, EdDSA)");
    }
  }
  return Status::Ok();
}

bool Allows(unsigned mask, JwtAlg alg) { return (mask >> static_cast<int>(alg)) & 1U; }

// How many of `keys` have an allowed algorithm.
std::size_t CountAllowed(const JwkSet& keys, unsigned mask) {
  return static_cast<std::size_t>(
      std::count_if(keys.begin(), keys.end(),
                    [mask](const auto& entry) { return Allows(mask, entry.second.alg); }));
}

// Names we do not support add nothing, so unvalidated options fail closed.
unsigned AllowedMask(const std::vector<std::string>& names) {
  unsigned mask = 0;
  for (const auto& name : names) {
    if (const auto alg = ParseJwtAlg(name)) mask |= 1U << static_cast<int>(*alg);
  }
  return mask;
}

}  // namespace

StatusOr<std::unique_ptr<JwtAuthenticatorImpl>> JwtAuthenticatorImpl::Create(
    const JwtOptions& options, const Clock& clock) {
  WS_RETURN_IF_ERROR(ValidateAlgorithms(options.allowed_algorithms));
  const unsigned mask = AllowedMask(options.allowed_algorithms);
  if (!options.dev_key.empty() && (options.dev_issuer.empty() || options.dev_audience.empty()))
    return InvalidArgument("dev tokens need a dev issuer and audience");
  JwkSet keys;
  FileStamp stamp;
  if (!options.jwks_path.empty()) {
    if (options.issuer.empty() || options.audience.empty())
      return InvalidArgument("a JWKS needs the issuer and audience its tokens must carry");
    // Stamped before it is read: a change made meanwhile is read again.
    WS_ASSIGN_OR_RETURN(stamp, StampOf(options.jwks_path));
    WS_ASSIGN_OR_RETURN(keys, LoadJwksFile(options.jwks_path));
  }
  const bool dev_usable = !options.dev_key.empty() && Allows(mask, JwtAlg::kHs256);
  if (!dev_usable && CountAllowed(keys, mask) == 0) {
    return InvalidArgument(
        "options accept no token: need a dev key with HS256 allowed, or a JWKS key whose "
        "algorithm is allowed");
  }
  auto out = std::make_unique<JwtAuthenticatorImpl>(options, clock, std::move(keys));
  out->keys_stamp_ = stamp;
  return out;
}

StatusOr<JwtAuthenticatorImpl::FileStamp> JwtAuthenticatorImpl::StampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return InvalidArgument("JWKS file " + path + ": " + std::strerror(errno));
  return FileStamp{st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

StatusOr<std::optional<std::size_t>> JwtAuthenticatorImpl::RefreshKeys() {
  constexpr std::optional<std::size_t> kUnchanged;
  if (options_.jwks_path.empty()) return kUnchanged;
  StatusOr<FileStamp> stamp = StampOf(options_.jwks_path);
  {
    std::lock_guard lock(keys_mu_);
    // A file gone is a version too: reported once, not every second.
    const FileStamp seen = stamp.ok() ? *stamp : FileStamp{};
    if (seen == keys_stamp_) return kUnchanged;
    if (!stamp.ok()) {
      keys_stamp_ = seen;
      return stamp.status();
    }
  }
  StatusOr<JwkSet> loaded = LoadJwksFile(options_.jwks_path);
  std::lock_guard lock(keys_mu_);
  keys_stamp_ = *stamp;  // a version refused is not read again until it changes
  if (!loaded.ok()) return loaded.status();
  // A valid set with no usable key is taken too: withdrawing the last key
  // (a compromised one) refuses its tokens, even if nobody else can sign in.
  const std::size_t usable = CountAllowed(*loaded, allowed_mask_);
  keys_.keys = std::make_shared<const JwkSet>(std::move(*loaded));
  generation_.store(++keys_.generation, std::memory_order_release);
  return std::optional<std::size_t>(usable);
}

JwtAuthenticatorImpl::KeySet JwtAuthenticatorImpl::CurrentKeys() const {
  std::lock_guard lock(keys_mu_);
  return keys_;
}

JwtAuthenticatorImpl::JwtAuthenticatorImpl(const JwtOptions& options, const Clock& clock,
                                           JwkSet keys)
    : options_(options),
      clock_(clock),
      keys_{std::make_shared<const JwkSet>(std::move(keys)), 0},
      allowed_mask_(AllowedMask(options.allowed_algorithms)),
      leeway_seconds_(std::clamp(options.leeway_seconds, 0, kMaxLeewaySeconds)),
      cache_(options.cache_capacity) {}

StatusOr<std::shared_ptr<const Principal>> JwtAuthenticatorImpl::Authenticate(
    std::string_view token) {
  // Checked before the cache so an oversize token is not even hashed.
  if (token.size() > kMaxTokenBytes) return Unauthenticated("token too large");
  const std::int64_t now = clock_.NowSeconds();
  if (auto cached = cache_.Lookup(token, now, generation_.load(std::memory_order_acquire))) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
    return cached;
  }
  const KeySet keys = CurrentKeys();
  WS_ASSIGN_OR_RETURN(Principal verified, Verify(token, now, *keys.keys));
  auto principal = std::make_shared<const Principal>(std::move(verified));
  cache_.Insert(token, principal, ExpiryCutoff(principal->expires_at / 1'000'000, leeway_seconds_),
                keys.generation);
  return principal;
}

StatusOr<Principal> JwtAuthenticatorImpl::Verify(std::string_view token, std::int64_t now_seconds,
                                                 const JwkSet& keys) {
  WS_ASSIGN_OR_RETURN(ParsedJwt jwt, ParseJwt(token));
  if (!Allows(allowed_mask_, jwt.alg)) return Unauthenticated("algorithm not allowed");
  ClaimRules rules;
  rules.now_seconds = now_seconds;
  rules.leeway_seconds = leeway_seconds_;
  rules.max_lifetime_seconds = options_.max_lifetime_seconds;
  AuthMethod method = AuthMethod::kDevKey;
  if (jwt.alg == JwtAlg::kHs256) {
    // The key decides the algorithm: HS256 is only ever checked with the dev
    // key, so a token MACed with a JWKS public key (algorithm confusion)
    // cannot verify.
    if (jwt.kid && *jwt.kid != kDevKeyId) {
      return Unauthenticated(keys.contains(*jwt.kid) ? "algorithm does not match key"
                                                     : "unknown key id");
    }
    if (options_.dev_key.empty()) return Unauthenticated("dev tokens are disabled");
    verifications_.fetch_add(1, std::memory_order_relaxed);
    if (!VerifyHs256(options_.dev_key, jwt.signing_input, jwt.signature))
      return Unauthenticated("signature mismatch");
    rules.issuer = options_.dev_issuer;
    rules.audience = options_.dev_audience;
  } else {
    if (!jwt.kid) return Unauthenticated("missing key id");
    const auto key = keys.find(*jwt.kid);
    if (key == keys.end()) return Unauthenticated("unknown key id");
    if (key->second.alg != jwt.alg) return Unauthenticated("algorithm does not match key");
    verifications_.fetch_add(1, std::memory_order_relaxed);
    if (!VerifyWithPublicKey(*key->second.key, jwt.alg, jwt.signing_input, jwt.signature))
      return Unauthenticated("signature mismatch");
    rules.issuer = options_.issuer;
    rules.audience = options_.audience;
    method = AuthMethod::kJwks;
  }
  WS_ASSIGN_OR_RETURN(Principal principal, CheckClaims(jwt.payload, rules));
  principal.method = method;
  WS_RETURN_IF_ERROR(QualifyIdentity(jwt.payload, principal));
  return principal;
}

Status JwtAuthenticatorImpl::QualifyIdentity(const boost::json::object& payload,
                                             Principal& principal) const {
  principal.sub = principal.subject;
  if (principal.method == AuthMethod::kDevKey) {
    // Bare names: one with '|' could spell another issuer's qualified id.
    if (principal.sub.find('|') != std::string::npos) return Unauthenticated("invalid sub");
    for (const auto& g : principal.groups)
      if (g.find('|') != std::string::npos) return Unauthenticated("invalid groups");
    return Status::Ok();
  }
  if (!options_.org_claim.empty()) {
    if (const auto* org = payload.if_contains(options_.org_claim)) {
      const auto* text = org->if_string();
      bool printable = text != nullptr && !text->empty() && text->size() <= 255;
      for (unsigned char c : printable ? std::string_view(*text) : std::string_view())
        printable = printable && c >= 0x20 && c != 0x7f;
      if (!printable) return Unauthenticated("invalid organisation claim");
      principal.org = std::string(*text);
    }
  }
  principal.subject = model::QualifiedUser(principal.issuer, principal.sub);
  std::vector<std::string> groups;
  groups.reserve(principal.groups.size() * (principal.org.empty() ? 1 : 2));
  for (const auto& g : principal.groups) {
    groups.push_back(model::QualifiedGroup(principal.issuer, "", g));
    if (!principal.org.empty())
      groups.push_back(model::QualifiedGroup(principal.issuer, principal.org, g));
  }
  principal.groups = std::move(groups);
  return Status::Ok();
}

JwtAuthenticatorImpl::Stats JwtAuthenticatorImpl::stats() const {
  return {.verifications = verifications_.load(std::memory_order_relaxed),
          .cache_hits = cache_hits_.load(std::memory_order_relaxed),
          .cached_tokens = cache_.size()};
}

}  // namespace workspaced::auth
