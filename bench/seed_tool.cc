// ws_bench_seed: fills a data directory for the benchmarks through the storage
// interface (there is no create endpoint yet). Creates an account whose admin
// is --subject, --workspaces workspaces the subject is a direct member of, and
// --others workspaces it cannot see (so lookups run against a table that is
// not trivially small). Prints the first visible workspace id on stdout.
//
// Usage: ws_bench_seed --data-dir DIR [--subject bench] [--workspaces 100] [--others 900]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/bootstrap.h"
#include "domain/accounts.h"
#include "common/clock.h"
#include "common/random.h"
#include "model/model.h"
#include "model/relationships.h"
#include "store/sqlite_store.h"

namespace ws = workspaced;

namespace {

[[noreturn]] void Die(const std::string& what, const ws::Status& s) {
  std::fprintf(stderr, "ws_bench_seed: %s: %s\n", what.c_str(), s.message().c_str());
  std::exit(1);
}

// A workspace with every field set to something a real tenant would have.
ws::model::Workspace MakeWorkspace(ws::Random& random, const ws::Clock& clock,
                                   const std::string& account, const std::string& owner, int n) {
  static const char* const kRegions[] = {"us-east-1", "us-west-2", "eu-west-1"};
  static const char* const kTeams[] = {"payments", "search", "platform", "growth", "data"};
  ws::model::Workspace w;
  w.id = ws::NewUuidV7(random, clock);
  w.account_id = account;
  w.name = std::string("Bench ") + kTeams[n % 5] + " workspace " + std::to_string(n);
  w.slug = std::string("bench-") + kTeams[n % 5] + "-workspace-" + std::to_string(n);
  w.status = ws::model::WorkspaceStatus::kActive;
  w.region = kRegions[n % 3];
  w.tenancy_model =
      n % 4 == 0 ? ws::model::TenancyModel::kShared : ws::model::TenancyModel::kDedicated;
  w.created_at = clock.Now() - 86'400'000'000LL * (n % 30 + 1);
  w.updated_at = clock.Now();
  w.created_by = owner;
  w.updated_by = owner;
  w.labels = {{"team", kTeams[n % 5]},
              {"cost-center", "cc-" + std::to_string(1000 + n % 17)},
              {"env-tier", n % 2 ? "production" : "staging"}};
  w.group_mappings = {{std::string(kTeams[n % 5]) + "-admins", ws::model::WorkspaceRole::kAdmin},
                      {std::string(kTeams[n % 5]) + "-devs", ws::model::WorkspaceRole::kMember}};
  w.runtime_generation = "mk3";
  w.status_reason = "";
  w.phase = ws::model::ProvisioningPhase::kReady;
  w.version = 1 + n % 3;
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, subject = "bench";
  int visible = 100, others = 900;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data-dir") {
      data_dir = value;
    } else if (flag == "--subject") {
      subject = value;
    } else if (flag == "--workspaces") {
      visible = std::atoi(value.c_str());
    } else if (flag == "--others") {
      others = std::atoi(value.c_str());
    } else {
      std::fprintf(stderr, "ws_bench_seed: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (data_dir.empty() || visible < 1 || others < 0) {
    std::fprintf(
        stderr,
        "usage: ws_bench_seed --data-dir DIR [--subject S] [--workspaces N] [--others N]\n");
    return 2;
  }

  if (auto s = ws::app::EnsureDataDir(data_dir); !s.ok()) Die("data dir", s);
  auto opened = ws::store::OpenSqliteStore({.path = data_dir + "/" + ws::app::kDatabaseFile});
  if (!opened.ok()) Die("open store", opened.status());
  auto& store = **opened;
  if (auto s = store.Migrate(); !s.ok()) Die("migrate", s);

  ws::SystemClock clock;
  auto random = ws::NewSecureRandom();
  ws::domain::Accounts accounts(store, clock, *random);
  auto account = accounts.Create({.subject = "system:bench", .auth = "cli"}, "bench", subject);
  if (!account.ok()) Die("create account", account.status());

  std::string first_id;
  const ws::Status written = store.Write([&](ws::store::Tx& tx) -> ws::Status {
    first_id.clear();
    for (int n = 0; n < visible + others; ++n) {
      const bool mine = n < visible;
      const std::string owner = mine ? subject : "someone-else";
      ws::model::Workspace w = MakeWorkspace(*random, clock, account->id, owner, n);
      if (first_id.empty()) first_id = w.id;
      WS_RETURN_IF_ERROR(tx.InsertWorkspace(w));
      std::vector<ws::model::Environment> envs;
      for (const char* env : {"dev", "staging", "prod"}) {
        envs.push_back({ws::NewUuidV7(*random, clock), w.id, env, w.created_at});
        WS_RETURN_IF_ERROR(tx.InsertEnvironment(envs.back()));
      }
      WS_RETURN_IF_ERROR(tx.TouchRelationships(ws::model::WorkspaceRelationships(w, envs, ws::model::DefaultTrustedIssuers())));
      WS_RETURN_IF_ERROR(
          tx.PutWorkspaceMember({w.id, owner, ws::model::WorkspaceRole::kAdmin, w.created_at}));
      if (mine) continue;
      WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({w.id, "viewer-" + std::to_string(n % 50),
                                                ws::model::WorkspaceRole::kViewer, w.created_at}));
    }
    return ws::Status::Ok();
  });
  if (!written.ok()) Die("insert workspaces", written);
  std::printf("%s\n", first_id.c_str());
  return 0;
}
