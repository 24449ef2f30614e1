#include "app/config.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include "auth/jwks.h"
#include "common/regular_file.h"
#include "crypto/keyring.h"
#include "http/client_address.h"
#include "model/identity.h"

namespace workspaced::app {
namespace json = boost::json;
namespace {

Status Bad(const std::string& key, const std::string& why) {
  return InvalidArgument("config: " + key + ": " + why);
}

Status GetString(const json::value& v, const std::string& key, std::string& out) {
  if (!v.is_string()) return Bad(key, "must be a string");
  out = std::string(v.as_string());
  return Status::Ok();
}

Status GetBool(const json::value& v, const std::string& key, bool& out) {
  if (!v.is_bool()) return Bad(key, "must be true or false");
  out = v.as_bool();
  return Status::Ok();
}

template <typename T>
Status GetInt(const json::value& v, const std::string& key, T& out, long long lo, long long hi) {
  if (!v.is_int64() && !v.is_uint64()) return Bad(key, "must be an integer");
  const long long n = v.is_int64() ? v.as_int64() : static_cast<long long>(v.as_uint64());
  if (n < lo || n > hi)
    return Bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  out = static_cast<T>(n);
  return Status::Ok();
}

Status GetStrings(const json::value& v, const std::string& key, std::vector<std::string>& out) {
  if (!v.is_array()) return Bad(key, "must be an array of strings");
  out.clear();
  for (const auto& e : v.as_array()) {
    if (!e.is_string()) return Bad(key, "must be an array of strings");
    out.emplace_back(e.as_string());
  }
  return Status::Ok();
}

// Ten years: longer is no limit a deployment would mean.
constexpr long long kMaxTokenLifetimeSeconds = 10LL * 365 * 86'400;

Status ApplyAuth(const json::object& o, AuthConfig& a) {
  bool dev_tokens_given = false;
  for (const auto& [k, v] : o) {
    const std::string key = "auth." + std::string(k);
    if (k == "dev_tokens") {
      WS_RETURN_IF_ERROR(GetBool(v, key, a.dev_tokens));
      dev_tokens_given = true;
    } else if (k == "org_claim")
      WS_RETURN_IF_ERROR(GetString(v, key, a.org_claim));
    else if (k == "jwks_file")
      WS_RETURN_IF_ERROR(GetString(v, key, a.jwks_file));
    else if (k == "issuer")
      WS_RETURN_IF_ERROR(GetString(v, key, a.issuer));
    else if (k == "audience")
      WS_RETURN_IF_ERROR(GetString(v, key, a.audience));
    else if (k == "leeway_seconds")
      WS_RETURN_IF_ERROR(GetInt(v, key, a.leeway_seconds, 0, 60));
    else if (k == "max_token_lifetime_seconds")
      WS_RETURN_IF_ERROR(GetInt(v, key, a.max_token_lifetime_seconds, 0, kMaxTokenLifetimeSeconds));
    else
      return Bad(key, "unknown key");
  }
  // An identity provider replaces the dev key unless dev tokens are asked
  // for by name: a forgotten default must not leave a second way in.
  if (!dev_tokens_given && !a.jwks_file.empty()) a.dev_tokens = false;
  return Status::Ok();
}

Status ApplyLimits(const json::object& o, LimitsConfig& l) {
  for (const auto& [k, v] : o) {
    const std::string key = "limits." + std::string(k);
    if (k == "body_bytes")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.body_bytes, 1024, 64 << 20));
    else if (k == "body_memory_bytes")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.body_memory_bytes, 64 << 10, 64LL << 30));
    else if (k == "response_memory_bytes")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.response_memory_bytes, 64 << 10, 64LL << 30));
    else if (k == "header_bytes")
      // Beast keeps a field in at most 65535 bytes: a longer one throws.
      WS_RETURN_IF_ERROR(GetInt(v, key, l.header_bytes, 1024, 65'535));
    else if (k == "request_timeout_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.request_timeout_ms, 100, 3'600'000));
    else if (k == "idle_timeout_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.idle_timeout_ms, 100, 3'600'000));
    else if (k == "write_timeout_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.write_timeout_ms, 100, 3'600'000));
    else if (k == "shutdown_grace_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.shutdown_grace_ms, 0, 600'000));
    else if (k == "max_connections")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.max_connections, 1, 1'000'000));
    else if (k == "queued_requests")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.queued_requests, 1, 1'000'000));
    else
      return Bad(key, "unknown key");
  }
  return Status::Ok();
}

Status ApplySaga(const json::object& o, SagaConfig& s) {
  for (const auto& [k, v] : o) {
    const std::string key = "saga." + std::string(k);
    if (k == "workers")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.workers, 0, 64));
    else if (k == "lease_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.lease_ms, 100, 3'600'000));
    else if (k == "max_attempts")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.max_attempts, 1, 100));
    else if (k == "backoff_initial_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.backoff_initial_ms, 1, 3'600'000));
    else if (k == "backoff_max_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.backoff_max_ms, 1, 86'400'000));
    else if (k == "poll_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, s.poll_ms, 10, 600'000));
    else
      return Bad(key, "unknown key");
  }
  if (s.backoff_max_ms < s.backoff_initial_ms)
    return Bad("saga.backoff_max_ms", "must be at least saga.backoff_initial_ms");
  return Status::Ok();
}

Status ApplyLifecycle(const json::object& o, LifecycleConfig& l) {
  for (const auto& [k, v] : o) {
    const std::string key = "lifecycle." + std::string(k);
    if (k == "deletion_retention_s")
      WS_RETURN_IF_ERROR(GetInt(v, key, l.deletion_retention_s, 0, 10LL * 365 * 86'400));
    else
      return Bad(key, "unknown key");
  }
  return Status::Ok();
}

Status ApplyIdempotency(const json::object& o, IdempotencyConfig& c) {
  for (const auto& [k, v] : o) {
    const std::string key = "idempotency." + std::string(k);
    if (k == "wait_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.wait_ms, 0, 60'000));
    else
      return Bad(key, "unknown key");
  }
  return Status::Ok();
}

Status ApplySpiceDb(const json::object& o, SpiceDbConfig& c) {
  for (const auto& [k, v] : o) {
    const std::string key = "spicedb." + std::string(k);
    if (k == "target") {
      WS_RETURN_IF_ERROR(GetString(v, key, c.target));
      if (c.target != "none" && c.target != "embedded" && c.target != "grpc")
        return Bad(key, "must be none, embedded or grpc");
    } else if (k == "library") {
      WS_RETURN_IF_ERROR(GetString(v, key, c.library));
    } else if (k == "endpoint") {
      WS_RETURN_IF_ERROR(GetString(v, key, c.endpoint));
    } else if (k == "preshared_key_file") {
      WS_RETURN_IF_ERROR(GetString(v, key, c.preshared_key_file));
    } else if (k == "tls") {
      if (!v.is_bool()) return Bad(key, "must be true or false");
      c.tls = v.as_bool();
    } else if (k == "ca_file") {
      WS_RETURN_IF_ERROR(GetString(v, key, c.ca_file));
    } else if (k == "batch") {
      WS_RETURN_IF_ERROR(GetInt(v, key, c.batch, 1, 1'000));
    } else if (k == "lease_ms") {
      WS_RETURN_IF_ERROR(GetInt(v, key, c.lease_ms, 1'000, 3'600'000));
    } else if (k == "poll_ms") {
      WS_RETURN_IF_ERROR(GetInt(v, key, c.poll_ms, 10, 600'000));
    } else if (k == "outbox_retention_hours") {
      WS_RETURN_IF_ERROR(GetInt(v, key, c.outbox_retention_hours, 0, 87'600));
    } else if (k == "outbox_prune_interval_ms") {
      WS_RETURN_IF_ERROR(GetInt(v, key, c.outbox_prune_interval_ms, 10, 86'400'000));
    } else {
      return Bad(key, "unknown key");
    }
  }
  if (c.target == "embedded" && c.library.empty())
    return Bad("spicedb.library", "is required with target embedded");
  if (c.target == "grpc" && c.endpoint.empty())
    return Bad("spicedb.endpoint", "is required with target grpc");
  return Status::Ok();
}

Status ApplyBudget(const json::value& v, const std::string& key, http::Budget& b) {
  if (!v.is_object()) return Bad(key, "must be an object {\"quota\": N, \"window_seconds\": S}");
  for (const auto& [k, e] : v.as_object()) {
    const std::string sub = key + "." + std::string(k);
    if (k == "quota")
      WS_RETURN_IF_ERROR(GetInt(e, sub, b.quota, 0, 1'000'000'000));
    else if (k == "window_seconds")
      WS_RETURN_IF_ERROR(GetInt(e, sub, b.window_seconds, 1, 86'400));
    else
      return Bad(sub, "unknown key");
  }
  return Status::Ok();
}

Status ApplyRateLimits(const json::object& o, http::RateLimitOptions& r) {
  for (const auto& [k, v] : o) {
    const std::string key = "rate_limits." + std::string(k);
    if (k == "enabled") {
      WS_RETURN_IF_ERROR(GetBool(v, key, r.enabled));
    } else if (k == "address") {
      WS_RETURN_IF_ERROR(ApplyBudget(v, key, r.address));
    } else if (k == "unauthenticated") {
      WS_RETURN_IF_ERROR(ApplyBudget(v, key, r.unauthenticated));
    } else if (k == "reads") {
      WS_RETURN_IF_ERROR(ApplyBudget(v, key, r.reads));
    } else if (k == "writes") {
      WS_RETURN_IF_ERROR(ApplyBudget(v, key, r.writes));
    } else if (k == "max_keys") {
      WS_RETURN_IF_ERROR(GetInt(v, key, r.max_keys, 16, 10'000'000));
    } else if (k == "max_connections_per_address") {
      WS_RETURN_IF_ERROR(GetInt(v, key, r.max_connections_per_address, 0, 1'000'000));
    } else if (k == "trusted_proxies") {
      WS_RETURN_IF_ERROR(GetStrings(v, key, r.trusted_proxies));
      for (const auto& p : r.trusted_proxies)
        if (!http::AddressRange::Parse(p))
          return Bad(key, "'" + p + "' is not an IP address or CIDR range");
    } else if (k == "client_address_header") {
      WS_RETURN_IF_ERROR(GetString(v, key, r.client_address_header));
      const std::string& h = r.client_address_header;
      if (h.empty() || h.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789!#$%&'*+-.^_`|~") != std::string::npos)
        return Bad(key, "must be a header name");
    } else {
      return Bad(key, "unknown key");
    }
  }
  return Status::Ok();
}

Status ApplyAudit(const json::object& o, AuditConfig& c) {
  for (const auto& [k, v] : o) {
    const std::string key = "audit." + std::string(k);
    if (k == "denial_window_s")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.denial_window_s, 1, 86'400));
    else if (k == "denial_retention_days")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.denial_retention_days, 1, 3'650));
    else if (k == "denial_keys_per_window")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.denial_keys_per_window, 1, 100'000));
    else if (k == "denial_queue")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.denial_queue, 1, 100'000));
    else if (k == "denial_chains_per_key")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.denial_chains_per_key, 1, 100'000));
    else
      return Bad(key, "unknown key");
  }
  return Status::Ok();
}

Status ApplyIntegrity(const json::object& o, IntegrityConfig& c) {
  for (const auto& [k, v] : o) {
    const std::string key = "integrity." + std::string(k);
    if (k == "start_check_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.start_check_ms, 0, 86'400'000));
    else if (k == "readyz_check_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.readyz_check_ms, 1, 600'000));
    else if (k == "readyz_interval_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.readyz_interval_ms, 1'000, 86'400'000));
    else
      return Bad(key, "unknown key");
  }
  return Status::Ok();
}

}  // namespace

Status ApplyConfigFile(const std::string& path, Config& c) {
  StatusOr<RegularFile> file = ReadRegularFile(path, kMaxConfigFileBytes);
  if (!file.ok()) return InvalidArgument("config: " + file.status().message());
  boost::system::error_code ec;
  json::value root = json::parse(file->contents, ec);
  if (ec) return InvalidArgument("config: " + path + " is not valid JSON: " + ec.message());
  if (!root.is_object()) return InvalidArgument("config: " + path + " must hold a JSON object");
  for (const auto& [k, v] : root.as_object()) {
    const std::string key(k);
    if (k == "listen")
      WS_RETURN_IF_ERROR(GetString(v, key, c.listen));
    else if (k == "data_dir")
      WS_RETURN_IF_ERROR(GetString(v, key, c.data_dir));
    else if (k == "cells") {
      if (!v.is_object()) return Bad(key, "must be an object of region: connection string");
      c.cells.clear();
      for (const auto& [region, conninfo] : v.as_object()) {
        if (!conninfo.is_string() || conninfo.as_string().empty())
          return Bad("cells." + std::string(region), "must be a connection string");
        c.cells[std::string(region)] = std::string(conninfo.as_string());
      }
    } else if (k == "encryption") {
      if (!v.is_object()) return Bad(key, "must be an object");
      for (const auto& [ek, ev] : v.as_object()) {
        if (ek == "active_key") {
          WS_RETURN_IF_ERROR(GetString(ev, "encryption.active_key", c.encryption.active_key));
        } else if (ek == "keys") {
          if (!ev.is_object()) return Bad("encryption.keys", "must be an object of id: key file");
          c.encryption.keys.clear();
          for (const auto& [id, file] : ev.as_object()) {
            // Checked here, so a bad id is a configuration error (exit 2,
            // nothing created), not a start-up failure after the data
            // directory was made.
            if (!crypto::IsKeyId(id)) {
              return Bad("encryption.keys", "key ids are 1 to 64 of [a-z0-9-]; " +
                                                boost::json::serialize(boost::json::string(
                                                    std::string_view(id).substr(0, 64))) +
                                                " is not");
            }
            if (!file.is_string() || file.as_string().empty())
              return Bad("encryption.keys." + std::string(id), "must be a key file's path");
            c.encryption.keys[std::string(id)] = std::string(file.as_string());
          }
        } else {
          return Bad("encryption." + std::string(ek), "is not a known key");
        }
      }
      if (!c.encryption.keys.empty() && !c.encryption.keys.contains(c.encryption.active_key))
        return Bad("encryption.active_key", "must name one of encryption.keys");
    } else if (k == "secrets") {
      if (!v.is_object()) return Bad(key, "must be an object");
      for (const auto& [sk, sv] : v.as_object()) {
        if (sk != "max_versions") return Bad("secrets." + std::string(sk), "is not a known key");
        WS_RETURN_IF_ERROR(GetInt(sv, "secrets.max_versions", c.secrets.max_versions, 1, 1'000));
      }
    } else if (k == "database")
      WS_RETURN_IF_ERROR(GetString(v, key, c.database));
    else if (k == "database_pool")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.database_pool, 1, 1'000));
    else if (k == "database_prepared_statements")
      WS_RETURN_IF_ERROR(GetBool(v, key, c.database_prepared_statements));
    else if (k == "database_listen")
      WS_RETURN_IF_ERROR(GetString(v, key, c.database_listen));
    else if (k == "database_poll_ms")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.database_poll_ms, 10, 3'600'000));
    else if (k == "regions")
      WS_RETURN_IF_ERROR(GetStrings(v, key, c.regions));
    else if (k == "platform_admins")
      WS_RETURN_IF_ERROR(GetStrings(v, key, c.platform_admins));
    else if (k == "export_format")
      WS_RETURN_IF_ERROR(GetString(v, key, c.export_format));
    else if (k == "threads")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.threads, 0, 256));
    else if (k == "workers")
      WS_RETURN_IF_ERROR(GetInt(v, key, c.workers, 0, 1024));
    else if (k == "access_log")
      WS_RETURN_IF_ERROR(GetBool(v, key, c.access_log));
    else if (k == "log_level")
      WS_RETURN_IF_ERROR(GetString(v, key, c.log_level));
    else if (k == "log_format")
      WS_RETURN_IF_ERROR(GetString(v, key, c.log_format));
    else if (k == "auth") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyAuth(v.as_object(), c.auth));
    } else if (k == "limits") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyLimits(v.as_object(), c.limits));
    } else if (k == "audit") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyAudit(v.as_object(), c.audit));
    } else if (k == "saga") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplySaga(v.as_object(), c.saga));
    } else if (k == "lifecycle") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyLifecycle(v.as_object(), c.lifecycle));
    } else if (k == "spicedb") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplySpiceDb(v.as_object(), c.spicedb));
    } else if (k == "integrity") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyIntegrity(v.as_object(), c.integrity));
    } else if (k == "idempotency") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyIdempotency(v.as_object(), c.idempotency));
    } else if (k == "rate_limits") {
      if (!v.is_object()) return Bad(key, "must be an object");
      WS_RETURN_IF_ERROR(ApplyRateLimits(v.as_object(), c.rate_limits));
    } else {
      return Bad(key, "unknown key");
    }
  }
  return Status::Ok();
}

Status ParseListen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return InvalidArgument("listen: expected HOST:PORT, got '" + listen + "'");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    return InvalidArgument("listen: invalid port in '" + listen + "'");
  }
  port = static_cast<std::uint16_t>(std::stoi(p));
  return Status::Ok();
}

Status Validate(const Config& c) {
  std::string host;
  std::uint16_t port;
  WS_RETURN_IF_ERROR(ParseListen(c.listen, host, port));
  boost::system::error_code address_ec;
  boost::asio::ip::make_address(host, address_ec);
  if (address_ec) {
    return InvalidArgument("listen: '" + host +
                           "' is not an IP address (use e.g. 127.0.0.1, 0.0.0.0 or [::1])");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error" && c.log_level != "off") {
    return InvalidArgument("config: log_level must be debug, info, warn, error or off");
  }
  if (c.data_dir.empty()) return InvalidArgument("config: data_dir must not be empty");
  for (const auto& [region, unused] : c.cells) {
    if (std::find(c.regions.begin(), c.regions.end(), region) == c.regions.end())
      return InvalidArgument("config: cells." + region + " is not one of the regions");
  }
  if (c.regions.empty()) return InvalidArgument("config: regions must list at least one region");
  for (const auto& r : c.regions) {
    if (r.empty() || r.size() > 63 ||
        r.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      return InvalidArgument("config: region '" + r + "' must be 1-63 characters of [a-z0-9-]");
  }
  // A body the limit lets in must fit the memory all bodies share, or it is
  // answered "retry shortly" for ever (outside audit).
  if (c.limits.body_memory_bytes < c.limits.body_bytes)
    return InvalidArgument(
        "config: limits.body_memory_bytes must be at least limits.body_bytes (a body the limit "
        "takes would never fit)");
  if (c.export_format != "json" && c.export_format != "ndjson" && c.export_format != "csv")
    return InvalidArgument("config: export_format must be json, ndjson or csv");
  if (c.log_format != "json" && c.log_format != "text")
    return InvalidArgument("config: log_format must be json or text");
  if (!c.auth.dev_tokens && c.auth.jwks_file.empty())
    return InvalidArgument(
        "config: with auth.dev_tokens off, auth.jwks_file is required (nothing could sign in)");
  if (!c.auth.jwks_file.empty() && (c.auth.issuer.empty() || c.auth.audience.empty()))
    return InvalidArgument("config: auth.jwks_file needs auth.issuer and auth.audience");
  // A platform admin is a user id some token can carry (model::IsUserId):
  // any other would be an admin nobody signs in as, or a look-alike.
  for (std::size_t i = 0; i < c.platform_admins.size(); ++i)
    if (!model::IsUserId(c.platform_admins[i]))
      return InvalidArgument("config: platform_admins[" + std::to_string(i) +
                             "] is not a user id a token can carry (docs/identity.md)");
  if (c.auth.issuer == model::kDevIssuer)
    return InvalidArgument(std::string("config: auth.issuer must not be ") + model::kDevIssuer +
                           ", the dev key's issuer");
  if (!c.encryption.active_key.empty() && c.encryption.keys.empty())
    return InvalidArgument(
        "config: encryption.active_key names one of encryption.keys, which is empty (without "
        "keys, the embedded default keeps its own in data_dir)");
  // The other files start-up reads, read here too: one that is missing,
  // not a small regular file (a FIFO, /dev/zero) or not what it should be
  // stops every command before anything is created.
  if (!c.auth.jwks_file.empty()) {
    if (auto jwks = auth::LoadJwksFile(c.auth.jwks_file); !jwks.ok())
      return InvalidArgument("config: auth.jwks_file: " + jwks.status().message());
  }
  for (const auto& [key, path] :
       {std::pair{"spicedb.preshared_key_file", &c.spicedb.preshared_key_file},
        std::pair{"spicedb.ca_file", &c.spicedb.ca_file}}) {
    if (path->empty() || c.spicedb.target == "none") continue;
    if (auto file = ReadRegularFile(*path, 1 << 20); !file.ok())
      return InvalidArgument(std::string("config: ") + key + ": " + file.status().message());
  }
  if (!c.encryption.keys.empty()) {
    // The key files are read here, so one that is missing, not a regular
    // file, readable by others or not a key stops every command before
    // anything is created (exit 2), not the server once its database is.
    const StatusOr<crypto::KeyRing> ring = crypto::KeyRing::FromFiles(
        {c.encryption.keys.begin(), c.encryption.keys.end()}, c.encryption.active_key);
    if (!ring.ok()) return InvalidArgument("config: encryption.keys: " + ring.status().message());
  }
  return Status::Ok();
}

}  // namespace workspaced::app
