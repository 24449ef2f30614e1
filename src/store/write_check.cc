#include "store/write_check.h"

namespace workspaced::store {

namespace {
thread_local WriteCheck* current_write_check = nullptr;
}  // namespace

ScopedWriteCheck::ScopedWriteCheck(WriteCheck* check) : previous_(current_write_check) {
  current_write_check = check;
}

ScopedWriteCheck::~ScopedWriteCheck() { current_write_check = previous_; }

Status RunWriteCheck(Tx& tx) {
  return current_write_check == nullptr ? Status::Ok() : current_write_check->Check(tx);
}

}  // namespace workspaced::store
