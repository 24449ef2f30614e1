// Infrastructure errors stay inside (issue 14): when a region's PostgreSQL
// cell cannot be reached, the run, its audit events and the export say "the
// region's dataplane is unreachable" (code dataplane_unreachable) — never
// libpq's message with the cell's host and port, which only the server's log
// has, next to the run's id.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

std::string Str(const boost::json::object& o, const char* key) {
  return o.at(key).is_null() ? "" : std::string(o.at(key).as_string());
}

TEST(InternalErrors, AnUnreachableCellIsShownByAStableReasonAndItsAddressOnlyInTheLog) {
  const int port = UnusedPort();
  // What libpq says names the cell: "… at "127.0.0.1", port N failed: …".
  const std::string telltale = "port " + std::to_string(port);
  ServerProcess::Options o;
  o.config_json = FastSagaConfig(1000, R"(,"cells":{"eu-west-1":"host=127.0.0.1 port=)" +
                                           std::to_string(port) + R"( connect_timeout=2"})");
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const HttpResponse created = PostWorkspace(
      c, admin, R"({"account_id":")" + account + R"(","name":"Far","region":"eu-west-1"})");
  ASSERT_EQ(created.status, 202) << created.body;
  const auto accepted = Json(created.body).as_object();
  const std::string ws = Str(accepted, "workspace_id");
  const std::string run_id = Str(accepted, "provisioning_run_id");

  // Its attempts run out; undoing the step meets the same cell, and waits.
  std::vector<std::string> bodies;
  boost::json::object run;
  ASSERT_TRUE(Eventually([&] {
    const HttpResponse r = c.Get("/v1/provisioning-runs/" + run_id, admin);
    if (r.status != 200) return false;
    run = Json(r.body).as_object();
    bodies.push_back(r.body);
    return Str(run, "state") == "compensating" &&
           Str(StepOf(run, "provision_dataplane"), "last_error").starts_with("compensation:");
  })) << boost::json::serialize(run);
  EXPECT_EQ(Str(run, "error"),
            "provisioning failed at step provision_dataplane after 4 attempts: the region's "
            "dataplane is unreachable");
  EXPECT_EQ(Str(run, "error_code"), "dataplane_unreachable");
  const auto& step = StepOf(run, "provision_dataplane");
  EXPECT_EQ(Str(step, "last_error"), "compensation: the region's dataplane is unreachable");
  EXPECT_EQ(Str(step, "last_error_code"), "dataplane_unreachable");

  const HttpResponse audit = c.Get("/v1/workspaces/" + ws + "/audit?limit=1000", admin);
  ASSERT_EQ(audit.status, 200) << audit.body;
  bodies.push_back(audit.body);
  int failures = 0;
  const boost::json::value events = Json(audit.body);
  for (const auto& e : events.as_array()) {
    const auto& event = e.as_object();
    if (event.at("action").as_string() != "provisioning.step.failed") continue;
    ++failures;
    const auto& details = event.at("details").as_object();
    EXPECT_EQ(details.at("error").as_string(), "the region's dataplane is unreachable");
    EXPECT_EQ(details.at("error_code").as_string(), "dataplane_unreachable");
  }
  EXPECT_EQ(failures, 4);

  bodies.push_back(c.Get("/v1/workspaces/" + ws, admin).body);
  for (const char* format : {"json", "ndjson", "csv"}) {
    const HttpResponse exported =
        c.Get("/v1/workspaces/" + ws + "/export?format=" + std::string(format), admin);
    ASSERT_EQ(exported.status, 200) << exported.body;
    EXPECT_NE(exported.body.find("the region's dataplane is unreachable"), std::string::npos)
        << format;
    bodies.push_back(exported.body);
  }
  for (const std::string& body : bodies) {
    EXPECT_EQ(body.find(telltale), std::string::npos) << body;
    EXPECT_EQ(body.find("Connection refused"), std::string::npos) << body;
  }

  // The operator's log has the detail, with the run it belongs to.
  const auto logged = [&] {
    const std::string log = server->Output();
    for (std::size_t at = log.find(telltale); at != std::string::npos;
         at = log.find(telltale, at + 1)) {
      const std::size_t begin = log.rfind('\n', at) + 1;
      if (log.substr(begin, log.find('\n', at) - begin).find(run_id) != std::string::npos)
        return true;
    }
    return false;
  };
  EXPECT_TRUE(Eventually(logged)) << "no log line names both the cell and run " << run_id;
}

}  // namespace
}  // namespace workspaced::testing
