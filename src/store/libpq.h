// libpq, loaded the first time a PostgreSQL connection is opened.
//
// The server does not link libpq: on its embedded default (SQLite) it never
// talks to PostgreSQL, and libpq brings some twenty libraries with it
// (GnuTLS, Kerberos, LDAP, p11-kit …) whose start-up and pages cost about
// 3.5 MiB of resident memory in a process that never uses them
// (docs/performance.md). So the store and the dataplane call libpq through
// this table of functions, filled by dlopen("libpq.so.5") on first use.
//
// Usage: `WS_RETURN_IF_ERROR(LoadLibpq());` before the first connection,
// then `Libpq().PQexec(…)` and so on (the names are libpq's own).
//
// Thread-safety: LoadLibpq may be called from any thread, any number of
// times (it loads once); Libpq() only after a LoadLibpq() that succeeded.
#pragma once

#include <libpq-fe.h>

#include "common/status.h"

namespace workspaced::store {

struct LibpqApi {
  decltype(&::PQconnectdb) PQconnectdb;
  decltype(&::PQstatus) PQstatus;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQexec) PQexec;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQprepare) PQprepare;
  decltype(&::PQexecPrepared) PQexecPrepared;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQcmdTuples) PQcmdTuples;
  decltype(&::PQclear) PQclear;
  // The change feed's listening connection (pg_change_feed.h).
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQsocket) PQsocket;
  decltype(&::PQsendQuery) PQsendQuery;
  decltype(&::PQgetResult) PQgetResult;
  decltype(&::PQconsumeInput) PQconsumeInput;
  decltype(&::PQisBusy) PQisBusy;
  decltype(&::PQnotifies) PQnotifies;
  decltype(&::PQfreemem) PQfreemem;
  // Pipelined write transactions (pg_connection.h).
  decltype(&::PQenterPipelineMode) PQenterPipelineMode;
  decltype(&::PQexitPipelineMode) PQexitPipelineMode;
  decltype(&::PQpipelineSync) PQpipelineSync;
  decltype(&::PQsendFlushRequest) PQsendFlushRequest;
  decltype(&::PQflush) PQflush;
  decltype(&::PQsendQueryParams) PQsendQueryParams;
  decltype(&::PQsendQueryPrepared) PQsendQueryPrepared;
  decltype(&::PQsendPrepare) PQsendPrepare;
};

// Loads libpq once. kUnavailable (cause database_unavailable) naming the
// library when it is not installed (Debian: libpq5) or lacks a function.
Status LoadLibpq();

// The loaded functions. Only after LoadLibpq() succeeded.
const LibpqApi& Libpq();

}  // namespace workspaced::store
