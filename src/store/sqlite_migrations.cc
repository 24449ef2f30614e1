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

constexpr std::array kMigrations{
    Migration{1, "initial schema", kInitialSchema},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace workspaced::store
