// workspaced — the workspace control plane. See README.md.
#include <CLI/CLI.hpp>

#include "cli/client_commands.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace workspaced::cli;  // NOLINT(google-build-using-namespace): main only
  CLI::App cli{"workspaced — workspace control plane"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "workspaced 0.1.0");

  auto add_common = [](CLI::App* cmd, CommonFlags& f) {
    cmd->add_option("--config", f.config_file, "JSON configuration file");
    cmd->add_option("--data-dir", f.data_dir, "data directory (default ./data)");
    cmd->add_option("--database", f.database,
                    "postgres://… (or a libpq connection string): PostgreSQL instead of the "
                    "embedded SQLite in the data directory");
  };

  ServeFlags serve;
  auto* serve_cmd = cli.add_subcommand("serve", "run the API server");
  add_common(serve_cmd, serve.common);
  serve_cmd->add_option("--listen", serve.listen,
                        "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: one per core)")
      ->check(CLI::Range(0, 256));
  serve_cmd
      ->add_option("--workers", serve.workers, "handler threads (default: 4 per core, at least 4)")
      ->check(CLI::Range(0, 1024));

  TokenFlags token;
  auto* token_cmd = cli.add_subcommand("token", "print a JWT signed with the dev key");
  add_common(token_cmd, token.common);
  token_cmd->add_option("--sub", token.subject, "subject (user id)")->required();
  token_cmd->add_option("--groups", token.groups, "comma-separated groups");
  token_cmd->add_option("--ttl", token.ttl, "lifetime, e.g. 30m, 1h, 7d (default 1h)");

  auto* accounts_cmd = cli.add_subcommand("accounts", "manage accounts");
  accounts_cmd->require_subcommand(1);
  AccountsCreateFlags create;
  auto* create_cmd =
      accounts_cmd->add_subcommand("create", "create an account and print it as JSON");
  add_common(create_cmd, create.common);
  create_cmd->add_option("--name", create.name, "account name")->required();
  create_cmd->add_option("--admin", create.admin, "subject of the account's first admin")
      ->required();

  CommonFlags migrate;
  auto* migrate_cmd = cli.add_subcommand("migrate", "apply database migrations");
  add_common(migrate_cmd, migrate);

  auto* authz_cmd = cli.add_subcommand("authz", "authorization");
  authz_cmd->require_subcommand(1);
  AuthzReconcileFlags reconcile;
  auto* reconcile_cmd = authz_cmd->add_subcommand(
      "reconcile", "make SpiceDB hold exactly the database's relationships, printing each change");
  add_common(reconcile_cmd, reconcile.common);
  reconcile_cmd->add_flag("--dry-run", reconcile.dry_run,
                          "print what would change, change nothing");
  auto* audit_cmd = cli.add_subcommand("audit", "the audit log");
  audit_cmd->require_subcommand(1);
  AuditVerifyFlags verify;
  auto* verify_cmd = audit_cmd->add_subcommand(
      "verify", "check the audit log's hash chains; exit 1 naming the first tampered event");
  add_common(verify_cmd, verify.common);
  verify_cmd->add_option("--workspace", verify.workspace, "only this workspace's chain");
  verify_cmd->add_option("--anchors", verify.anchors,
                         "a file `audit heads` wrote: each head in it must still be on record");
  CommonFlags heads;
  auto* heads_cmd = audit_cmd->add_subcommand(
      "heads", "print every chain's head as JSON, to keep outside the database (an anchor)");
  add_common(heads_cmd, heads);

  ClientCommand client(cli);  // binds its flags: must not move

  auto* keys_cmd = cli.add_subcommand("keys", "encryption keys (docs/encryption.md)");
  keys_cmd->require_subcommand(1);
  CommonFlags rotate;
  auto* rotate_cmd = keys_cmd->add_subcommand(
      "rotate", "add a key-encryption key and rewrap every workspace's data key under it");
  add_common(rotate_cmd, rotate);

  auto* quotas_cmd = cli.add_subcommand("quotas", "quotas (docs/lifecycle.md)");
  quotas_cmd->require_subcommand(1);
  QuotasRecountFlags recount;
  auto* recount_cmd = quotas_cmd->add_subcommand(
      "recount", "set every kept count of pillar items to the items held, printing each change");
  add_common(recount_cmd, recount.common);
  recount_cmd->add_flag("--dry-run", recount.dry_run,
                        "print the counts that disagree (exit 1 if any), change nothing");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (serve_cmd->parsed()) return Serve(serve);
  if (token_cmd->parsed()) return Token(token);
  if (create_cmd->parsed()) return AccountsCreate(create);
  if (migrate_cmd->parsed()) return Migrate(migrate);
  if (verify_cmd->parsed()) return AuditVerify(verify);
  if (heads_cmd->parsed()) return AuditHeads(heads);
  if (reconcile_cmd->parsed()) return AuthzReconcile(reconcile);
  if (client.Parsed()) return client.Run();
  if (rotate_cmd->parsed()) return KeysRotate(rotate);
  if (recount_cmd->parsed()) return QuotasRecount(recount);
  return 2;
}
