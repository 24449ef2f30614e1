// `workspaced accounts create`: bootstrap a tenant from the command line.
#include <cstdio>

#include "api/json_views.h"
#include "app/app.h"
#include "domain/accounts.h"
#include "app/bootstrap.h"
#include "cli/commands.h"
#include "common/field_errors.h"

namespace workspaced::cli {

namespace {

int Refused(const Status& s) {
  std::string detail = s.message();
  for (const auto& f : ListedFieldErrors(s.field_errors()))
    detail += f.field.empty() ? "; " + f.detail : "; --" + f.field + " " + f.detail;
  std::fprintf(stderr, "workspaced: %s\n", detail.c_str());
  return s.code() == Code::kUnprocessable ? 2 : 1;
}

}  // namespace

int AccountsCreate(const AccountsCreateFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags.common, config)) return 2;
  // Bad input changes nothing: checked before the data directory is touched.
  if (const Status valid = domain::ValidateNewAccount(flags.name, flags.admin); !valid.ok())
    return Refused(valid);
  auto store = app::OpenStore(config);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  SystemClock clock;
  auto random = NewSecureRandom();
  // The operator is the actor: the account's creation is audited like any.
  domain::Accounts accounts(**store, clock, *random);
  const domain::Actor operator_actor{.subject = "system:cli", .auth = "cli"};
  auto account = accounts.Create(operator_actor, flags.name, flags.admin);
  if (!account.ok()) return Refused(account.status());
  std::printf("%s\n", api::AccountJson(*account).c_str());
  return 0;
}

int Migrate(const CommonFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags, config)) return 2;
  auto store = app::OpenStore(config);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  auto version = (*store)->SchemaVersion();
  if (!version.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", version.status().message().c_str());
    return 1;
  }
  std::printf("{\"schema_version\":%d}\n", *version);
  return 0;
}

}  // namespace workspaced::cli
