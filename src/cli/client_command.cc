// The `workspaced client` subcommands and their flags (docs/cli.md).
#include <CLI/CLI.hpp>

#include "cli/client_commands.h"

namespace workspaced::cli {

ClientCommand::ClientCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("client", "talk to a running server over HTTP (docs/cli.md)");
  cmd_->require_subcommand(1);
  cmd_->add_option("--url", client_.url,
                   "server URL, http:// only (default $WORKSPACED_URL, else "
                   "http://127.0.0.1:8080)");
  cmd_->add_option("--token", client_.token, "bearer token (default $WORKSPACED_TOKEN)");
  // Global flags are accepted after the subcommand too: `client list --url …`.
  cmd_->fallthrough();

  auto* list = cmd_->add_subcommand("list", "list your workspaces, every page");
  list->add_option("--status", list_.status, "only this status");
  list->add_option("--region", list_.region, "only this region");
  list->add_option("--label", list_.labels, "key:value (repeatable; every one must hold)");
  list->add_option("--name-prefix", list_.name_prefix, "only names starting with this");
  list->add_option("--limit", list_.limit, "page size asked of the server")
      ->check(CLI::Range(1, 1000));
  list->add_option("--output", list_.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  auto* get = cmd_->add_subcommand("get", "print one workspace as JSON");
  get->add_option("ID", id_, "workspace id")->required();

  auto* create = cmd_->add_subcommand("create", "create a workspace (202: its run starts)");
  create->add_option("--account", create_.account, "account id")->required();
  create->add_option("--name", create_.name, "workspace name")->required();
  create->add_option("--region", create_.region, "region")->required();
  create->add_option("--label", create_.labels, "key:value (repeatable)");
  create->add_flag("--wait", create_.wait,
                   "show the provisioning run's steps until it ends; exit 1 if it fails");

  auto* watch = cmd_->add_subcommand("watch", "show a provisioning run's steps until it ends");
  watch->add_option("RUN_ID", run_id_, "provisioning run id")->required();

  auto* retry = cmd_->add_subcommand("retry", "start a new run for a failed provisioning run");
  retry->add_option("RUN_ID", run_id_, "the failed run's id")->required();
  retry->add_flag("--wait", retry_wait_, "show the new run's steps until it ends");

  auto* freeze = cmd_->add_subcommand("freeze", "make a workspace read-only");
  freeze->add_option("ID", id_, "workspace id")->required();
  freeze->add_option("--reason", reason_, "why (kept in status_reason)")->required();

  auto* unfreeze = cmd_->add_subcommand("unfreeze", "make a frozen workspace active again");
  unfreeze->add_option("ID", id_, "workspace id")->required();

  auto* exp = cmd_->add_subcommand("export", "stream a workspace's export to a file or stdout");
  exp->add_option("ID", export_.id, "workspace id")->required();
  exp->add_option("--format", export_.format, "json, ndjson or csv (default json)")
      ->check(CLI::IsMember({"json", "ndjson", "csv"}));
  exp->add_option("-o,--output", export_.file, "file to write (default stdout)");

  auto* accounts = cmd_->add_subcommand("accounts", "list the accounts you may read");
  accounts->add_option("--output", accounts_output_, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
}

bool ClientCommand::Parsed() const { return cmd_->parsed(); }

int ClientCommand::Run() const {
  auto is = [&](const char* name) { return cmd_->get_subcommand(name)->parsed(); };
  if (is("list")) return ClientList(client_, list_);
  if (is("get")) return ClientGet(client_, id_);
  if (is("create")) return ClientCreate(client_, create_);
  if (is("watch")) return ClientWatch(client_, run_id_);
  if (is("retry")) return ClientRetry(client_, run_id_, retry_wait_);
  if (is("freeze")) return ClientSetStatus(client_, id_, true, reason_);
  if (is("unfreeze")) return ClientSetStatus(client_, id_, false, "");
  if (is("export")) return ClientExport(client_, export_);
  if (is("accounts")) return ClientAccounts(client_, accounts_output_);
  return kExitUsage;
}

}  // namespace workspaced::cli
