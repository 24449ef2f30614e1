// ws_bench_authz: one permission check in-process (the server's Authorizer:
// the schema evaluated over the relationship index, with its per-check
// freshness read of a real SQLite store) against the same check by the real
// SpiceDB engine loaded in-process, on the same schema and relationships.
//
// Prints one line: ours_p50_ns ours_p99_ns spicedb_p50_ns spicedb_p99_ns
// checks mismatches. Exits 1 when any answer differs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "authz/relationship_index.h"
#include "authz/schema_authorizer.h"
#include "spicedb/embedded.h"
#include "spicedb/testing/universe.h"
#include "store/sqlite_store.h"

namespace ws = workspaced;

namespace {

[[noreturn]] void Die(const char* what, const ws::Status& s) {
  std::fprintf(stderr, "ws_bench_authz: %s: %s\n", what, std::string(s.message()).c_str());
  std::exit(2);
}

long Percentile(std::vector<long> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * (v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string library;
  int checks = 20000;
  std::uint64_t seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--library")
      library = value;
    else if (flag == "--checks")
      checks = std::atoi(value.c_str());
    else if (flag == "--seed")
      seed = std::strtoull(value.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "usage: ws_bench_authz --library PATH [--checks N] [--seed S]\n");
      return 2;
    }
  }
  if (library.empty() || checks < 100) {
    std::fprintf(stderr, "usage: ws_bench_authz --library PATH [--checks N>=100] [--seed S]\n");
    return 2;
  }

  const auto dir =
      std::filesystem::temp_directory_path() / ("ws-bench-authz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto opened = ws::store::OpenSqliteStore({.path = (dir / "db.sqlite").string()});
  if (!opened.ok()) Die("open store", opened.status());
  auto& store = **opened;
  if (auto s = store.Migrate(); !s.ok()) Die("migrate", s);

  std::mt19937_64 rng(seed);
  ws::spicedb::testing::Universe universe(rng);
  const auto rels = universe.RandomRelationships();
  std::vector<ws::model::Relationship> list(rels.begin(), rels.end());
  if (auto s = store.Write([&](ws::store::Tx& tx) { return tx.TouchRelationships(list); }); !s.ok())
    Die("write relationships", s);

  auto schema = ws::authz::ParseSchema(ws::authz::EmbeddedSchemaText());
  if (!schema.ok()) Die("schema", schema.status());
  ws::authz::RelationshipIndex index;
  if (auto s = index.Attach(store); !s.ok()) Die("index", s);
  ws::authz::SchemaAuthorizer ours(*schema, index, store);

  // The questions first, then each side alone: the engine's Go runtime (its
  // garbage collector threads) is not started until our side is measured.
  struct Question {
    std::string type, id, permission, user;
    ws::authz::Permission perm;
  };
  std::vector<Question> questions;
  while (static_cast<int>(questions.size()) < checks) {
    auto q = universe.RandomQuestion();
    if (q.type != "account" && q.type != "workspace") continue;
    ws::authz::Permission perm;
    if (q.permission == "read") {
      perm = ws::authz::Permission::kRead;
    } else if (q.permission == "write") {
      perm = ws::authz::Permission::kWrite;
    } else if (q.permission == "administer") {
      perm = ws::authz::Permission::kAdminister;
    } else {
      continue;
    }
    questions.push_back({q.type, q.id, q.permission, q.user, perm});
  }

  using Clock = std::chrono::steady_clock;
  auto ns = [](Clock::time_point a, Clock::time_point b) {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
  };
  std::vector<long> ours_ns, theirs_ns;
  std::vector<bool> ours_answers;
  for (const Question& q : questions) {
    ws::auth::Principal who;
    who.subject = q.user;
    const ws::authz::ObjectRef on{
        q.type == "account" ? ws::authz::ObjectType::kAccount : ws::authz::ObjectType::kWorkspace,
        q.id};
    const auto t0 = Clock::now();
    const ws::authz::Decision d = ours.Check(who, q.perm, on);
    const auto t1 = Clock::now();
    if (d == ws::authz::Decision::kError) {
      std::fprintf(stderr, "ws_bench_authz: an in-process check failed\n");
      return 2;
    }
    ours_ns.push_back(ns(t0, t1));
    ours_answers.push_back(d == ws::authz::Decision::kAllow);
  }

  auto engine = ws::spicedb::StartEmbedded(library);
  if (!engine.ok()) Die("engine", engine.status());
  if (auto s = (*engine)->WriteSchema(ws::authz::EmbeddedSchemaText()); !s.ok())
    Die("engine schema", s);
  std::vector<ws::spicedb::Update> updates;
  for (const auto& r : list) updates.push_back({true, r});
  if (auto w = (*engine)->Write(updates); !w.ok()) Die("engine write", w.status());
  int mismatches = 0;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const Question& q = questions[i];
    // SpiceDB's account has no `write`; the authorizer asks `administer`.
    const std::string perm =
        q.type == "account" && q.permission == "write" ? "administer" : q.permission;
    const auto t0 = Clock::now();
    auto theirs = (*engine)->Check(q.type, q.id, perm, {"user", q.user, ""});
    const auto t1 = Clock::now();
    if (!theirs.ok()) Die("engine check", theirs.status());
    theirs_ns.push_back(ns(t0, t1));
    if (*theirs != ours_answers[i]) ++mismatches;
  }
  std::filesystem::remove_all(dir);
  std::printf("%ld %ld %ld %ld %d %d\n", Percentile(ours_ns, 0.5), Percentile(ours_ns, 0.99),
              Percentile(theirs_ns, 0.5), Percentile(theirs_ns, 0.99), checks, mismatches);
  return mismatches == 0 ? 0 : 1;
}
