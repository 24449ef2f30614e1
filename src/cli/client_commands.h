// `workspaced client …`: the API over HTTP from the command line
// (docs/cli.md). Each returns a ClientExit code (client_context.h).
#pragma once

#include <string>
#include <vector>

#include "cli/client_context.h"

namespace CLI {
class App;
}

namespace workspaced::cli {

struct ClientListFlags {
  std::string status, region, name_prefix, output = "table";
  std::vector<std::string> labels;  // key:value
  int limit = 0;                    // 0: the server's default page size
};
int ClientList(const ClientFlags& client, const ClientListFlags& flags);
int ClientAccounts(const ClientFlags& client, const std::string& output);
int ClientGet(const ClientFlags& client, const std::string& id);

struct ClientCreateFlags {
  std::string account, name, region;
  std::vector<std::string> labels;  // key:value
  bool wait = false;
};
int ClientCreate(const ClientFlags& client, const ClientCreateFlags& flags);
int ClientWatch(const ClientFlags& client, const std::string& run_id);
int ClientRetry(const ClientFlags& client, const std::string& run_id, bool wait);
int ClientSetStatus(const ClientFlags& client, const std::string& id, bool freeze,
                    const std::string& reason);

struct ClientExportFlags {
  std::string id, format = "json", file;  // file empty or "-": stdout
};
int ClientExport(const ClientFlags& client, const ClientExportFlags& flags);

// The `client` subcommand of `app` with its subcommands and flags; after
// parsing, Run() runs whichever was given.
class ClientCommand {
 public:
  explicit ClientCommand(CLI::App& app);
  ClientCommand(const ClientCommand&) = delete;  // CLI11 holds pointers to the flags
  ClientCommand& operator=(const ClientCommand&) = delete;
  bool Parsed() const;
  int Run() const;

 private:
  CLI::App* cmd_;
  ClientFlags client_;
  ClientListFlags list_;
  ClientCreateFlags create_;
  ClientExportFlags export_;
  std::string id_, run_id_, reason_, accounts_output_ = "table";
  bool retry_wait_ = false;
};

}  // namespace workspaced::cli
