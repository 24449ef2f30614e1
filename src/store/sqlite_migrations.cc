#include "store/sqlite_migrations.h"

#include <array>

namespace workspaced::store {
namespace {

// Conventions: ids are UUIDv7 text (lexical order = creation order); times are
// INTEGER microseconds since the Unix epoch; enums are their model::ToString
// names; STRICT tables reject values of the wrong type. Composite-key tables
// are WITHOUT ROWID: the primary key is then the only b-tree.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE accounts (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE account_members (
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE workspaces (
  id TEXT NOT NULL PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  status TEXT NOT NULL,
  region TEXT NOT NULL,
  tenancy_model TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  labels TEXT NOT NULL,  -- JSON object of string values
  -- JSON array of {"group_name","role"} in the caller's order: what reads
  -- return. workspace_group_mappings below indexes the same data by group.
  group_mappings TEXT NOT NULL,
  runtime_generation TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  phase TEXT NOT NULL,
  version INTEGER NOT NULL,
  UNIQUE (account_id, slug)
) STRICT;
-- ListWorkspacesByAccount: WHERE account_id = ? AND id > ? ORDER BY id.
CREATE INDEX workspaces_by_account ON workspaces (account_id, id);

-- Mirrors Workspace::group_mappings; position keeps the caller's order.
CREATE TABLE workspace_group_mappings (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  group_name TEXT NOT NULL,
  role TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, group_name)
) STRICT, WITHOUT ROWID;
-- ListWorkspacesForSubject: group name → workspace ids, in id order.
CREATE INDEX workspace_group_mappings_by_group
  ON workspace_group_mappings (group_name, workspace_id);

CREATE TABLE environments (
  id TEXT NOT NULL PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (workspace_id, name)
) STRICT;

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, subject)
) STRICT, WITHOUT ROWID;
-- ListWorkspacesForSubject: subject → workspace ids, in id order.
CREATE INDEX workspace_members_by_subject ON workspace_members (subject, workspace_id);
)sql";

// Issue 4: the provisioning saga's runs, Idempotency-Key records, the
// authorization relationships with their outbox to SpiceDB, and the audit log.
constexpr char kProvisioning[] = R"sql(
CREATE TABLE provisioning_runs (
  id TEXT NOT NULL PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  state TEXT NOT NULL,
  current_step INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  retry_of TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  lease_version INTEGER NOT NULL
) STRICT;
-- ListClaimableRuns / NextRunWakeup look only at unfinished runs, however
-- many finished ones there are.
CREATE INDEX provisioning_runs_due ON provisioning_runs (next_attempt_at)
  WHERE state IN ('pending', 'running', 'compensating');
-- LatestRunForWorkspace.
CREATE INDEX provisioning_runs_by_workspace ON provisioning_runs (workspace_id, id);

CREATE TABLE provisioning_steps (
  run_id TEXT NOT NULL REFERENCES provisioning_runs(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  subject TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  completed INTEGER NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  location TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (subject, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- resource#relation@subject[#subject_relation], as SpiceDB writes them.
CREATE TABLE relationships (
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_relation TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation)
) STRICT, WITHOUT ROWID;
CREATE INDEX relationships_by_subject ON relationships (subject_type, subject_id);

-- Every relationship change, in commit order, until delivered to SpiceDB.
CREATE TABLE relationship_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op TEXT NOT NULL,  -- touch | delete
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_relation TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
) STRICT;
CREATE INDEX relationship_outbox_pending ON relationship_outbox (seq) WHERE delivered_at IS NULL;

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  actor_auth TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  details TEXT NOT NULL,
  -- The hash chain (src/audit/chain.h): one chain per workspace_id.
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
-- A workspace's events newest first, whole or by action or by actor: each an
-- index walk from the cursor, whatever the table's size.
CREATE INDEX audit_events_by_workspace ON audit_events (workspace_id, seq);
CREATE INDEX audit_events_by_action ON audit_events (workspace_id, action, seq);
CREATE INDEX audit_events_by_actor ON audit_events (workspace_id, actor, seq);
-- The newest event of each chain, so that removing it is detected too.
CREATE TABLE audit_chain_heads (
  scope TEXT NOT NULL PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Issue 6: who froze a workspace and when (the reason is status_reason).
constexpr char kFreeze[] = R"sql(
ALTER TABLE workspaces ADD COLUMN frozen_by TEXT NOT NULL DEFAULT '';
ALTER TABLE workspaces ADD COLUMN frozen_at INTEGER NOT NULL DEFAULT 0;
)sql";

// Issue 5: the relationships the data implies (model/relationships.h), for
// data written before the store derived them: accounts on the platform,
// account and workspace memberships, workspaces' accounts, and for
// workspaces past write_relationships their environments and group
// mappings. Each is also queued for SpiceDB.
constexpr char kDerivedRelationships[] = R"sql(
CREATE TEMP TABLE derived AS
  SELECT 'account' AS rt, id AS ri, 'platform' AS rel, 'platform' AS st, 'workspaced' AS si,
         '' AS sr FROM accounts
  UNION SELECT 'account', account_id, role, 'user', subject, '' FROM account_members
  UNION SELECT 'workspace', id, 'account', 'account', account_id, '' FROM workspaces
  UNION SELECT 'workspace', workspace_id, role, 'user', subject, '' FROM workspace_members
  UNION SELECT 'environment', e.id, 'workspace', 'workspace', e.workspace_id, ''
        FROM environments e JOIN workspaces w ON w.id = e.workspace_id
        WHERE w.phase IN ('workspace_configured', 'ready')
  UNION SELECT 'workspace', g.workspace_id, g.role, 'group', g.group_name, 'member'
        FROM workspace_group_mappings g JOIN workspaces w ON w.id = g.workspace_id
        WHERE w.phase IN ('workspace_configured', 'ready');
INSERT INTO relationship_outbox (op, resource_type, resource_id, relation, subject_type,
                                 subject_id, subject_relation, created_at)
  SELECT 'touch', rt, ri, rel, st, si, sr,
         CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)
  FROM derived d WHERE NOT EXISTS (
    SELECT 1 FROM relationships r WHERE r.resource_type = d.rt AND r.resource_id = d.ri AND
      r.relation = d.rel AND r.subject_type = d.st AND r.subject_id = d.si AND
      r.subject_relation = d.sr);
INSERT OR IGNORE INTO relationships (resource_type, resource_id, relation, subject_type,
                                     subject_id, subject_relation)
  SELECT rt, ri, rel, st, si, sr FROM derived;
DROP TABLE derived;
)sql";

// Issue 5: named leases (one outbox relay at a time across processes).
constexpr char kLeases[] = R"sql(
CREATE TABLE leases (
  name TEXT NOT NULL PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  fence INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Listings read each workspace's stamp (store.h WorkspaceStamp) from this
// index alone, without a visit to the row: 1.6x the 100-item list.
constexpr char kWorkspaceStamps[] = R"sql(
CREATE INDEX workspaces_stamp ON workspaces (id, version, updated_at);
)sql";

// Identities per issuer (model/identity.h): the identity providers each
// account trusts; existing accounts keep trusting the dev issuer, whose users
// and groups keep their bare names.
constexpr char kTrustedIssuers[] = R"sql(
ALTER TABLE accounts ADD COLUMN trusted_issuers TEXT NOT NULL
  DEFAULT '[{"issuer":"workspaced-dev","org":""}]';
)sql";

// Issue 14: refused requests that no one can be held to account for — no
// valid token, or an object that does not exist — are counted rather than
// chained one by one: a row per (window, source, subject, status, reason,
// route template) whose count is raised in place, flushed in batches
// (domain/denials.h). Every text is bounded by the writer. And a failed
// run's public reason gets its stable code (common/public_error.h).
constexpr char kDenialCounts[] = R"sql(
CREATE TABLE audit_denials (
  id TEXT NOT NULL PRIMARY KEY,
  window_start INTEGER NOT NULL,
  window_end INTEGER NOT NULL,
  source_ip TEXT NOT NULL,
  subject TEXT NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  route TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  user_agent TEXT NOT NULL,
  request_id TEXT NOT NULL
) STRICT, WITHOUT ROWID;
-- The key counts are added to; its first column also serves pruning.
CREATE UNIQUE INDEX audit_denials_key ON audit_denials
  (window_start, source_ip, subject, status, reason, route);
ALTER TABLE provisioning_runs ADD COLUMN error_code TEXT NOT NULL DEFAULT '';
ALTER TABLE provisioning_steps ADD COLUMN last_error_code TEXT NOT NULL DEFAULT '';
)sql";

// Issue 15: quotas per account (domain/quotas.h). A NULL limit, like an
// account without a row, is unlimited.
constexpr char kAccountQuotas[] = R"sql(
CREATE TABLE account_quotas (
  account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  max_workspaces INTEGER,
  max_members_per_workspace INTEGER,
  allowed_regions TEXT,  -- JSON array of region names
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Issue 15: deletion protection, a flag a workspace's admins set and clear
// (PATCH /v1/workspaces/{id}); while set, a delete is refused. Numbered 10:
// 8 and 9 are taken by work merged beside it.
constexpr char kDeletionProtection[] = R"sql(
ALTER TABLE workspaces ADD COLUMN deletion_protection INTEGER NOT NULL DEFAULT 0
  CHECK (deletion_protection IN (0, 1));
)sql";

// Issue 15: every long-running change is an operation, a run of the saga
// engine of one kind (docs/lifecycle.md); runs made before are creates, or
// retries where they name the run they retry.
constexpr char kOperationKinds[] = R"sql(
ALTER TABLE provisioning_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'create';
UPDATE provisioning_runs SET kind = 'retry' WHERE retry_of <> '';
)sql";

// Issue 16: the /v0 surface finds a workspace by its name, which is its
// slug in any account (docs/blaxel.md): one index lookup, not a scan. Numbered
// 13: 11 and 12 are taken by work beside it.
constexpr char kSlugIndex[] = R"sql(
CREATE INDEX workspaces_by_slug ON workspaces (slug);
)sql";

// Issue 18: the pillar pattern (docs/pillars.md). Each workspace's data key,
// only wrapped by a key-encryption key (crypto/keyring.h), is kept here in
// the control plane, beside the workspace row: rotation rewraps them all in
// one database, and the purge shreds the key in the transaction that removes
// the workspace. pillar_operations records each pillar write's outcome by
// operation id: its dataplane row, written first as pending, is committed
// when the id is here as committed and removed when it is here as aborted.
constexpr char kPillars[] = R"sql(
CREATE TABLE workspace_data_keys (
  workspace_id TEXT NOT NULL PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  wrapped TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  rewrapped_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE pillar_operations (
  id TEXT NOT NULL PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  committed INTEGER NOT NULL CHECK (committed IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX pillar_operations_created ON pillar_operations (created_at);
)sql";

// Issue 18 (secrets, finished): pillar items counted by quotas. One row per
// item a pillar holds that a quota limits (a secret's name; later a vault
// record), written in the transaction that commits the pillar write
// (domain/secrets.cc step 2), so counts are exact under concurrent writers.
// The limit per workspace is a column of account_quotas, as the others are.
constexpr char kPillarQuotas[] = R"sql(
CREATE TABLE pillar_items (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  pillar TEXT NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (workspace_id, pillar, item)
) STRICT, WITHOUT ROWID;
ALTER TABLE account_quotas ADD COLUMN max_secrets_per_workspace INTEGER;
CREATE INDEX pillar_operations_workspace ON pillar_operations (workspace_id, created_at);
)sql";

// Issue 18 (the data vault, finished): vault records counted by quotas, as
// secrets are (pillar_items, pillar "vault_record"); the limit per workspace.
constexpr char kVaultQuota[] = R"sql(
ALTER TABLE account_quotas ADD COLUMN max_vault_records_per_workspace INTEGER;
)sql";

// Issue 19 (PostgreSQL at scale): a worker claims the first due run in one
// statement (ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED);
// with the id in the index it is read in order, not sorted (on
// PostgreSQL, 214 -> 37 ms of statement time for 1000 creates).
constexpr char kDueRunsInOrder[] = R"sql(
DROP INDEX provisioning_runs_due;
CREATE INDEX provisioning_runs_due ON provisioning_runs (next_attempt_at, id)
  WHERE state IN ('pending', 'running', 'compensating');
)sql";

// The purge removes a pillar's data (docs/lifecycle.md): an idempotent
// answer names the workspace it belongs to, so that the purge removes the
// answers of that workspace's requests with its data (a vault record's
// answer holds its tokens and masks). '' for answers of no workspace (an
// account's creation) and for answers stored before this column (never
// replayed after 24 hours; cleared as new keys are reserved).
constexpr char kIdempotencyWorkspaces[] = R"sql(
ALTER TABLE idempotency_keys ADD COLUMN workspace_id TEXT NOT NULL DEFAULT '';
CREATE INDEX idempotency_keys_by_workspace ON idempotency_keys (workspace_id)
  WHERE workspace_id <> '';
)sql";

// `audit verify` expects an account.create event, in the chain of events
// without a workspace, for every account: deleting that whole chain is then
// detected. The accounts made before the default account's creation was
// audited (the default account of a data directory older than this) are
// recorded here once, as the accounts that have none.
constexpr char kAccountsOnRecord[] = R"sql(
INSERT INTO meta (key, value)
  SELECT 'accounts_created_unaudited', COALESCE(group_concat(id, ','), '') FROM accounts a
  WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.workspace_id = ''
                    AND e.action = 'account.create' AND e.target_id = a.id);
)sql";

// Issue 18 (outside audit): a secret's DELETE and a PUT of the same name
// numbered after its tombstone commit their control-plane transactions in
// either order; removing the name's item whatever the order let the PUT's
// surviving version go uncounted (safe delete and the quota missed it).
// Each item now remembers the version that last decided it, and whether
// that decision holds it: a decision of a lower version than the one
// recorded changes nothing (a tombstone destroys only lower versions).
constexpr char kPillarItemVersions[] = R"sql(
ALTER TABLE pillar_items ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pillar_items ADD COLUMN held INTEGER NOT NULL DEFAULT 1 CHECK (held IN (0, 1));
)sql";

// How many items of each pillar a workspace holds (pillar_items whose
// decision holds them), kept by the database itself: triggers on
// pillar_items move the count in the transaction that writes the item,
// whichever binary writes it (one of the release before, still running
// during an upgrade, writes items and knows nothing of counts; an upsert's
// DO UPDATE fires the UPDATE trigger). A quota's check, safe delete's count
// and GET …/quotas read one row per workspace instead of counting its
// items (linear: 5 to 10 ms at 17,000). A count never goes below 0; a
// decrement is an upsert, as on PostgreSQL (pg_migrations.cc says why).
constexpr char kPillarCounts[] = R"sql(
CREATE TABLE pillar_counts (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  pillar TEXT NOT NULL,
  items INTEGER NOT NULL CHECK (items >= 0),
  PRIMARY KEY (workspace_id, pillar)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER pillar_items_counted_insert AFTER INSERT ON pillar_items WHEN NEW.held = 1
BEGIN
  INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (NEW.workspace_id, NEW.pillar, 1)
    ON CONFLICT (workspace_id, pillar) DO UPDATE SET items = pillar_counts.items + 1;
END;
CREATE TRIGGER pillar_items_counted_update AFTER UPDATE OF held ON pillar_items
  WHEN NEW.held <> OLD.held
BEGIN
  INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (NEW.workspace_id, NEW.pillar, NEW.held)
    ON CONFLICT (workspace_id, pillar) DO UPDATE
    SET items = MAX(pillar_counts.items + NEW.held - OLD.held, 0);
END;
CREATE TRIGGER pillar_items_counted_delete AFTER DELETE ON pillar_items WHEN OLD.held = 1
BEGIN
  INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (OLD.workspace_id, OLD.pillar, 0)
    ON CONFLICT (workspace_id, pillar) DO UPDATE SET items = MAX(pillar_counts.items - 1, 0);
END;
INSERT INTO pillar_counts (workspace_id, pillar, items)
  SELECT workspace_id, pillar, COUNT(*) FROM pillar_items WHERE held = 1
  GROUP BY workspace_id, pillar;
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema", kInitialSchema},
    Migration{2, "provisioning, idempotency, relationships, audit", kProvisioning},
    Migration{3, "who froze a workspace", kFreeze},
    Migration{4, "relationships derived from existing data", kDerivedRelationships},
    Migration{5, "named leases", kLeases},
    Migration{6, "workspace stamps for listings", kWorkspaceStamps},
    Migration{7, "issuers each account trusts", kTrustedIssuers},
    Migration{8, "denial counts; public error codes of runs", kDenialCounts},
    Migration{9, "quotas per account", kAccountQuotas},
    Migration{10, "deletion protection", kDeletionProtection},
    Migration{11, "operation kinds", kOperationKinds},
    Migration{13, "workspaces by name for /v0", kSlugIndex},
    Migration{14, "pillar data keys and operations", kPillars},
    Migration{16, "pillar items counted by quotas", kPillarQuotas},
    Migration{17, "vault records counted by quotas", kVaultQuota},
    Migration{18, "due runs in claim order", kDueRunsInOrder},
    Migration{19, "idempotent answers by workspace", kIdempotencyWorkspaces},
    Migration{20, "accounts whose creation is not on record", kAccountsOnRecord},
    Migration{21, "pillar items decided by version", kPillarItemVersions},
    Migration{22, "pillar items counted per workspace", kPillarCounts},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace workspaced::store
