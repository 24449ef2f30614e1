// Files only this user may read: databases and their WAL/SHM (SQLite gives
// those the database file's mode), dataplane stores.
#pragma once

#include <string>

#include "common/status.h"

namespace workspaced {

// Creates `path` with mode 0600 when it does not exist, and narrows an
// existing one to 0600 (an older install's 0644). Call before SQLite opens
// it. Fails (kInternal) when the file cannot be created or changed.
[[nodiscard]] Status MakePrivateFile(const std::string& path);

// Creates the directory `path` (and its parents) and narrows it to 0700.
[[nodiscard]] Status MakePrivateDirectory(const std::string& path);

}  // namespace workspaced
