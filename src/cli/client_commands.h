// `workspaced ws …` and `workspaced op …`: the API over HTTP from the
// command line (docs/cli.md). Each returns a ClientExit code
// (client_context.h). `output` is "json" or "table".
#pragma once

#include <string>
#include <vector>

#include "cli/client_context.h"

namespace CLI {
class App;
}

namespace workspaced::cli {

struct ClientListFlags {
  std::string status, region, name_prefix, output;
  std::vector<std::string> labels;  // key:value
  int limit = 0;                    // 0: the server's default page size
};
int ClientList(const ClientFlags& client, const ClientListFlags& flags);
int ClientAccounts(const ClientFlags& client, const std::string& output);
int ClientGet(const ClientFlags& client, const std::string& id, const std::string& output);

struct ClientCreateFlags {
  std::string account, name, region, slug, output;  // slug: empty for the server's
  std::vector<std::string> labels;  // key:value
  bool wait = false;
};
int ClientCreate(const ClientFlags& client, const ClientCreateFlags& flags);
int ClientWatch(const ClientFlags& client, const std::string& operation_id);
int ClientRetry(const ClientFlags& client, const std::string& run_id, bool wait,
                const std::string& output);
int ClientSetStatus(const ClientFlags& client, const std::string& id, bool freeze,
                    const std::string& reason, const std::string& output);

struct ClientUpdateFlags {
  std::string id, name, slug, deletion_protection, if_match, output;
  std::vector<std::string> labels;         // key:value to set
  std::vector<std::string> remove_labels;  // keys to remove
};
int ClientUpdate(const ClientFlags& client, const ClientUpdateFlags& flags);

struct ClientMembersFlags {
  std::string id, put, role, remove, if_match, output;
};
int ClientMembers(const ClientFlags& client, const ClientMembersFlags& flags);

struct ClientAuditFlags {
  std::string id, action, actor, since, until, cursor, output;
  int limit = 0;  // page size; 0: the server's default
  bool all = false;
};
int ClientAudit(const ClientFlags& client, const ClientAuditFlags& flags);

struct ClientDeleteFlags {
  std::string id, if_match, output;
  bool force = false, wait = false;
};
int ClientDelete(const ClientFlags& client, const ClientDeleteFlags& flags);
int ClientOperations(const ClientFlags& client, const std::string& id, const std::string& output);
int ClientRestore(const ClientFlags& client, const std::string& id, const std::string& output);

struct ClientExportFlags {
  std::string id, file;  // file empty or "-": stdout
  std::string format;    // empty: the server's configured export_format
};
int ClientExport(const ClientFlags& client, const ClientExportFlags& flags);

// Prints the workspace `id` (GET, with its ETag in a table).
int PrintWorkspace(client::ApiClient& api, const std::string& id, const std::string& output);

// An ETag as If-Match wants it: `v3` becomes `"v3"`; `*`, quoted and weak
// tags are kept.
std::string QuotedEtag(const std::string& etag);

// The `ws` and `op` subcommands of `app` with their subcommands and flags;
// after parsing, Run() runs whichever was given.
class ClientCommand {
 public:
  explicit ClientCommand(CLI::App& app);
  ClientCommand(const ClientCommand&) = delete;  // CLI11 holds pointers to the flags
  ClientCommand& operator=(const ClientCommand&) = delete;
  bool Parsed() const;
  int Run();

 private:
  CLI::App* ws_;
  CLI::App* op_;
  ClientFlags client_;
  ClientListFlags list_;
  ClientCreateFlags create_;
  ClientUpdateFlags update_;
  ClientMembersFlags members_;
  ClientAuditFlags audit_;
  ClientDeleteFlags delete_;
  ClientExportFlags export_;
  std::string id_, run_id_, reason_, output_, operations_id_, operations_output_;
  bool wait_ = false;
};

}  // namespace workspaced::cli
