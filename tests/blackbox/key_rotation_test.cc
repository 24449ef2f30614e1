// `workspaced keys rotate` beside a running server (docs/encryption.md): the
// server wraps every data key made after the rotation under the new KEK
// without a restart, first writes racing the rotation leave no key under the
// old KEK, and a server started before the rotation opens what the
// rotation rewrapped once the old KEK's file is gone. Each test ends with
// the old KEK file moved away, which is what rotation is for. Runs on
// SQLite and PostgreSQL (Postgres.*), in both cells (the fixture and its
// instantiation are secrets_test.cc's).
#include <atomic>
#include <filesystem>
#include <thread>

#include "blackbox/secrets_fixture.h"

namespace workspaced::testing {
namespace {

namespace fs = std::filesystem;

// The ids of the kek-<id>.key files in `dir`, sorted.
std::vector<std::string> KekIds(const std::string& dir) {
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("kek-") && name.ends_with(".key"))
      ids.push_back(name.substr(4, name.size() - 8));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The id of the KEK that wraps the workspace's data key, as the database holds it.
std::string KekOf(const std::string& data_dir, const std::string& ws) {
  const std::string stored = QueryText(
      data_dir, "SELECT wrapped FROM workspace_data_keys WHERE workspace_id = '" + ws + "'");
  const std::size_t dot = stored.find('.', 3);
  return stored.substr(3, dot == std::string::npos ? 0 : dot - 3);
}

long long KeysUnder(const std::string& data_dir, const std::string& kek) {
  return CountRows(
      data_dir, "SELECT COUNT(*) FROM workspace_data_keys WHERE wrapped LIKE 'v1." + kek + ".%'");
}

class KeyRotation : public Secrets {
 protected:
  // Runs `keys rotate` on the server's data directory; the new KEK's id.
  std::string Rotate(CommandResult* result = nullptr) {
    const std::vector<std::string> before = KekIds(server_->data_dir());
    const CommandResult r = RunWorkspaced({"keys", "rotate", "--data-dir", server_->data_dir()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    if (result != nullptr) *result = r;
    for (const std::string& id : KekIds(server_->data_dir()))
      if (std::find(before.begin(), before.end(), id) == before.end()) return id;
    ADD_FAILURE() << "no new KEK: " << r.out << r.err;
    return "";
  }
  // Moves the KEK's file out of the key directory (a retired key).
  void Retire(const std::string& kek) {
    const fs::path dir = server_->data_dir();
    fs::rename(dir / ("kek-" + kek + ".key"), dir / ("retired-" + kek));
  }
  // Stops the server, retires the KEK and starts the server again on the
  // same data directory (the stopped process keeps the directory until the
  // test ends).
  void RestartWithout(const std::string& kek) {
    server_->Stop();
    Retire(kek);
    ServerProcess::Options again;
    again.data_dir = server_->data_dir();
    again.config_json = Config();
    stopped_.push_back(std::move(server_));
    StartOn(again);
  }
  // A new workspace (provisioned), without data key yet.
  std::string NewWorkspace(const std::string& name) {
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, name));
    EXPECT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    EXPECT_EQ(
        WaitRun(*c_, server_->Token("alice"), std::string(o.at("provisioning_run_id").as_string()))
            .at("state")
            .as_string(),
        "succeeded");
    return std::string(o.at("workspace_id").as_string());
  }
  HttpResponse PutIn(HttpClient& c, const std::string& ws, const std::string& name,
                     const std::string& value) {
    return CallAs(c, *server_, "PUT", "/v1/workspaces/" + ws + "/secrets/" + name, "alice",
                  ValueBody(value));
  }
  HttpResponse RevealIn(const std::string& ws, const std::string& name) {
    return CallAs(*c_, *server_, "POST", "/v1/workspaces/" + ws + "/secrets/" + name + "/reveal",
                  "alice");
  }

  std::vector<std::unique_ptr<ServerProcess>> stopped_;
};

TEST_P(KeyRotation, AWorkspacesFirstKeyAfterARotationIsUnderTheNewKekWithoutARestart) {
  StartOn();
  const std::string old_kek = KekIds(server_->data_dir()).at(0);
  const std::string new_kek = Rotate();
  CreateWorkspace();
  ASSERT_EQ(Put("FIRST", ValueBody(kValue)).status, 201);
  EXPECT_EQ(KekOf(server_->data_dir(), ws_), new_kek);
  EXPECT_EQ(KeysUnder(server_->data_dir(), old_kek), 0);

  RestartWithout(old_kek);
  const HttpResponse shown = Call("POST", "/secrets/FIRST/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
}

// A data directory whose key files are gone before any data key was made
// (or that never had one) gets one key from a rotation, not two: the first
// that the ring makes is the rotation's new key, and the server started on
// it wraps the first data key under it.
TEST_P(KeyRotation, ADataDirectoryWithoutAKeyGetsOneKeyNotTwo) {
  StartOn();
  server_->Stop();
  for (const std::string& id : KekIds(server_->data_dir())) Retire(id);
  ASSERT_TRUE(KekIds(server_->data_dir()).empty());

  CommandResult r;
  const std::string made = Rotate(&r);
  EXPECT_EQ(KekIds(server_->data_dir()), std::vector<std::string>{made});
  EXPECT_NE(r.out.find("new key-encryption key " + made), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("active key-encryption key " + made), std::string::npos) << r.out;

  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  stopped_.push_back(std::move(server_));
  StartOn(again);
  CreateWorkspace();
  ASSERT_EQ(Put("FIRST", ValueBody(kValue)).status, 201);
  EXPECT_EQ(KekOf(server_->data_dir(), ws_), made);
}

// Four writers put the first secret of fresh workspaces while the rotation
// runs; the last four wait for it to end. Whatever the interleaving, no key
// is left under the old KEK, and the count printed is the keys replaced.
TEST_P(KeyRotation, FirstWritesRacingARotationLeaveNoKeyUnderTheOldKek) {
  StartOn();
  constexpr int kWriters = 4, kWorkspaces = 16;
  std::vector<std::string> workspaces;
  for (int i = 0; i < kWorkspaces; ++i)
    workspaces.push_back(NewWorkspace("Race " + std::to_string(i)));
  const std::string old_kek = KekIds(server_->data_dir()).at(0);

  std::atomic<int> next{0}, written{0};
  std::atomic<bool> rotated{false};
  std::vector<int> statuses(kWorkspaces);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      HttpClient c(server_->port());
      for (int i = next++; i < kWorkspaces; i = next++) {
        if (i >= kWorkspaces - kWriters) Eventually([&] { return rotated.load(); });
        statuses[i] = PutIn(c, workspaces[i], "RACE", kValue).status;
        ++written;
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return written.load() >= 2; }));
  CommandResult r;
  const std::string new_kek = Rotate(&r);
  rotated = true;
  for (auto& t : writers) t.join();
  for (int i = 0; i < kWorkspaces; ++i) EXPECT_EQ(statuses[i], 201) << i;

  EXPECT_EQ(KeysUnder(server_->data_dir(), old_kek), 0);
  EXPECT_EQ(KeysUnder(server_->data_dir(), new_kek), kWorkspaces);
  const long long rewrapped =
      CountRows(server_->data_dir(),
                "SELECT COUNT(*) FROM workspace_data_keys WHERE rewrapped_at <> created_at");
  EXPECT_NE(r.out.find("rewrapped " + std::to_string(rewrapped) + " data key"), std::string::npos)
      << r.out;

  RestartWithout(old_kek);
  for (const std::string& ws : workspaces) {
    const HttpResponse shown = RevealIn(ws, "RACE");
    ASSERT_EQ(shown.status, 200) << ws << " " << shown.body;
  }
}

// The server loaded only the old KEK. After the rotation it writes a first
// key (under the new KEK: it reloads), the old file is retired while it
// runs, and both the key the rotation rewrapped and the new one open.
TEST_P(KeyRotation, AServerStartedBeforeARotationOpensEveryKeyOnceTheOldKekIsGone) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("BEFORE", ValueBody(kValue)).status, 201);
  const std::string fresh = NewWorkspace("Fresh");
  const std::string old_kek = KekIds(server_->data_dir()).at(0);
  const std::string new_kek = Rotate();
  EXPECT_EQ(KekOf(server_->data_dir(), ws_), new_kek);
  ASSERT_EQ(PutIn(*c_, fresh, "AFTER", kValue2).status, 201);
  Retire(old_kek);

  HttpResponse shown = Call("POST", "/secrets/BEFORE/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
  shown = RevealIn(fresh, "AFTER");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue2);
}

INSTANTIATE_TEST_SUITE_P(Cells, KeyRotation, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "PostgresCell" : "EmbeddedCell";
                         });

}  // namespace
}  // namespace workspaced::testing
