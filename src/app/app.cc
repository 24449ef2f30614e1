#include "app/app.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <utility>

#include "app/bootstrap.h"
#include "auth/jwt_authenticator.h"
#include "authz/relationship_index.h"
#include "authz/schema_authorizer.h"
#include "common/log.h"
#include "common/regular_file.h"
#include "dataplane/postgres_dataplane.h"
#include "dataplane/routing_dataplane.h"
#include "dataplane/sqlite_dataplane.h"
#include "model/relationships.h"
#include "spicedb/outbox_pruner.h"
#include "spicedb/plugin.h"
#include "spicedb/reconcile.h"
#include "spicedb/relay.h"
#include "store/pg_store.h"
#include "store/sqlite_integrity.h"
#include "store/sqlite_migrations.h"
#include "store/sqlite_store.h"

namespace workspaced::app {

App::~App() = default;

namespace {

// A database found damaged is refused (kInternal naming `what`); one whose
// check ran out of time is used, with a warning.
Status RefuseDamaged(const StatusOr<store::IntegrityReport>& report, const std::string& what,
                     int budget_ms) {
  WS_RETURN_IF_ERROR(report.status());
  switch (report->outcome) {
    case store::IntegrityReport::Outcome::kOk:
      return Status::Ok();
    case store::IntegrityReport::Outcome::kIncomplete:
      log::Warn("the database check at start did not finish; starting on what it saw",
                {{"database", what},
                 {"budget_ms", budget_ms},
                 {"hint", "raise integrity.start_check_ms (0: no limit) to check all of it"}});
      return Status::Ok();
    case store::IntegrityReport::Outcome::kDamaged:
      break;
  }
  return Internal("the database " + what + " is damaged (" + report->problem +
                  "); workspaced will not use it: restore it from a backup "
                  "(docs/integrity.md)");
}

}  // namespace

StatusOr<std::unique_ptr<store::Store>> OpenStore(const Config& config, bool existing) {
  if (existing && config.database.empty()) {
    const std::filesystem::path file = std::filesystem::path(config.data_dir) / kDatabaseFile;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      return NotFound("no database at " + file.string() +
                      " (is --data-dir right? the server creates it when it first starts)");
  }
  WS_RETURN_IF_ERROR(EnsureDataDir(config.data_dir));
  const int budget_ms = config.integrity.start_check_ms;
  const Micros budget = Micros{budget_ms} * 1000;  // 0: no limit
  if (!config.database.empty()) {
    WS_ASSIGN_OR_RETURN(auto store, store::OpenPostgresStore(
                                        {.conninfo = config.database,
                                         .pool_size = config.database_pool,
                                         .prepared_statements = config.database_prepared_statements,
                                         .listen_conninfo = config.database_listen,
                                         .poll_interval_ms = config.database_poll_ms}));
    WS_RETURN_IF_ERROR(store->Migrate());
    WS_RETURN_IF_ERROR(
        RefuseDamaged(store->CheckIntegrity(budget), "on PostgreSQL (--database)", budget_ms));
    return store;
  }
  store::SqliteOptions options;
  options.path = (std::filesystem::path(config.data_dir) / kDatabaseFile).string();
  // Before anything opens the file to write (WAL set-up, migrations, the
  // bootstrap rows): a damaged file is left as it was found.
  WS_RETURN_IF_ERROR(
      RefuseDamaged(store::CheckSqliteFile(options.path, budget), options.path, budget_ms));
  WS_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(options));
  WS_RETURN_IF_ERROR(store->Migrate());
  return store;
}

StatusOr<std::unique_ptr<store::Store>> OpenStoreToRead(const Config& config) {
  if (!config.database.empty()) return OpenStore(config, /*existing=*/true);
  const std::string path = (std::filesystem::path(config.data_dir) / kDatabaseFile).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return NotFound("no database at " + path +
                    " (is --data-dir right? the server creates it when it first starts)");
  const int budget_ms = config.integrity.start_check_ms;
  WS_RETURN_IF_ERROR(
      RefuseDamaged(store::CheckSqliteFile(path, Micros{budget_ms} * 1000), path, budget_ms));
  const auto named = [&](const Status& s) {
    return Status(s.code(), "cannot read the database " + path + ": " + s.message());
  };
  auto store = store::OpenSqliteStore({.path = path, .readers = 1, .read_only = true});
  if (!store.ok()) return named(store.status());
  const StatusOr<int> version = (*store)->SchemaVersion();
  if (!version.ok()) return named(version.status());
  const int current = store::SqliteMigrations().back().version;
  if (*version != current)
    return Conflict("the database " + path + " has schema version " + std::to_string(*version) +
                    ", this binary reads " + std::to_string(current) +
                    ": run workspaced migrate on it first");
  return std::move(store).value();
}

namespace {

std::vector<std::string> TypesOf(const authz::Schema& schema) {
  std::vector<std::string> types;
  for (const auto& [name, unused] : schema.definitions) types.push_back(name);
  return types;
}

// A file the SpiceDB configuration names: a regular file of at most 1 MiB
// (common/regular_file.h: a FIFO or a device is refused, not waited on).
StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  StatusOr<RegularFile> file = ReadRegularFile(path, 1 << 20);
  if (!file.ok())
    return InvalidArgument("spicedb: cannot read the " + std::string(what) + ": " +
                           file.status().message());
  return std::move(file->contents);
}

// The platform's admins are configuration: make the relationships say so,
// adding the configured ones and removing those no longer configured.
// The platform admins as `admins` lists them; a change is audited
// (`platform.admins.set`, by the process: actor "workspaced").
Status SyncPlatformAdmins(store::Store& store, const Clock& clock,
                          const std::vector<std::string>& admins) {
  return store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const auto stored,
                        tx.ListRelationshipsForResource("platform", model::kPlatformId));
    std::vector<model::Relationship> want, gone;
    for (const auto& a : admins) want.push_back(model::PlatformAdmin(a));
    for (const auto& r : stored)
      if (std::find(want.begin(), want.end(), r) == want.end()) gone.push_back(r);
    std::erase_if(want, [&](const model::Relationship& r) {
      return std::find(stored.begin(), stored.end(), r) != stored.end();
    });
    if (gone.empty() && want.empty()) return Status::Ok();
    if (!gone.empty()) WS_RETURN_IF_ERROR(tx.DeleteRelationships(gone));
    if (!want.empty()) WS_RETURN_IF_ERROR(tx.TouchRelationships(want));
    boost::json::array added, removed;
    for (const auto& r : want) added.emplace_back(r.subject_id);
    for (const auto& r : gone) removed.emplace_back(r.subject_id);
    model::AuditEvent e;
    e.time = clock.Now();
    e.actor = "workspaced";
    e.actor_auth = "configuration";
    e.action = "platform.admins.set";
    e.target_type = "platform";
    e.target_id = model::kPlatformId;
    e.outcome = "success";
    e.details = boost::json::serialize(
        boost::json::object{{"added", std::move(added)}, {"removed", std::move(removed)}});
    return tx.AppendAudit(e);
  });
}

}  // namespace

StatusOr<std::unique_ptr<spicedb::Client>> ConnectSpiceDb(const SpiceDbConfig& config) {
  if (config.target != "embedded" && config.target != "grpc")
    return InvalidArgument("spicedb: no target configured");
  spicedb::TransportRequest request;
  request.target = config.target;
  request.library = config.library;
  request.endpoint = config.endpoint;
  request.tls = config.tls;
  if (!config.preshared_key_file.empty()) {
    WS_ASSIGN_OR_RETURN(request.preshared_key,
                        ReadFile(config.preshared_key_file, "preshared key"));
    while (!request.preshared_key.empty() &&
           std::isspace(static_cast<unsigned char>(request.preshared_key.back())))
      request.preshared_key.pop_back();
  }
  if (!config.ca_file.empty()) {
    WS_ASSIGN_OR_RETURN(request.ca_pem, ReadFile(config.ca_file, "CA bundle"));
  }
  return spicedb::OpenTransport(request);
}

std::vector<std::string> SpiceDbTypes() {
  auto schema = authz::ParseSchema(authz::EmbeddedSchemaText());
  return schema.ok() ? TypesOf(*schema) : std::vector<std::string>{};
}

domain::DataKeys::Loader KeyRingLoader(const Config& config, Random& random, const Clock& clock) {
  return [encryption = config.encryption, dir = config.data_dir, &random,
          &clock]() -> StatusOr<crypto::KeyRing> {
    if (encryption.keys.empty()) return crypto::KeyRing::InDirectory(dir, random, clock);
    return crypto::KeyRing::FromFiles({encryption.keys.begin(), encryption.keys.end()},
                                      encryption.active_key);
  };
}

StatusOr<std::unique_ptr<App>> App::Open(const Config& config, saga::Failpoints failpoints,
                                         std::unique_ptr<Clock> clock,
                                         std::unique_ptr<Random> random) {
  WS_RETURN_IF_ERROR(Validate(config));
  std::unique_ptr<App> app(new App());
  app->config_ = config;
  app->clock_ = clock ? std::move(clock) : std::make_unique<SystemClock>();
  app->random_ = random ? std::move(random) : NewSecureRandom();
  WS_ASSIGN_OR_RETURN(app->store_, OpenStore(config));

  auth::JwtOptions jwt;
  if (config.auth.dev_tokens) {
    WS_ASSIGN_OR_RETURN(jwt.dev_key, LoadOrCreateDevKey(config.data_dir, *app->random_));
  }
  jwt.jwks_path = config.auth.jwks_file;
  jwt.issuer = config.auth.issuer;
  jwt.audience = config.auth.audience;
  jwt.leeway_seconds = config.auth.leeway_seconds;
  jwt.max_lifetime_seconds = config.auth.max_token_lifetime_seconds;
  jwt.org_claim = config.auth.org_claim;
  WS_ASSIGN_OR_RETURN(app->authenticator_, auth::NewJwtAuthenticator(jwt, *app->clock_));
  StatusOr<authz::Schema> schema = authz::ParseSchema(authz::EmbeddedSchemaText());
  if (!schema.ok()) {
    return Status(schema.status().code(),
                  "authz/schema.zed cannot be used: " + schema.status().message());
  }
  const std::vector<std::string> schema_types = TypesOf(*schema);
  app->relationships_ = std::make_unique<authz::RelationshipIndex>();
  WS_RETURN_IF_ERROR(app->relationships_->Attach(*app->store_));
  app->authorizer_ = std::make_unique<authz::SchemaAuthorizer>(std::move(*schema),
                                                               *app->relationships_, *app->store_);

  if (config.spicedb.target != "none") {
    WS_ASSIGN_OR_RETURN(app->spicedb_, ConnectSpiceDb(config.spicedb));
    if (config.spicedb.target == "embedded") {
      // An in-memory engine starts empty: load it from the database.
      WS_RETURN_IF_ERROR(app->spicedb_->WriteSchema(authz::EmbeddedSchemaText()));
      WS_ASSIGN_OR_RETURN(const spicedb::ReconcileReport loaded,
                          spicedb::Reconcile(*app->store_, *app->spicedb_, schema_types));
      log::Info("spicedb: the embedded engine is loaded",
                {{"relationships", static_cast<std::int64_t>(loaded.added.size())}});
    }
    spicedb::RelayOptions relay;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    relay.owner =
        std::string(host) + ":" + std::to_string(::getpid()) + ":" + RandomHex(*app->random_, 8);
    relay.batch = config.spicedb.batch;
    relay.lease = Micros{config.spicedb.lease_ms} * 1000;
    relay.poll = Micros{config.spicedb.poll_ms} * 1000;
    relay.types = schema_types;
    app->relay_ =
        std::make_unique<spicedb::Relay>(relay, *app->store_, *app->spicedb_, *app->clock_,
                                         std::string(authz::EmbeddedSchemaText()));
  }
  spicedb::OutboxPrunerOptions pruning;
  pruning.retention = Micros{config.spicedb.outbox_retention_hours} * 3'600'000'000;
  pruning.interval = Micros{config.spicedb.outbox_prune_interval_ms} * 1000;
  pruning.delivered_only = config.spicedb.target != "none";
  app->outbox_pruner_ =
      std::make_unique<spicedb::OutboxPruner>(pruning, *app->store_, app->wall_clock_);
  store::Store* store = app->store_.get();
  const Clock* app_clock = app->clock_.get();
  app->metrics_.AddGauge("workspaced_spicedb_outbox_depth",
                         "Relationship changes not yet delivered to SpiceDB.", [store] {
                           std::int64_t depth = -1;
                           (void)store->Read([&](store::Tx& tx) -> Status {
                             WS_ASSIGN_OR_RETURN(depth, tx.OutboxDepth());
                             return Status::Ok();
                           });
                           return static_cast<double>(depth);
                         });
  app->metrics_.AddGauge(
      "workspaced_spicedb_outbox_oldest_age_seconds",
      "Age of the oldest relationship change not yet delivered to SpiceDB (0: none).",
      [store, app_clock] {
        std::optional<Micros> oldest;
        (void)store->Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(oldest, tx.OldestUndelivered());
          return Status::Ok();
        });
        if (!oldest) return 0.0;
        return std::max<double>(0, static_cast<double>(app_clock->Now() - *oldest) / 1e6);
      });

  WS_ASSIGN_OR_RETURN(model::Account account,
                      EnsureDefaultAccount(*app->store_, *app->clock_, *app->random_));
  app->default_account_id_ = account.id;
  WS_ASSIGN_OR_RETURN(app->cursor_key_, LoadOrCreateCursorKey(*app->store_, *app->random_));

  std::map<std::string, std::unique_ptr<dataplane::Dataplane>> cells;
  for (const auto& [region, conninfo] : config.cells)
    cells[region] = dataplane::NewPostgresDataplane(conninfo);
  app->dataplane_ = dataplane::NewRoutingDataplane(
      dataplane::NewSqliteDataplane(
          (std::filesystem::path(config.data_dir) / "dataplanes").string()),
      std::move(cells));
  app->readiness_ = std::make_unique<Readiness>(
      ReadinessOptions{.budget = Micros{config.integrity.readyz_check_ms} * 1000,
                       .interval = Micros{config.integrity.readyz_interval_ms} * 1000},
      *app->store_, *app->dataplane_, app->spicedb_.get(), *app->clock_);
  saga::EngineOptions engine;
  engine.workers =
      config.saga.workers > 0 ? config.saga.workers : (config.database.empty() ? 2 : 4);
  engine.lease = Micros{config.saga.lease_ms} * 1000;
  engine.max_attempts = config.saga.max_attempts;
  engine.backoff_initial = Micros{config.saga.backoff_initial_ms} * 1000;
  engine.backoff_max = Micros{config.saga.backoff_max_ms} * 1000;
  engine.poll = Micros{config.saga.poll_ms} * 1000;
  app->failpoints_ = failpoints;
  const saga::LifecycleOptions lifecycle{.retention =
                                             config.lifecycle.deletion_retention_s * 1'000'000};
  app->engine_ = std::make_unique<saga::Engine>(
      engine, *app->store_, saga::MakeSteps(*app->dataplane_, *app->store_, lifecycle),
      *app->clock_, *app->random_, std::move(failpoints));
  app->workspaces_ = std::make_unique<domain::Workspaces>(domain::WorkspaceDeps{
      *app->store_, *app->clock_, *app->random_, app->failpoints_, app->engine_.get()});
  app->members_ = std::make_unique<domain::Members>(*app->store_, *app->clock_);
  WS_ASSIGN_OR_RETURN(app->data_keys_,
                      domain::DataKeys::Open(KeyRingLoader(config, *app->random_, *app->clock_),
                                             *app->store_, *app->clock_, *app->random_));
  app->audit_group_ = std::make_unique<domain::AuditGroupCommit>(*app->store_, app->failpoints_);
  domain::AuditGroupCommit* group = app->audit_group_.get();
  app->metrics_.AddGauge("workspaced_log_lines_dropped",
                         "Log lines dropped since the start because stdout was not read fast "
                         "enough (the server never waits on it).",
                         [] { return static_cast<double>(log::DroppedLines()); });
  app->metrics_.AddGauge("workspaced_audit_group_commits",
                         "Group transactions run (committed or failed) for reveals' and "
                         "detokenizations' audit events.",
                         [group] { return static_cast<double>(group->commits()); });
  app->metrics_.AddGauge("workspaced_audit_group_events",
                         "Audit events those transactions recorded (events / commits: group size).",
                         [group] { return static_cast<double>(group->events()); });
  app->secrets_ = std::make_unique<domain::Secrets>(domain::SecretsDeps{
      *app->store_, *app->dataplane_, *app->data_keys_, *app->clock_, *app->random_,
      *app->audit_group_, app->failpoints_, config.secrets.max_versions});
  app->vault_ = std::make_unique<domain::Vault>(
      domain::VaultDeps{*app->store_, *app->dataplane_, *app->data_keys_, *app->clock_,
                        *app->random_, *app->audit_group_, app->failpoints_});
  app->accounts_ = std::make_unique<domain::Accounts>(*app->store_, *app->clock_, *app->random_);
  domain::DenialOptions denials;
  denials.window = Micros{config.audit.denial_window_s} * 1'000'000;
  denials.retention = Micros{config.audit.denial_retention_days} * 86'400'000'000;
  denials.keys_per_window = static_cast<std::size_t>(config.audit.denial_keys_per_window);
  denials.max_queued = static_cast<std::size_t>(config.audit.denial_queue);
  denials.chains_per_key = config.audit.denial_chains_per_key;
  app->denials_ = std::make_unique<domain::Denials>(denials, *app->store_, *app->clock_,
                                                    *app->random_, app->failpoints_);
  domain::Denials* counted = app->denials_.get();
  // Not how many were counted rather than chained: /metrics is public, and
  // that split says whether a refused id exists.
  app->metrics_.AddGauge("workspaced_audit_denials_recorded",
                         "Refused requests recorded since start (chained or counted).",
                         [counted] { return static_cast<double>(counted->recorded()); });
  app->metrics_.AddGauge(
      "workspaced_audit_denials_dropped",
      "Counted refusals lost since start: too many keys waited for a write that kept failing.",
      [counted] { return static_cast<double>(counted->dropped()); });
  app->metrics_.AddGauge("workspaced_audit_denials_pending",
                         "Denial counts (keys) waiting to be written to audit_denials.",
                         [counted] { return static_cast<double>(counted->pending()); });
  app->metrics_.AddGauge("workspaced_audit_denials_queued",
                         "Refusals answered and waiting to be chained as authz.denied events "
                         "(at most audit.denial_queue).",
                         [counted] { return static_cast<double>(counted->queued()); });
  app->metrics_.AddGauge(
      "workspaced_audit_denials_chain_dropped",
      "Refusals counted in audit_denials instead of chained since start: the queue was full.",
      [counted] { return static_cast<double>(counted->chain_dropped()); });
  app->quotas_ = std::make_unique<domain::Quotas>(*app->store_, *app->clock_, config.regions);
  return app;
}

void App::StrandReservation(StrandedReservation r) {
  std::lock_guard lock(stranded_mu_);
  if (stranded_.size() < 10'000) stranded_.push_back(std::move(r));
}

std::vector<App::StrandedReservation> App::TakeStrandedReservations() {
  std::lock_guard lock(stranded_mu_);
  return std::exchange(stranded_, {});
}

Status App::WritePlatformAdmins() {
  return SyncPlatformAdmins(*store_, *clock_, config_.platform_admins);
}

bool App::IsPlatformAdmin(const std::string& subject) const {
  // The database's platform:workspaced#admin relationships, as every check
  // reads them (not this process's configuration): the same on every
  // replica — the last to start wrote its list (SyncPlatformAdmins) — so a
  // list and a GET, or two replicas, never disagree. Unreadable: no.
  if (!relationships_->Refresh(*store_).ok()) return false;
  bool found = false;
  const Status s = relationships_->ForEachSubject(
      "platform", model::kPlatformId, "admin", [&](const authz::SubjectRef& r) {
        found = r.type == "user" && r.relation.empty() && r.id == subject;
        return !found;
      });
  return s.ok() && found;
}

}  // namespace workspaced::app
