// Direct looks into (and, for tamper tests, edits of) the database a test
// server runs on, whichever backend that is: the SQLite file in its data
// directory, or the PostgreSQL schema BlackboxDatabase() gave it. For what
// the API does not show, such as relationship and outbox rows.
#pragma once

#include <string>

namespace workspaced::testing {

// The first column of the first row of `sql`, as a number. Throws when the
// query fails or returns no row.
long long QueryNumber(const std::string& data_dir, const std::string& sql);

// The first column of the first row of `sql`, as text. Throws when the
// query fails or returns no row.
std::string QueryText(const std::string& data_dir, const std::string& sql);

// Runs one statement that returns no rows. Throws when it fails.
void ExecSql(const std::string& data_dir, const std::string& sql);

// The bytes the database of the data directory takes: the SQLite file and
// its WAL, or on PostgreSQL every table of its schema with indexes and
// TOAST (pg_total_relation_size).
long long DatabaseBytes(const std::string& data_dir);

// An SQL expression for the text of `key` in the JSON held by `column`, in the
// dialect of the data directory's database.
std::string SqlJsonField(const std::string& data_dir, const std::string& column,
                         const std::string& key);

}  // namespace workspaced::testing
