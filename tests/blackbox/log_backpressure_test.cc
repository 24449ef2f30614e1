// The server never waits on its stdout (src/common/log.h): a log reader that
// stops reading fills the pipe and then the server's buffer of 1 MiB, and
// requests are still answered; the lines beyond the buffer are dropped,
// counted in /metrics, and told of once stdout is read again.
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

// A server with its access log on, whose stdout is no longer read, sent
// 3,000 requests: an access line of about 1 KiB each, more than the pipe
// (64 KiB) and the server's buffer hold together. Each must be answered.
struct Flooded {
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<HttpClient> client;  // declared last: closed first
};
Flooded StalledAndFlooded() {
  ServerProcess::Options o;
  o.config_json = R"({"access_log":true})";
  Flooded f{ServerProcess::Start(o), nullptr};
  f.client = std::make_unique<HttpClient>(f.server->port());
  f.server->PauseOutput(true);
  // A parameter whose value the access log keeps (others are REDACTED).
  const std::string target = "/healthz?cursor=" + std::string(900, 'p');
  for (int i = 0; i < 3000; ++i) {
    const HttpResponse r = f.client->Send("GET", target);
    EXPECT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    if (r.status != 200) break;
  }
  return f;
}

TEST(LogBackpressure, AStalledLogReaderNeverStallsRequestsAndDropsAreCounted) {
  const Flooded f = StalledAndFlooded();
  ASSERT_FALSE(HasFailure());
  ServerProcess* server = f.server.get();
  const HttpResponse m = f.client->Send("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  const std::string name = "\nworkspaced_log_lines_dropped ";
  const auto at = m.body.find(name);
  ASSERT_NE(at, std::string::npos) << m.body.substr(0, 2000);
  const double dropped = std::stod(m.body.substr(at + name.size()));
  EXPECT_GT(dropped, 0) << "3,000 lines of 1 KiB fit in a 1 MiB buffer?";

  server->PauseOutput(false);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server->Output().find("log: lines dropped") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_NE(server->Output().find("log: lines dropped"), std::string::npos)
      << server->Output().substr(0, 500);
  // What was written before the drops is whole: every line is JSON ending
  // in '}'.
  const std::string out = server->Output();
  std::size_t from = 0, broken = 0;
  for (std::size_t nl; (nl = out.find('\n', from)) != std::string::npos; from = nl + 1)
    broken += nl == from || out[nl - 1] != '}';
  EXPECT_EQ(broken, 0u);
}

// A stop is not held by a stalled stdout either: the server answers,
// stops, and ends once Flush has waited its 2 s for stdout (it stayed
// alive until the pipe was read: exit() flushed stdio, whose lock the
// blocked writer held; found by an outside audit).
TEST(LogBackpressure, AServerWhoseStdoutStalledStillStopsOnSigterm) {
  const Flooded f = StalledAndFlooded();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(::kill(f.server->pid(), SIGTERM), 0);
  EXPECT_EQ(f.server->Wait(30'000), 0) << "still running with its stdout stalled";
}

}  // namespace
}  // namespace workspaced::testing
