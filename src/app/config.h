// Service configuration: defaults for the embedded mode, overridden by a JSON
// file (--config) and then by command-line flags. Unknown keys in the file are
// an error, so a typo never silently falls back to a default.
//
// Example file:
//   {"listen": "0.0.0.0:8080", "data_dir": "/var/lib/workspaced",
//    "regions": ["us-east-1", "eu-west-1"],
//    "auth": {"dev_tokens": false, "jwks_file": "/etc/workspaced/jwks.json",
//             "issuer": "https://idp.example.com/", "audience": "workspaced"},
//    "platform_admins": ["ops@example.com"],
//    "limits": {"body_bytes": 1048576, "header_bytes": 16384,
//               "request_timeout_ms": 30000, "idle_timeout_ms": 60000},
//    "rate_limits": {"trusted_proxies": ["10.0.0.0/8"],
//                    "writes": {"quota": 100, "window_seconds": 10}},
//    "export_format": "json", "threads": 0, "workers": 0, "access_log": true,
//    "log_level": "info", "log_format": "json"}
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/rate_limit_options.h"

namespace workspaced::app {

struct AuthConfig {
  // Accept HS256 tokens signed with the data dir's dev key. Off by default
  // when a JWKS is configured (set it true to keep both).
  bool dev_tokens = true;
  std::string jwks_file;
  std::string issuer;
  std::string audience;
  int leeway_seconds = 60;  // at most 60
  // The longest a token may be valid: exp - iat (else nbf, else now); 0 = no limit.
  std::int64_t max_token_lifetime_seconds = 0;
  // The JWKS issuer's claim that names the tenant's organisation, where one
  // identity provider serves many tenants (e.g. "org_id"); empty: none.
  std::string org_claim;
};

struct LimitsConfig {
  std::size_t body_bytes = 1 << 20;
  // Request bodies held at once, across connections (each counted at its
  // Content-Length, or body_bytes when chunked); one more is a 503.
  std::size_t body_memory_bytes = 256 << 20;
  // Whole response bodies held at once while written, across connections
  // (a streamed response's chunk while it is written); one more is a 503.
  std::size_t response_memory_bytes = 256 << 20;
  std::size_t header_bytes = 16 << 10;
  int request_timeout_ms = 30'000;
  int idle_timeout_ms = 60'000;
  int write_timeout_ms = 30'000;
  int shutdown_grace_ms = 10'000;
  std::size_t max_connections = 10'000;
  // Requests waiting for a worker; one more is answered 503 + Retry-After.
  std::size_t queued_requests = 1024;
};

// The provisioning engine (docs/provisioning.md).
struct SagaConfig {
  // 0: by backend. SQLite commits one writer at a time, so a third worker
  // only queues; on PostgreSQL a worker mostly waits for round trips, and
  // four keep two cores busy (docs/performance.md).
  int workers = 0;
  int lease_ms = 15'000;
  int max_attempts = 5;
  int backoff_initial_ms = 200;
  int backoff_max_ms = 30'000;
  int poll_ms = 1'000;
};

// The workspace lifecycle (docs/lifecycle.md): how long a deleted
// workspace can be restored before its purge runs.
struct LifecycleConfig {
  std::int64_t deletion_retention_s = 7 * 86'400;
};

struct IdempotencyConfig {
  // Accepted for old configuration files and ignored: a duplicate of a
  // request still in progress gets 409 with Retry-After at once (no thread
  // waits for another request).
  int wait_ms = 0;
};

// Delivery of relationship changes to SpiceDB (docs/authorization.md).
struct SpiceDbConfig {
  std::string target = "none";  // none | embedded | grpc
  // embedded: the engine's shared library (scripts/install-spicedb.sh).
  std::string library;
  // grpc: host:port or unix:///path; the preshared key is read from a file
  // (never written in the configuration); TLS with the system's roots or a
  // CA bundle.
  std::string endpoint;
  std::string preshared_key_file;
  bool tls = true;
  std::string ca_file;
  int batch = 1'000;
  int lease_ms = 10'000;
  int poll_ms = 200;
  // Delivered changes (every change, without SpiceDB) leave the outbox this
  // long after they were made; pruning runs every outbox_prune_interval_ms.
  int outbox_retention_hours = 168;
  int outbox_prune_interval_ms = 60'000;
};

// Refused requests (domain/denials.h, docs/audit.md): the window of a
// count, how long counts are kept, how many keys a process writes per
// window, and how many refusals may wait to be chained.
struct AuditConfig {
  int denial_window_s = 300;
  int denial_retention_days = 30;
  int denial_keys_per_window = 200;
  int denial_queue = 4'096;
  int denial_chains_per_key = 20;
};

// Checks of the control-plane database (docs/integrity.md).
struct IntegrityConfig {
  // The check at start, before anything writes: SQLite's integrity_check,
  // linear in the file's size; a check cut short by this budget is logged
  // and the start goes on. 0: no limit.
  int start_check_ms = 30'000;
  // GET /readyz?deep=1: the same check with this budget, run at most once
  // per readyz_interval_ms (callers in between get the last result).
  int readyz_check_ms = 2'000;
  int readyz_interval_ms = 60'000;
};

// Key-encryption keys (docs/encryption.md). Empty `keys`: the embedded
// default, kek-<id>.key files in data_dir (the first created at start).
struct EncryptionConfig {
  std::map<std::string, std::string> keys;  // KEK id → key file path
  std::string active_key;                   // one of `keys`; required with them
};

// The secrets pillar (docs/secrets.md).
struct SecretsConfig {
  // Versions kept per secret name: a write beyond it destroys the oldest,
  // in the transaction that commits it (as Vault KV's max_versions).
  int max_versions = 10;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./data";
  // Empty: the embedded SQLite file in data_dir. Else PostgreSQL: a
  // postgres:// URI or a libpq connection string (docs/configuration.md).
  std::string database;
  int database_pool = 16;
  // false behind a pooler in transaction mode that does not carry prepared
  // statements between server connections (PgBouncer before 1.21): every
  // statement then goes with its text (docs/postgresql.md).
  bool database_prepared_statements = true;
  // PostgreSQL: the connection that LISTENs for other replicas' commits
  // (empty: `database`; it must not be a transaction-mode pooler) and how
  // often it looks for commits it was not told of (docs/postgresql.md).
  std::string database_listen;
  int database_poll_ms = 1000;
  std::vector<std::string> regions = {"us-east-1", "us-west-2", "eu-west-1"};
  // Regions whose cell is a PostgreSQL (region → connection string); the
  // others keep their dataplanes embedded under data_dir/dataplanes.
  std::map<std::string, std::string> cells;
  std::vector<std::string> platform_admins = {"admin"};
  AuthConfig auth;
  LimitsConfig limits;
  SagaConfig saga;
  LifecycleConfig lifecycle;
  IdempotencyConfig idempotency;
  SpiceDbConfig spicedb;
  // Token buckets per address and principal, the per-address connection cap
  // and the trusted proxies (docs/rate-limits.md).
  http::RateLimitOptions rate_limits;
  AuditConfig audit;
  IntegrityConfig integrity;
  EncryptionConfig encryption;
  SecretsConfig secrets;
  std::string export_format = "json";  // json | ndjson | csv
  int threads = 0;                     // I/O threads; 0: one per core
  int workers = 0;                     // handler threads; 0: 4 per core, at least 4
  bool access_log = true;
  std::string log_level = "info";
  std::string log_format = "json";  // json | text
};

// The largest configuration file read: a real one is a few KiB.
inline constexpr std::size_t kMaxConfigFileBytes = 1 << 20;

// Applies the JSON file at `path` over `config`. kInvalidArgument naming the
// offending key on any unknown key, wrong type or out-of-range value, and
// naming the path when it is not a regular file (a directory, a FIFO,
// /dev/zero) or is over kMaxConfigFileBytes.
Status ApplyConfigFile(const std::string& path, Config& config);
// Checks cross-field rules (non-empty regions, valid listen address, …)
// and reads the configured key files (encryption.keys), so a bad one is a
// configuration error.
Status Validate(const Config& config);
// Splits "host:port" (IPv6 as "[::1]:8080").
Status ParseListen(const std::string& listen, std::string& host, std::uint16_t& port);

}  // namespace workspaced::app
