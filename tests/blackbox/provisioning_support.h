// Helpers for the provisioning black-box tests: a fast saga configuration,
// creating a workspace over HTTP, waiting for its run, and read-only looks
// into the server's database for what the API does not show (relationship
// rows, dataplane files).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "blackbox/fixture.h"
#include "support/database.h"

namespace workspaced::testing {

// Short backoffs, leases and polls so failures and takeovers play out fast.
inline std::string FastSagaConfig(int lease_ms = 1000, const std::string& extra = "") {
  return R"({"saga":{"backoff_initial_ms":10,"backoff_max_ms":40,"lease_ms":)" +
         std::to_string(lease_ms) + R"(,"poll_ms":50,"max_attempts":4})" + extra + "}";
}

inline std::string CreateBody(const std::string& account, const std::string& name,
                              const std::string& extra = "") {
  return R"({"account_id":")" + account + R"(","name":")" + name + R"(","region":"us-east-1")" +
         extra + "}";
}

inline HttpResponse PostWorkspace(HttpClient& c, const std::string& token, const std::string& body,
                                  const std::string& idempotency_key = "") {
  std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token},
                                                           {"Content-Type", "application/json"}};
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  return c.Send("POST", "/v1/workspaces", headers, body);
}

// `method` on `path` as `who` (a dev token), with a JSON body when one is
// given and any `extra` headers.
inline HttpResponse CallAs(HttpClient& c, const ServerProcess& server, const std::string& method,
                           const std::string& path, const std::string& who,
                           const std::string& body = "",
                           std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> h{
      {"Authorization", "Bearer " + server.Token(who)}};
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  for (auto& e : extra) h.push_back(std::move(e));
  return c.Send(method, path, h, body);
}

// Polls `done` every 10 ms until it holds: an event to wait for, never a
// fixed sleep. False after `seconds` (a hang or a bug, not the expected path).
template <typename F>
bool Eventually(F done, int seconds = 30) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Polls the run until it is succeeded or failed (or 30 s pass).
inline boost::json::object WaitRun(HttpClient& c, const std::string& token,
                                   const std::string& run_id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  boost::json::object run;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpResponse r = c.Get("/v1/provisioning-runs/" + run_id, token);
    if (r.status == 200) {
      run = Json(r.body).as_object();
      const auto& state = run.at("state").as_string();
      if (state == "succeeded" || state == "failed") return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "run " << run_id << " did not finish: " << boost::json::serialize(run);
  return run;
}

// Polls GET /v1/operations/{id} until it is succeeded, failed or cancelled
// (or 30 s pass).
inline boost::json::object WaitOperation(HttpClient& c, const std::string& token,
                                         const std::string& id) {
  boost::json::object op;
  EXPECT_TRUE(Eventually([&] {
    const HttpResponse r = c.Get("/v1/operations/" + id, token);
    if (r.status != 200) return false;
    op = Json(r.body).as_object();
    const auto& s = op.at("state").as_string();
    return s == "succeeded" || s == "failed" || s == "cancelled";
  })) << boost::json::serialize(op);
  return op;
}

inline const boost::json::object& StepOf(const boost::json::object& run, const std::string& name) {
  for (const auto& s : run.at("steps").as_array())
    if (s.as_object().at("name").as_string() == name) return s.as_object();
  throw std::runtime_error("no step " + name);
}

// A number from one SQL query on the server's database (either backend).
inline long long CountRows(const std::string& data_dir, const std::string& sql) {
  return QueryNumber(data_dir, sql);
}

// Relationship rows whose resource is the workspace or one of its
// environments (environments may be gone: those rows are matched by the
// environment relationship's subject).
inline long long RelationshipRows(const std::string& data_dir, const std::string& ws) {
  return CountRows(data_dir,
                   "SELECT COUNT(*) FROM relationships WHERE (resource_type = 'workspace' AND "
                   "resource_id = '" +
                       ws +
                       "') OR (resource_type = 'environment' AND "
                       "subject_type = 'workspace' AND subject_id = '" +
                       ws + "')");
}

// A loopback port nothing listens on (bound, then closed).
inline int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The default account's id, as `serve` logs it at start.
inline std::string DefaultAccount(const std::string& server_log) {
  const std::string key = "\"default_account_id\":\"";
  const auto at = server_log.find(key);
  return at == std::string::npos ? "" : server_log.substr(at + key.size(), 36);
}

// A raw connection that asks for the workspace's NDJSON export with a small
// receive buffer (and `request_id` as its X-Request-Id, when given), and
// reads nothing: a reader that stalls. The caller closes it.
inline int RequestExportAndStall(std::uint16_t port, const std::string& ws,
                                 const std::string& token, const std::string& request_id = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  const int small = 8192;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request =
      "GET /v1/workspaces/" + ws +
      "/export?format=ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: "
      "Bearer " +
      token + "\r\n" + (request_id.empty() ? "" : "X-Request-Id: " + request_id + "\r\n") + "\r\n";
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  return fd;
}

inline bool DataplaneFileExists(const std::string& data_dir, const std::string& ws) {
  return std::filesystem::exists(data_dir + "/dataplanes/us-east-1/" + ws + ".db");
}

// Files in the region's dataplane directory other than the shared store: one
// per dedicated dataplane (or a leftover temporary one).
inline int DataplaneFiles(const std::string& data_dir) {
  const std::filesystem::path region = data_dir + "/dataplanes/us-east-1";
  std::error_code ec;
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(region, ec))
    if (e.path().filename().string().rfind("shared.db", 0) != 0) ++n;
  return n;
}

// How many times `run` was taken over from the process `pid` (the lease owner
// is host:pid:random) by another one, as the audit log records it.
inline long long TakeoversFrom(const std::string& data_dir, const std::string& run, int pid) {
  const std::string mark = "'%:" + std::to_string(pid) + ":%'";
  return CountRows(data_dir,
                   "SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'provisioning.run.taken_over' AND target_id = '" +
                       run + "' AND " + SqlJsonField(data_dir, "details", "previous_owner") +
                       " LIKE " + mark + " AND " + SqlJsonField(data_dir, "details", "owner") +
                       " NOT LIKE " + mark);
}

// Starts `n` servers with `o` into `servers`, one after another (the first
// migrates the database alone); the default account's id.
inline std::string StartReplicas(const ServerProcess::Options& o, int n,
                                 std::vector<std::unique_ptr<ServerProcess>>& servers) {
  for (int i = 0; i < n; ++i) servers.push_back(ServerProcess::Start(o));
  const std::string account = DefaultAccount(servers[0]->Output());
  EXPECT_FALSE(account.empty()) << servers[0]->Output();
  return account;
}

// Prints the tail of each server's output when the test failed, so that a
// failure in a CI log can be understood: declare it after the servers'
// vector (it reads them when it goes out of scope, before they stop).
struct ServerLogsOnFailure {
  const std::vector<std::unique_ptr<ServerProcess>>& servers;
  std::string label = "replica";
  ~ServerLogsOnFailure() {
    if (!::testing::Test::HasFailure()) return;
    constexpr std::size_t kTail = 100'000;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      if (!servers[i]) continue;
      const std::string out = servers[i]->Output();
      std::cerr << "==== " << label << " " << i << ", last " << std::min(out.size(), kTail)
                << " of " << out.size() << " bytes of output ====\n"
                << out.substr(out.size() > kTail ? out.size() - kTail : 0) << "\n";
    }
  }
};

// Sends `n` DELETEs of `path` as `token` at once (a connection each, all
// released together once connected); their statuses.
inline std::vector<int> DeleteAtOnce(std::uint16_t port, const std::string& token,
                                     const std::string& path, int n) {
  std::vector<int> statuses(n, 0);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(port);
      ready.fetch_add(1);
      while (ready.load() < n) std::this_thread::yield();
      statuses[i] = c.Send("DELETE", path, {{"Authorization", "Bearer " + token}}).status;
    });
  }
  for (auto& t : threads) t.join();
  return statuses;
}

}  // namespace workspaced::testing
