// PostgreSQL's schema: the same versions as SQLite's (sqlite_migrations.h),
// in its dialect.
#pragma once

#include <span>

#include "store/sqlite_migrations.h"

namespace workspaced::store {

std::span<const Migration> PgMigrations();

inline constexpr char kPgCreateSchemaMigrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

}  // namespace workspaced::store
