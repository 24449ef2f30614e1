#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "spicedb/plugin.h"

namespace workspaced::spicedb {
namespace {

std::string ModulePath() {
  if (const char* p = std::getenv("WORKSPACED_SPICEDB_PLUGIN"); p && *p) return p;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "libworkspaced_spicedb.so").string();
}

}  // namespace

StatusOr<std::unique_ptr<Client>> OpenTransport(const TransportRequest& request) {
  static std::mutex mu;
  static OpenTransportFn open = nullptr;
  {
    std::lock_guard lock(mu);
    if (open == nullptr) {
      const std::string path = ModulePath();
      void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (module == nullptr) {
        const char* why = ::dlerror();
        return Unavailable("spicedb: cannot load the transport module " + path + ": " +
                           (why ? why : "unknown error"));
      }
      using EntryFn = OpenTransportFn (*)();
      auto entry =
          reinterpret_cast<EntryFn>(::dlsym(module, "workspaced_spicedb_open_transport_fn"));
      if (entry == nullptr) return Unavailable("spicedb: " + path + " is not the transport module");
      open = entry();
    }
  }
  return open(request);
}

}  // namespace workspaced::spicedb
