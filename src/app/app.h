// The running service's parts, wired once at start-up: configuration, store,
// authentication, authorization, clock, randomness and metrics. Handlers reach
// everything through an App&.
//
// Thread-safety: after Open returns, every accessor is safe from any thread
// (each part documents its own guarantees).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "app/config.h"
#include "app/readiness.h"
#include "auth/authenticator.h"
#include "authz/authorizer.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "dataplane/dataplane.h"
#include "domain/accounts.h"
#include "domain/denials.h"
#include "domain/members.h"
#include "domain/quotas.h"
#include "domain/data_keys.h"
#include "domain/secrets.h"
#include "domain/vault.h"
#include "domain/workspaces.h"
#include "http/metrics.h"
#include "saga/engine.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::authz {
class RelationshipIndex;
}
namespace workspaced::spicedb {
class Client;
class OutboxPruner;
class Relay;
}  // namespace workspaced::spicedb

namespace workspaced::app {

// Loads the key ring of key-encryption keys the configuration names
// (encryption.keys), or else every kek-<id>.key in data_dir (creating the
// first). `random` and `clock` must outlive the loader.
domain::DataKeys::Loader KeyRingLoader(const Config& config, Random& random, const Clock& clock);

class App {
 public:
  // Creates the data directory, opens and migrates the database, loads or
  // creates the dev key and the default account, and builds (without
  // starting) the provisioning engine with `failpoints` (tests only: the
  // CLI parses WORKSPACED_FAILPOINTS; Open never reads the environment).
  // `clock`/`random` default to the system's.
  static StatusOr<std::unique_ptr<App>> Open(const Config& config,
                                             saga::Failpoints failpoints = {},
                                             std::unique_ptr<Clock> clock = nullptr,
                                             std::unique_ptr<Random> random = nullptr);
  ~App();

  const Config& config() const { return config_; }
  store::Store& store() { return *store_; }
  auth::Authenticator& authenticator() { return *authenticator_; }
  authz::Authorizer& authorizer() { return *authorizer_; }
  const Clock& clock() const { return *clock_; }
  Random& random() { return *random_; }
  http::Metrics& metrics() { return metrics_; }
  dataplane::Dataplane& dataplane() { return *dataplane_; }
  // Failpoints also used outside the saga (create_request).
  const saga::Failpoints& failpoints() const { return failpoints_; }
  saga::Engine& engine() { return *engine_; }
  // The operations that change data (src/domain): every write goes through
  // one of these.
  domain::Workspaces& workspaces() { return *workspaces_; }
  domain::Members& members() { return *members_; }
  domain::Accounts& accounts() { return *accounts_; }
  // Refused requests: chained or counted (domain/denials.h); `serve` starts
  // and stops its flushes.
  domain::Denials& denials() { return *denials_; }
  domain::Quotas& quotas() { return *quotas_; }
  // The secrets pillar (domain/secrets.h) and the data keys it seals with.
  domain::Secrets& secrets() { return *secrets_; }
  domain::DataKeys& data_keys() { return *data_keys_; }
  // The data vault pillar (domain/vault.h).
  domain::Vault& vault() { return *vault_; }
  // The relay delivering relationship changes to SpiceDB; null when
  // configuration `spicedb.target` is none.
  spicedb::Relay* relay() { return relay_.get(); }
  // The deep readiness check (GET /readyz?deep=1), rate-limited by itself.
  Readiness& readiness() { return *readiness_; }
  // Keeps the relationship outbox bounded (spicedb.outbox_retention_hours).
  spicedb::OutboxPruner& outbox_pruner() { return *outbox_pruner_; }
  const std::string& default_account_id() const { return default_account_id_; }
  // Signs pagination cursors; the same on every replica of the database.
  const std::string& cursor_key() const { return cursor_key_; }
  const std::string& data_dir() const { return config_.data_dir; }
  // Makes the database's platform admins this configuration's
  // `platform_admins` (audited when they change). `serve` calls it once it
  // listens, so that a process that fails to start changes nothing.
  Status WritePlatformAdmins();
  // Whether `subject` is a platform admin as the database records it
  // (written at start from `platform_admins`: the last replica to start
  // decides for all; docs/authorization.md).
  bool IsPlatformAdmin(const std::string& subject) const;

  // Idempotency-Key reservations whose release failed (the database was
  // unreachable when their request failed): the next reservation this
  // process makes releases them, so a client retrying after an outage is not
  // refused for the whole abandonment window. Thread-safe; at most 10,000
  // are kept (the rest wait out the window).
  struct StrandedReservation {
    std::string subject, key;
    Micros created_at = 0;
  };
  void StrandReservation(StrandedReservation r);
  std::vector<StrandedReservation> TakeStrandedReservations();

 private:
  App() = default;
  Config config_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<Random> random_;
  // Before store_: the store calls it on every commit until destroyed.
  std::unique_ptr<authz::RelationshipIndex> relationships_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<authz::Authorizer> authorizer_;
  std::unique_ptr<dataplane::Dataplane> dataplane_;
  saga::Failpoints failpoints_;
  std::unique_ptr<spicedb::Client> spicedb_;
  std::unique_ptr<spicedb::Relay> relay_;  // stops before the client and store it uses
  SystemClock wall_clock_;                 // the outbox's dates are wall-clock, whatever clock_ is
  std::unique_ptr<spicedb::OutboxPruner> outbox_pruner_;  // stops before the store
  std::unique_ptr<saga::Engine> engine_;                  // stops before what it uses
  std::unique_ptr<Readiness> readiness_;
  std::unique_ptr<domain::Workspaces> workspaces_;
  std::unique_ptr<domain::Members> members_;
  std::unique_ptr<domain::Accounts> accounts_;
  std::unique_ptr<domain::Denials> denials_;  // flushes to the store: before it goes
  std::unique_ptr<domain::Quotas> quotas_;
  std::unique_ptr<domain::DataKeys> data_keys_;
  std::unique_ptr<domain::AuditGroupCommit> audit_group_;
  std::unique_ptr<domain::Secrets> secrets_;
  std::unique_ptr<domain::Vault> vault_;
  http::Metrics metrics_;
  std::string default_account_id_;
  std::string cursor_key_;
  std::mutex stranded_mu_;
  std::vector<StrandedReservation> stranded_;  // guarded by stranded_mu_
};

// The SpiceDB of configuration `spicedb` (target embedded or grpc).
StatusOr<std::unique_ptr<spicedb::Client>> ConnectSpiceDb(const SpiceDbConfig& config);
// Every type of authz/schema.zed (what reconcile compares).
std::vector<std::string> SpiceDbTypes();

// Opens (and migrates) only the store of a data directory, for CLI commands
// that need no server.
// `existing`: for commands that act on a deployment (audit verify, authz
// reconcile, keys rotate): on the embedded default, a data directory
// without a database is an error naming the file, not a fresh empty one (a
// mistyped --data-dir would verify as intact, or reconcile SpiceDB down to
// nothing).
StatusOr<std::unique_ptr<store::Store>> OpenStore(const Config& config, bool existing = false);

// The store of an existing deployment, for a command that only reads it
// (audit verify). On the embedded default the file is checked and read as
// it is: nothing is created or migrated, so a copy on read-only media can
// be read (store::SqliteOptions::read_only); a database whose schema is not
// this binary's is refused naming the file (run `migrate` first). Errors
// name the database file. On PostgreSQL, as OpenStore(config, true).
StatusOr<std::unique_ptr<store::Store>> OpenStoreToRead(const Config& config);

}  // namespace workspaced::app
