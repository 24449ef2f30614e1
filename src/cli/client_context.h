// What every `workspaced ws` and `op` subcommand shares: where the server is, the
// token, the exit codes, and how a failure is reported. docs/cli.md.
#pragma once

#include <string>

#include "client/api_client.h"

namespace workspaced::cli {

// The client's exit codes (docs/cli.md, "Exit codes").
enum ClientExit : int {
  kExitOk = 0,
  kExitFailed = 1,       // the operation ran and failed (e.g. a provisioning run failed)
  kExitUsage = 2,        // bad flags or arguments
  kExitApiError = 3,     // the server refused the request (4xx)
  kExitUnavailable = 4,  // the server failed (5xx) or could not be reached
};

struct ClientFlags {
  std::string url;    // empty: $CP_URL, $WORKSPACED_URL, else http://127.0.0.1:8080
  std::string token;  // empty: $TOKEN, $WORKSPACED_TOKEN, else none
  int timeout_seconds = 30;  // each connect, write and read
};

// The outcome of a call that did not succeed, already printed on stderr,
// as the exit code to return.
int ReportStatus(const Status& status);        // transport or local failure
int ReportProblem(const client::Response& r);  // an HTTP error response

// Builds the API client from flags and the environment; on a bad URL prints
// why and returns nullptr (exit kExitUsage).
std::unique_ptr<client::ApiClient> NewApiClient(const ClientFlags& flags);

// GETs `target` and answers 2xx bodies; anything else is reported and
// becomes the exit code in `exit_code`.
bool GetJson(client::ApiClient& api, const std::string& target, std::string& body, int& exit_code);

// Prints an operation's progress on stderr until it ends: kExitOk when it
// succeeded, kExitFailed (with the reason) when it failed or was cancelled,
// else the failure's exit code.
// `finished`, when given, receives the operation's JSON once it has ended
// (succeeded, failed or cancelled).
int WatchOperation(client::ApiClient& api, const std::string& operation_id,
                   std::string* finished = nullptr);

// A random Idempotency-Key, so a create or retry resent after a lost
// connection does the work once.
std::string NewIdempotencyKey();

}  // namespace workspaced::cli
