#include "store/libpq.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace workspaced::store {
namespace {

constexpr const char* kLibrary = "libpq.so.5";

LibpqApi api;
Status load_status = Status::Ok();

template <typename Fn>
bool Bind(void* library, const char* name, Fn& out, std::string& missing) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    if (!missing.empty()) missing += ", ";
    missing += name;
    return false;
  }
  out = reinterpret_cast<Fn>(symbol);
  return true;
}

Status Load() {
  void* library = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return Unavailable(std::string("postgres: cannot load ") + kLibrary +
                       " (install libpq5): " + (why ? why : "unknown error"))
        .WithCause(Cause::kDatabaseUnavailable);
  }
  std::string missing;
#define WS_BIND(name) Bind(library, #name, api.name, missing)
  WS_BIND(PQconnectdb);
  WS_BIND(PQstatus);
  WS_BIND(PQerrorMessage);
  WS_BIND(PQfinish);
  WS_BIND(PQsetNoticeProcessor);
  WS_BIND(PQexec);
  WS_BIND(PQexecParams);
  WS_BIND(PQprepare);
  WS_BIND(PQexecPrepared);
  WS_BIND(PQresultStatus);
  WS_BIND(PQresultErrorField);
  WS_BIND(PQresultErrorMessage);
  WS_BIND(PQntuples);
  WS_BIND(PQgetvalue);
  WS_BIND(PQgetisnull);
  WS_BIND(PQgetlength);
  WS_BIND(PQcmdTuples);
  WS_BIND(PQclear);
  WS_BIND(PQconnectdbParams);
  WS_BIND(PQsocket);
  WS_BIND(PQsendQuery);
  WS_BIND(PQgetResult);
  WS_BIND(PQconsumeInput);
  WS_BIND(PQisBusy);
  WS_BIND(PQnotifies);
  WS_BIND(PQfreemem);
  WS_BIND(PQenterPipelineMode);
  WS_BIND(PQexitPipelineMode);
  WS_BIND(PQpipelineSync);
  WS_BIND(PQsendFlushRequest);
  WS_BIND(PQflush);
  WS_BIND(PQsendQueryParams);
  WS_BIND(PQsendQueryPrepared);
  WS_BIND(PQsendPrepare);
#undef WS_BIND
  if (!missing.empty())
    return Unavailable(std::string("postgres: ") + kLibrary + " lacks " + missing)
        .WithCause(Cause::kDatabaseUnavailable);
  // Kept loaded for the life of the process (never dlclose'd).
  return Status::Ok();
}

}  // namespace

Status LoadLibpq() {
  static std::once_flag once;
  std::call_once(once, [] { load_status = Load(); });
  return load_status;
}

const LibpqApi& Libpq() { return api; }

}  // namespace workspaced::store
