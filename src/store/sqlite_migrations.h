// The SQLite schema as an ordered list of versioned migrations. A released
// migration is never edited: change the schema by appending a new one.
//
// Thread-safety: immutable data.
#pragma once

#include <span>

namespace workspaced::store {

struct Migration {
  int version;       // strictly increasing, from 1
  const char* name;  // recorded in schema_migrations
  const char* sql;   // one or more statements, run in one transaction
};

std::span<const Migration> SqliteMigrations();

// Bookkeeping that exists before any migration: which versions are applied.
inline constexpr char kCreateSchemaMigrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at INTEGER NOT NULL"  // microseconds since the Unix epoch
    ") STRICT";

}  // namespace workspaced::store
