// Files only this user may read: databases and their WAL/SHM (SQLite gives
// those the database file's mode), dataplane stores.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace workspaced {

// Creates `path` with mode 0600 when it does not exist, and narrows an
// existing one to 0600 (an older install's 0644). Call before SQLite opens
// it. Fails (kInternal) when the file cannot be created or changed.
[[nodiscard]] Status MakePrivateFile(const std::string& path);

// Creates `path` (mode 0600) holding `contents`, whole or not at all: written
// to a private temporary name (O_EXCL|O_NOFOLLOW: never through a planted
// file or symlink), made durable, linked into place, and the directory
// synced. Never replaces a file: kConflict when `path` exists (a racing
// creator won). For keys.
[[nodiscard]] Status CreatePrivateFileOnce(const std::string& path, std::string_view contents);

// Creates the directory `path` (and its parents) and narrows it to 0700.
[[nodiscard]] Status MakePrivateDirectory(const std::string& path);

}  // namespace workspaced
