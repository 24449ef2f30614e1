#include "store/pg_migrations.h"

#include <array>

namespace workspaced::store {
namespace {

// The same versions as sqlite_migrations.cc, in PostgreSQL's dialect: BIGINT
// for INTEGER, identity columns for AUTOINCREMENT, and every text column
// COLLATE "C", so that ids order bytewise as in SQLite (keyset pagination
// compares them), whatever the database's own collation.
constexpr char kInitialSchema[] = R"sql(
CREATE TABLE meta (
  key TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE accounts (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE account_members (
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  subject TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, subject)
);

CREATE TABLE workspaces (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
  name TEXT COLLATE "C" NOT NULL,
  slug TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  region TEXT COLLATE "C" NOT NULL,
  tenancy_model TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  created_by TEXT COLLATE "C" NOT NULL,
  updated_by TEXT COLLATE "C" NOT NULL,
  labels TEXT COLLATE "C" NOT NULL,  -- JSON object of string values
  -- JSON array of {"group_name","role"} in the caller's order: what reads
  -- return. workspace_group_mappings below indexes the same data by group.
  group_mappings TEXT COLLATE "C" NOT NULL,
  runtime_generation TEXT COLLATE "C" NOT NULL,
  status_reason TEXT COLLATE "C" NOT NULL,
  phase TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  UNIQUE (account_id, slug)
);
-- ListWorkspacesByAccount: WHERE account_id = ? AND id > ? ORDER BY id.
CREATE INDEX workspaces_by_account ON workspaces (account_id, id);

-- Mirrors Workspace::group_mappings; position keeps the caller's order.
CREATE TABLE workspace_group_mappings (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  group_name TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  position BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, group_name)
);
-- ListWorkspacesForSubject: group name → workspace ids, in id order.
CREATE INDEX workspace_group_mappings_by_group
  ON workspace_group_mappings (group_name, workspace_id);

CREATE TABLE environments (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (workspace_id, name)
);

CREATE TABLE workspace_members (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subject TEXT COLLATE "C" NOT NULL,
  role TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, subject)
);
-- ListWorkspacesForSubject: subject → workspace ids, in id order.
CREATE INDEX workspace_members_by_subject ON workspace_members (subject, workspace_id);
)sql";

constexpr char kProvisioning[] = R"sql(
CREATE TABLE provisioning_runs (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id),
  state TEXT COLLATE "C" NOT NULL,
  current_step BIGINT NOT NULL,
  created_by TEXT COLLATE "C" NOT NULL,
  retry_of TEXT COLLATE "C" NOT NULL,
  error TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT COLLATE "C" NOT NULL,
  lease_expires_at BIGINT NOT NULL,
  lease_version BIGINT NOT NULL
);
-- ListClaimableRuns / NextRunWakeup look only at unfinished runs, however
-- many finished ones there are.
CREATE INDEX provisioning_runs_due ON provisioning_runs (next_attempt_at)
  WHERE state IN ('pending', 'running', 'compensating');
-- LatestRunForWorkspace.
CREATE INDEX provisioning_runs_by_workspace ON provisioning_runs (workspace_id, id);

CREATE TABLE provisioning_steps (
  run_id TEXT COLLATE "C" NOT NULL REFERENCES provisioning_runs(id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  state TEXT COLLATE "C" NOT NULL,
  attempts BIGINT NOT NULL,
  last_error TEXT COLLATE "C" NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT NOT NULL,
  PRIMARY KEY (run_id, position)
);

CREATE TABLE idempotency_keys (
  subject TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL,
  completed BIGINT NOT NULL,
  status BIGINT NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  location TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (subject, key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- resource#relation@subject[#subject_relation], as SpiceDB writes them.
CREATE TABLE relationships (
  resource_type TEXT COLLATE "C" NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  relation TEXT COLLATE "C" NOT NULL,
  subject_type TEXT COLLATE "C" NOT NULL,
  subject_id TEXT COLLATE "C" NOT NULL,
  subject_relation TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation)
);
CREATE INDEX relationships_by_subject ON relationships (subject_type, subject_id);

-- Every relationship change, in commit order, until delivered to SpiceDB.
CREATE TABLE relationship_outbox (
  seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  op TEXT COLLATE "C" NOT NULL,  -- touch | delete
  resource_type TEXT COLLATE "C" NOT NULL,
  resource_id TEXT COLLATE "C" NOT NULL,
  relation TEXT COLLATE "C" NOT NULL,
  subject_type TEXT COLLATE "C" NOT NULL,
  subject_id TEXT COLLATE "C" NOT NULL,
  subject_relation TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT
);
CREATE INDEX relationship_outbox_pending ON relationship_outbox (seq) WHERE delivered_at IS NULL;

CREATE TABLE audit_events (
  seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  time BIGINT NOT NULL,
  actor TEXT COLLATE "C" NOT NULL,
  actor_auth TEXT COLLATE "C" NOT NULL,
  action TEXT COLLATE "C" NOT NULL,
  target_type TEXT COLLATE "C" NOT NULL,
  target_id TEXT COLLATE "C" NOT NULL,
  workspace_id TEXT COLLATE "C" NOT NULL,
  outcome TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  source_ip TEXT COLLATE "C" NOT NULL,
  user_agent TEXT COLLATE "C" NOT NULL,
  details TEXT COLLATE "C" NOT NULL,
  -- The hash chain (src/audit/chain.h): one chain per workspace_id.
  prev_hash TEXT COLLATE "C" NOT NULL,
  hash TEXT COLLATE "C" NOT NULL
);
-- A workspace's events newest first, whole or by action or by actor: each an
-- index walk from the cursor, whatever the table's size.
CREATE INDEX audit_events_by_workspace ON audit_events (workspace_id, seq);
CREATE INDEX audit_events_by_action ON audit_events (workspace_id, action, seq);
CREATE INDEX audit_events_by_actor ON audit_events (workspace_id, actor, seq);
-- The newest event of each chain, so that removing it is detected too.
CREATE TABLE audit_chain_heads (
  scope TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT COLLATE "C" NOT NULL
);
)sql";

constexpr char kFreeze[] = R"sql(
ALTER TABLE workspaces ADD COLUMN frozen_by TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE workspaces ADD COLUMN frozen_at BIGINT NOT NULL DEFAULT 0;
)sql";

// On PostgreSQL there is no earlier data to derive from unless this backend
// was migrated with data already in it; the statement is the same idea.
constexpr char kDerivedRelationships[] = R"sql(
INSERT INTO relationships (resource_type, resource_id, relation, subject_type, subject_id,
                           subject_relation)
  SELECT 'account', id, 'platform', 'platform', 'workspaced', '' FROM accounts
  UNION SELECT 'account', account_id, role, 'user', subject, '' FROM account_members
  UNION SELECT 'workspace', id, 'account', 'account', account_id, '' FROM workspaces
  UNION SELECT 'workspace', workspace_id, role, 'user', subject, '' FROM workspace_members
  UNION SELECT 'environment', e.id, 'workspace', 'workspace', e.workspace_id, ''
        FROM environments e JOIN workspaces w ON w.id = e.workspace_id
        WHERE w.phase IN ('workspace_configured', 'ready')
  UNION SELECT 'workspace', g.workspace_id, g.role, 'group', g.group_name, 'member'
        FROM workspace_group_mappings g JOIN workspaces w ON w.id = g.workspace_id
        WHERE w.phase IN ('workspace_configured', 'ready')
  ON CONFLICT DO NOTHING;
INSERT INTO relationship_outbox (op, resource_type, resource_id, relation, subject_type,
                                 subject_id, subject_relation, created_at)
  SELECT 'touch', resource_type, resource_id, relation, subject_type, subject_id,
         subject_relation, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
  FROM relationships ORDER BY resource_type, resource_id, relation, subject_type, subject_id,
                              subject_relation;
)sql";

constexpr char kLeases[] = R"sql(
CREATE TABLE leases (
  name TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  owner TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL,
  fence BIGINT NOT NULL
);
)sql";

// Listings read each workspace's stamp (store.h WorkspaceStamp) from this
// index alone, without a visit to the row: 1.6x the 100-item list.
constexpr char kWorkspaceStamps[] = R"sql(
CREATE INDEX workspaces_stamp ON workspaces (id) INCLUDE (version, updated_at);
)sql";

// Identities per issuer (model/identity.h): the identity providers each
// account trusts; existing accounts keep trusting the dev issuer, whose users
// and groups keep their bare names.
constexpr char kTrustedIssuers[] = R"sql(
ALTER TABLE accounts ADD COLUMN trusted_issuers TEXT COLLATE "C" NOT NULL
  DEFAULT '[{"issuer":"workspaced-dev","org":""}]';
)sql";

// Denial counts and run error codes (sqlite_migrations.cc explains).
constexpr char kDenialCounts[] = R"sql(
CREATE TABLE audit_denials (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  window_start BIGINT NOT NULL,
  window_end BIGINT NOT NULL,
  source_ip TEXT COLLATE "C" NOT NULL,
  subject TEXT COLLATE "C" NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT COLLATE "C" NOT NULL,
  route TEXT COLLATE "C" NOT NULL,
  count BIGINT NOT NULL,
  first_at BIGINT NOT NULL,
  last_at BIGINT NOT NULL,
  user_agent TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX audit_denials_key ON audit_denials
  (window_start, source_ip, subject, status, reason, route);
ALTER TABLE provisioning_runs ADD COLUMN error_code TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE provisioning_steps ADD COLUMN last_error_code TEXT COLLATE "C" NOT NULL DEFAULT '';
)sql";

// Issue 15: quotas per account (domain/quotas.h). A NULL limit, like an
// account without a row, is unlimited.
constexpr char kAccountQuotas[] = R"sql(
CREATE TABLE account_quotas (
  account_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  max_workspaces BIGINT,
  max_members_per_workspace BIGINT,
  allowed_regions TEXT COLLATE "C",  -- JSON array of region names
  updated_at BIGINT NOT NULL,
  updated_by TEXT COLLATE "C" NOT NULL
);
)sql";

// Issue 15: deletion protection (0 or 1, as on SQLite, so both share the
// SQL that reads and writes it).
constexpr char kDeletionProtection[] = R"sql(
ALTER TABLE workspaces ADD COLUMN deletion_protection BIGINT NOT NULL DEFAULT 0
  CHECK (deletion_protection IN (0, 1));
)sql";

// Issue 15: every long-running change is an operation, a run of the saga
// engine of one kind (docs/lifecycle.md); runs made before are creates, or
// retries where they name the run they retry.
constexpr char kOperationKinds[] = R"sql(
ALTER TABLE provisioning_runs ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'create';
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
  workspace_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  wrapped TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  rewrapped_at BIGINT NOT NULL
);
CREATE TABLE pillar_operations (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  workspace_id TEXT COLLATE "C" NOT NULL,
  committed BIGINT NOT NULL CHECK (committed IN (0, 1)),
  created_at BIGINT NOT NULL
);
CREATE INDEX pillar_operations_created ON pillar_operations (created_at);
)sql";

// Issue 18 (secrets, finished): pillar items counted by quotas. One row per
// item a pillar holds that a quota limits (a secret's name; later a vault
// record), written in the transaction that commits the pillar write
// (domain/secrets.cc step 2), so counts are exact under concurrent writers.
// The limit per workspace is a column of account_quotas, as the others are.
constexpr char kPillarQuotas[] = R"sql(
CREATE TABLE pillar_items (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  pillar TEXT COLLATE "C" NOT NULL,
  item TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (workspace_id, pillar, item)
);
ALTER TABLE account_quotas ADD COLUMN max_secrets_per_workspace BIGINT;
CREATE INDEX pillar_operations_workspace ON pillar_operations (workspace_id, created_at);
)sql";

// Issue 18 (the data vault, finished): vault records counted by quotas, as
// secrets are (pillar_items, pillar "vault_record"); the limit per workspace.
constexpr char kVaultQuota[] = R"sql(
ALTER TABLE account_quotas ADD COLUMN max_vault_records_per_workspace BIGINT;
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
ALTER TABLE idempotency_keys ADD COLUMN workspace_id TEXT COLLATE "C" NOT NULL DEFAULT '';
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
  SELECT 'accounts_created_unaudited', COALESCE(string_agg(id, ',' ORDER BY id), '') FROM accounts a
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
ALTER TABLE pillar_items ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pillar_items ADD COLUMN held INTEGER NOT NULL DEFAULT 1 CHECK (held IN (0, 1));
)sql";

// How many items of each pillar a workspace holds (pillar_items whose
// decision holds them), kept by the database itself: a trigger on
// pillar_items moves the count in the transaction that writes the item,
// whichever binary writes it (a replica of the release before this one,
// still running during a rolling upgrade, writes items and knows nothing of
// counts). A quota's check, safe delete's count and GET …/quotas read one
// row per workspace instead of counting its items (linear: 5 to 10 ms at
// 17,000). The trigger is made before the backfill, in the same
// transaction: it locks pillar_items against writers (SHARE ROW
// EXCLUSIVE) until the migration commits, and the backfill's statement
// sees every write committed before it. Both moves are upserts: a writer
// whose snapshot predates the backfill (queued on that lock) conflicts
// with the count row it cannot see and runs again, where an UPDATE would
// have matched nothing and lost its decrement (outside audit). The purge
// (workspaced.uncounted set in its transaction) deletes the items without
// counting, then the counts: one count row updated once per item in one
// transaction costs more than linearly.
constexpr char kPillarCounts[] = R"sql(
CREATE TABLE pillar_counts (
  workspace_id TEXT COLLATE "C" NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  pillar TEXT COLLATE "C" NOT NULL,
  items BIGINT NOT NULL CHECK (items >= 0),
  PRIMARY KEY (workspace_id, pillar)
);
CREATE FUNCTION pillar_items_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before_held INTEGER := 0;
  after_held INTEGER := 0;
  ws TEXT;
  kind TEXT;
BEGIN
  IF current_setting('workspaced.uncounted', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    before_held := OLD.held;
    ws := OLD.workspace_id;
    kind := OLD.pillar;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    after_held := NEW.held;
    ws := NEW.workspace_id;
    kind := NEW.pillar;
  END IF;
  IF after_held > before_held THEN
    INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (ws, kind, 1)
      ON CONFLICT (workspace_id, pillar) DO UPDATE SET items = pillar_counts.items + 1;
  ELSIF after_held < before_held THEN
    INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES (ws, kind, 0)
      ON CONFLICT (workspace_id, pillar) DO UPDATE SET items = GREATEST(pillar_counts.items - 1, 0);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER pillar_items_counted AFTER INSERT OR UPDATE OR DELETE ON pillar_items
  FOR EACH ROW EXECUTE FUNCTION pillar_items_counted();
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

std::span<const Migration> PgMigrations() { return kMigrations; }

}  // namespace workspaced::store
