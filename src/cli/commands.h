// The subcommands of the `workspaced` binary. Each returns the process exit
// code: 0 success, 1 runtime failure, 2 bad usage or configuration.
#pragma once

#include <functional>
#include <string>

#include "app/config.h"

namespace workspaced::cli {

// Flags shared by every subcommand that touches a data directory. Empty
// means "not given": the config file or the default applies.
struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string database;
};

// Defaults, then the config file, then the common flags, then what
// `command_flags` sets (a command's own flags, e.g. serve's --listen); the
// result is then checked as a whole (app::Validate), so every command
// refuses what serve would. Prints the error and returns false (exit 2)
// on a bad file or an invalid result; nothing has been created then.
bool ResolveConfig(const CommonFlags& flags, app::Config& config,
                   const std::function<void(app::Config&)>& command_flags = {});

struct ServeFlags {
  CommonFlags common;
  std::string listen;
  int threads = -1;
  int workers = -1;
};
int Serve(const ServeFlags& flags);

struct TokenFlags {
  CommonFlags common;
  std::string subject;
  std::string groups;  // comma-separated
  std::string ttl = "1h";
};
int Token(const TokenFlags& flags);

struct AccountsCreateFlags {
  CommonFlags common;
  std::string name;
  std::string admin;
};
int AccountsCreate(const AccountsCreateFlags& flags);

int Migrate(const CommonFlags& flags);

// `keys rotate` (cli/keys.cc).
int KeysRotate(const CommonFlags& flags);

struct AuditVerifyFlags {
  CommonFlags common;
  std::string workspace;  // empty: every chain
  std::string anchors;    // a file `audit heads` wrote; empty: none
};
int AuditVerify(const AuditVerifyFlags& flags);
int AuditHeads(const CommonFlags& flags);

struct AuthzReconcileFlags {
  CommonFlags common;
  bool dry_run = false;
};
int AuthzReconcile(const AuthzReconcileFlags& flags);

struct QuotasRecountFlags {
  CommonFlags common;
  bool dry_run = false;
};
int QuotasRecount(const QuotasRecountFlags& flags);

// "90s", "30m", "1h", "7d" → seconds; -1 when malformed.
long long ParseDurationSeconds(const std::string& text);

}  // namespace workspaced::cli
