// The `workspaced ws` and `workspaced op` subcommands and their flags
// (docs/cli.md).
#include <CLI/CLI.hpp>

#include "cli/client_commands.h"

namespace workspaced::cli {

namespace {

// --url and --token on a command group; accepted after its subcommand too
// (`ws list --url …`).
void AddServerFlags(CLI::App* group, ClientFlags& client) {
  group->add_option("--url", client.url,
                    "server URL, http:// only (default $CP_URL, else $WORKSPACED_URL, else "
                    "http://127.0.0.1:8080)");
  group->add_option("--token", client.token,
                    "bearer token (default $TOKEN, else $WORKSPACED_TOKEN)");
  group
      ->add_option("--timeout", client.timeout_seconds,
                   "seconds each connect, send and read may take before exit 4 (default 30)")
      ->check(CLI::Range(1, 3600));
  group->fallthrough();
}

void AddOutput(CLI::App* cmd, std::string& output, const char* fallback) {
  cmd->add_option("--output", output, std::string("table or json (default ") + fallback + ")")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace

ClientCommand::ClientCommand(CLI::App& app) {
  ws_ = app.add_subcommand("ws", "workspaces, over HTTP from a running server (docs/cli.md)");
  ws_->alias("client");  // the first version's name
  ws_->require_subcommand(1);
  AddServerFlags(ws_, client_);

  auto* list = ws_->add_subcommand("list", "list your workspaces, every page");
  list->add_option("--status", list_.status, "only this status");
  list->add_option("--region", list_.region, "only this region");
  list->add_option("--label", list_.labels, "key:value (repeatable; every one must hold)");
  list->add_option("--name-prefix", list_.name_prefix, "only names starting with this");
  list->add_option("--limit", list_.limit, "page size asked of the server")
      ->check(CLI::Range(1, 1000));
  AddOutput(list, list_.output, "table");

  auto* get = ws_->add_subcommand("get", "print one workspace");
  get->add_option("ID", id_, "workspace id")->required();
  AddOutput(get, output_, "json");

  auto* create = ws_->add_subcommand("create", "create a workspace (202: its run starts)");
  create->add_option("--account", create_.account, "account id")->required();
  create->add_option("--name", create_.name, "workspace name")->required();
  create->add_option("--region", create_.region, "region")->required();
  create->add_option("--slug", create_.slug,
                     "the workspace's slug (unique in the account); else derived from the name");
  create->add_option("--label", create_.labels, "key:value (repeatable)");
  create->add_flag("--wait", create_.wait,
                   "show the provisioning run's steps until it ends; exit 1 if it fails");
  AddOutput(create, create_.output, "json");

  auto* update = ws_->add_subcommand("update", "change a workspace's fields (a merge patch)");
  update->add_option("ID", update_.id, "workspace id")->required();
  update->add_option("--name", update_.name, "new name");
  update->add_option("--slug", update_.slug, "new slug");
  update->add_option("--label", update_.labels, "key:value to set (repeatable)");
  update->add_option("--remove-label", update_.remove_labels, "label key to remove (repeatable)");
  update->add_option("--deletion-protection", update_.deletion_protection, "true or false")
      ->check(CLI::IsMember({"true", "false"}));
  update->add_option("--if-match", update_.if_match,
                     "apply only at this ETag (from `get --output table`); else 412");
  AddOutput(update, update_.output, "json");

  auto* freeze = ws_->add_subcommand("freeze", "make a workspace read-only");
  freeze->add_option("ID", id_, "workspace id")->required();
  freeze->add_option("--reason", reason_, "why (kept in status_reason)");
  AddOutput(freeze, output_, "json");

  auto* unfreeze = ws_->add_subcommand("unfreeze", "make a frozen workspace active again");
  unfreeze->add_option("ID", id_, "workspace id")->required();
  AddOutput(unfreeze, output_, "json");

  auto* del = ws_->add_subcommand(
      "delete", "delete a workspace (restorable until the retention window ends)");
  del->add_option("ID", delete_.id, "workspace id")->required();
  del->add_flag("--force", delete_.force,
                "delete even if its pillars hold data (admins of the account only)");
  del->add_flag("--wait", delete_.wait,
                "show the delete operation's steps until it ends (not the purge)");
  del->add_option("--if-match", delete_.if_match, "delete only at this ETag; else 412");
  AddOutput(del, delete_.output, "json");

  auto* restore = ws_->add_subcommand("restore", "bring back a deleted workspace");
  restore->add_option("ID", id_, "workspace id")->required();
  AddOutput(restore, output_, "json");

  auto* operations = ws_->add_subcommand("operations", "a workspace's operations, oldest first");
  operations->add_option("ID", operations_id_, "workspace id")->required();
  AddOutput(operations, operations_output_, "table");

  auto* members = ws_->add_subcommand(
      "members", "list a workspace's members, or add, change (--put) or remove one");
  members->add_option("ID", members_.id, "workspace id")->required();
  members->add_option("--put", members_.put, "subject to add or give --role");
  members->add_option("--role", members_.role, "admin, member or viewer (with --put)")
      ->check(CLI::IsMember({"admin", "member", "viewer"}));
  members->add_option("--remove", members_.remove, "subject to remove");
  members->add_option("--if-match", members_.if_match,
                      "change the membership only at this ETag; else 412");
  AddOutput(members, members_.output, "table for the list, json for --put");

  auto* audit = ws_->add_subcommand("audit", "a workspace's audit events, newest first");
  audit->add_option("ID", audit_.id, "workspace id")->required();
  audit->add_option("--action", audit_.action, "only this action, e.g. member.put");
  audit->add_option("--actor", audit_.actor, "only events by this subject");
  audit->add_option("--since", audit_.since, "only at or after this time (RFC 3339)");
  audit->add_option("--until", audit_.until, "only at or before this time (RFC 3339)");
  audit->add_option("--limit", audit_.limit, "events per page (server default 50)")
      ->check(CLI::Range(1, 1000));
  audit->add_option("--cursor", audit_.cursor, "the page a previous call named");
  audit->add_flag("--all", audit_.all, "every page, following Link");
  AddOutput(audit, audit_.output, "table");

  auto* exp = ws_->add_subcommand("export", "stream a workspace's export to a file or stdout");
  exp->add_option("ID", export_.id, "workspace id")->required();
  exp->add_option("--format", export_.format,
                  "json, ndjson or csv (default: the server's export_format)")
      ->check(CLI::IsMember({"json", "ndjson", "csv"}));
  exp->add_option("-o,--output", export_.file, "file to write (default stdout)");

  auto* accounts = ws_->add_subcommand("accounts", "list the accounts you may read");
  AddOutput(accounts, output_, "table");

  op_ = app.add_subcommand("op", "operations (create, retry, delete, purge, restore), over HTTP (docs/cli.md)");
  op_->require_subcommand(1);
  AddServerFlags(op_, client_);
  auto* watch = op_->add_subcommand("watch", "show an operation's steps until it ends");
  watch->add_option("ID", run_id_, "operation id")->required();
  auto* retry = op_->add_subcommand("retry", "start a new run for a failed provisioning run");
  retry->add_option("ID", run_id_, "the failed run's id")->required();
  retry->add_flag("--wait", wait_, "show the new run's steps until it ends");
  AddOutput(retry, output_, "json");
}

bool ClientCommand::Parsed() const { return ws_->parsed() || op_->parsed(); }

int ClientCommand::Run() {
  auto ws = [&](const char* name) { return ws_->get_subcommand(name)->parsed(); };
  auto op = [&](const char* name) { return op_->get_subcommand(name)->parsed(); };
  // Lists default to a table, single resources to their JSON.
  for (auto* flags : {&list_.output, &audit_.output})
    if (flags->empty()) *flags = "table";
  for (auto* flags : {&create_.output, &update_.output, &delete_.output})
    if (flags->empty()) *flags = "json";
  if (ws("operations"))
    return ClientOperations(client_, operations_id_,
                            operations_output_.empty() ? "table" : operations_output_);
  if (ws("accounts")) return ClientAccounts(client_, output_.empty() ? "table" : output_);
  if (output_.empty()) output_ = "json";
  if (ws("list")) return ClientList(client_, list_);
  if (ws("get")) return ClientGet(client_, id_, output_);
  if (ws("create")) return ClientCreate(client_, create_);
  if (ws("update")) return ClientUpdate(client_, update_);
  if (ws("freeze")) return ClientSetStatus(client_, id_, true, reason_, output_);
  if (ws("unfreeze")) return ClientSetStatus(client_, id_, false, "", output_);
  if (ws("delete")) return ClientDelete(client_, delete_);
  if (ws("restore")) return ClientRestore(client_, id_, output_);
  if (ws("members")) return ClientMembers(client_, members_);
  if (ws("audit")) return ClientAudit(client_, audit_);
  if (ws("export")) return ClientExport(client_, export_);
  if (op("watch")) return ClientWatch(client_, run_id_);
  if (op("retry")) return ClientRetry(client_, run_id_, wait_, output_);
  return kExitUsage;
}

}  // namespace workspaced::cli
