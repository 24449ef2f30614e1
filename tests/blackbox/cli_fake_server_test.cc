// `workspaced ws` against a scripted server on loopback (FakeHttpServer):
// the answers a real workspaced does not give but a proxy or a broken server
// may — an idle connection closed during a Retry-After wait (docs/cli.md,
// "Errors, retries and exit codes").
#include <gtest/gtest.h>

#include <atomic>

#include "support/fake_http_server.h"
#include "support/server_process.h"

namespace workspaced::testing {
namespace {

constexpr char kId[] = "0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b";
const std::string kWorkspace = std::string(R"({"id":")") + kId + R"(","status":"frozen"})";

CommandResult Ws(const FakeHttpServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), "ws");
  return RunWorkspaced(args, {{"CP_URL", server.url()}, {"TOKEN", "t0ken"}});
}

// A proxy with a short idle timeout closes the keep-alive connection while
// the CLI waits out a 429's Retry-After. The PATCH is resent (the 429 said
// nothing was done) on a fresh connection, where it was sent on the dead one
// and failed "cannot reach …: end of stream", since a PATCH is not resent on
// a connection found dead.
TEST(CliFakeServer, A429RetryGoesOnAFreshConnectionWhenTheIdleOneWasClosed) {
  std::atomic<int> seen{0};
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    if (++seen == 1) return {FakeHttpServer::Response(429, {{"Retry-After", "1"}}), /*close=*/true};
    return {FakeHttpServer::Response(200, {{"Content-Type", "application/json"}}, kWorkspace)};
  });
  const CommandResult r = Ws(server, {"freeze", kId});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("status":"frozen")"), std::string::npos) << r.out;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u) << r.err;
  for (const auto& q : requests) {
    EXPECT_EQ(q.method, "PATCH");
    EXPECT_EQ(q.target, std::string("/v1/workspaces/") + kId + "/status");
    EXPECT_EQ(q.body, R"({"status":"frozen"})");
  }
  EXPECT_EQ(requests[0].connection, 1);
  EXPECT_EQ(requests[1].connection, 2);
}

// Only a Retry-After wait makes the CLI resend a PATCH: one whose connection
// dies under it is reported, not resent (the server may have done it).
TEST(CliFakeServer, APatchWhoseConnectionDiesIsNotResent) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {"", /*close=*/true};
  });
  const CommandResult r = Ws(server, {"freeze", kId});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace workspaced::testing
