// Reading a small file an operator names (a configuration file, a key file)
// without trusting what is at the path: a FIFO, a device (/dev/zero), a
// directory or a file larger than the caller expects is refused by a
// message naming the path, never read until memory runs out or waited on
// for ever.
//
// Pure functions over the file system; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/status.h"

namespace workspaced {

struct RegularFile {
  std::string contents;
  mode_t mode = 0;  // st_mode of the file opened (type and permission bits)
};

// The contents of `path` when it is (or a symlink leads to) a regular file
// of at most `max_bytes`. The file is opened without blocking (a FIFO with
// no writer does not hold the caller) and checked through the descriptor it
// was opened as (fstat), so what is read is what was checked.
// kInvalidArgument, its message starting with `path`: it cannot be opened
// ("<path>: No such file or directory"), is not a regular file ("<path> is
// a directory, not a regular file"), or holds more than `max_bytes`
// ("<path> is larger than <max_bytes> bytes").
[[nodiscard]] StatusOr<RegularFile> ReadRegularFile(const std::string& path,
                                                    std::size_t max_bytes);

}  // namespace workspaced
