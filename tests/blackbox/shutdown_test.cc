// A stopping server and a database another process has locked (SQLite: the
// file lock of the embedded default; docs/configuration.md).
#include <signal.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "app/bootstrap.h"
#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

// Requests waiting on a write lock that another process holds do not hold the
// exit back past the shutdown grace: each used to wait out the 5 s busy
// timeout in turn (they queue for the one writer), so six of them kept a 1 s
// grace going for 30 s. Now the waits end with the grace, and every client
// is answered 503 (retry) while the lock is still held, which proves the exit
// did not wait for it.
TEST(Shutdown, TheGraceBoundsRequestsWaitingOnADatabaseLockedElsewhere) {
  ServerProcess::Options o;
  o.config_json = R"({"access_log":false,"limits":{"shutdown_grace_ms":1000}})";
  auto server = ServerProcess::Start(o);
  const std::string token = server->Token("admin");
  HttpClient client(server->port());
  const HttpResponse accounts = client.Get("/v1/accounts", token);
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  const std::string account =
      std::string(boost::json::parse(accounts.body).as_array().at(0).at("id").as_string());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2((server->data_dir() + "/" + app::kDatabaseFile).c_str(), &other,
                            SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  constexpr int kWaiting = 6;
  std::vector<HttpResponse> answers(kWaiting);
  std::vector<std::thread> clients;
  for (int i = 0; i < kWaiting; ++i) {
    clients.emplace_back([&, i] {
      try {
        HttpClient c(server->port());
        answers[i] =
            c.Send("POST", "/v1/workspaces",
                   {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                   R"({"account_id":")" + account + R"(","name":"W)" + std::to_string(i) +
                       R"(","region":"us-east-1"})");
      } catch (const std::exception& e) {
        answers[i].body = e.what();
      }
    });
  }
  // Let the requests reach the server (one waits on the lock, the others on
  // the writer it holds); one read later is answered all the same.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(kill(server->pid(), SIGTERM), 0);
  const int exit_code = server->Wait(20'000);  // before: 6 × 5 s
  for (auto& t : clients) t.join();
  EXPECT_EQ(exit_code, 0) << server->Output();
  for (int i = 0; i < kWaiting; ++i) {
    EXPECT_EQ(answers[i].status, 503) << i << ": " << answers[i].body;
    EXPECT_EQ(answers[i].Header("Content-Type"), "application/problem+json") << i;
  }
  // Still held: the process ended without it.
  EXPECT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(other);
}

}  // namespace
}  // namespace workspaced::testing
