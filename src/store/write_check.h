// A check every write transaction of this thread runs first, inside it:
// how a request's authorization is decided by what its own transaction
// reads (api/access.h GrantCheck; docs/authorization.md).
//
// Thread-safety: the installed check is the thread's own.
#pragma once

#include "common/status.h"

namespace workspaced::store {

class Tx;

// What every write transaction begun on this thread runs first, inside
// it, while one is installed (ScopedWriteCheck): a request's authorization
// (api/access.h GrantCheck), so a write is allowed by the state its own
// transaction reads and no revocation commits between the check and the
// write (docs/authorization.md). Store::Write and WriteRowLocked call
// RunWriteCheck before their callback, on every attempt.
class WriteCheck {
 public:
  virtual ~WriteCheck() = default;
  virtual Status Check(Tx& tx) = 0;
};

// Installs `check` for this thread's write transactions until destroyed
// (the one it replaced, if any, is put back).
class ScopedWriteCheck {
 public:
  explicit ScopedWriteCheck(WriteCheck* check);
  ~ScopedWriteCheck();
  ScopedWriteCheck(const ScopedWriteCheck&) = delete;
  ScopedWriteCheck& operator=(const ScopedWriteCheck&) = delete;

 private:
  WriteCheck* previous_;
};

// The installed WriteCheck's answer for `tx` (OK when none is).
Status RunWriteCheck(Tx& tx);

}  // namespace workspaced::store
