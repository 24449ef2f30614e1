// GET /v1/workspaces/{id}/export in each format, parsed back and compared
// with the data; streamed (chunked) across many pages of audit events.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

constexpr int kEvents = 1200;  // more than two pages of the export's audit reads

class Export : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    ws_ = seed_->Workspace(acme_, "Dev, \"quoted\"");
    seed_->Member(ws_, "vic", model::WorkspaceRole::kViewer);
    AddAuditEvents(kEvents);
  }

  // Audit events through the store, so the hash chain is real.
  void AddAuditEvents(int n) {
    ASSERT_TRUE(seed_->store()
                    .Write([&](store::Tx& tx) -> Status {
                      for (int i = 0; i < n; ++i) {
                        model::AuditEvent e;
                        e.time = 1'700'000'000'000'000 + i;
                        e.actor = "alice";
                        e.actor_auth = "dev";
                        e.action = "member.put";
                        e.target_type = "workspace_member";
                        e.target_id = "m" + std::to_string(i);
                        e.workspace_id = ws_;
                        e.outcome = "success";
                        e.details = R"({"role":"viewer","note":"a, \"b\""})";
                        WS_RETURN_IF_ERROR(tx.AppendAudit(e));
                      }
                      return Status::Ok();
                    })
                    .ok());
  }

  // The server's gauge of requests being handled, this scrape included: the
  // least of a few scrapes, since the previous scrape may still be finishing
  // on the server when the next one arrives.
  long InFlight() {
    long least = -1;
    for (int i = 0; i < 3; ++i) {
      HttpClient c(server_->port());
      const std::string body = c.Get("/metrics").body;
      const std::string key = "\nworkspaced_http_requests_in_flight ";
      const auto at = body.find(key);
      if (at == std::string::npos) return -1;
      const long n = std::stol(body.substr(at + key.size()));
      least = least < 0 ? n : std::min(least, n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return least;
  }

  bool WaitInFlight(long want) {
    for (int i = 0; i < 500; ++i) {
      if (InFlight() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  HttpResponse Get(const std::string& query, const std::string& accept = "",
                   const std::string& who = "vic") {
    std::vector<std::pair<std::string, std::string>> h{
        {"Authorization", "Bearer " + server_->Token(who)}};
    if (!accept.empty()) h.emplace_back("Accept", accept);
    HttpClient c(server_->port());
    return c.Send("GET", "/v1/workspaces/" + ws_ + "/export" + query, h);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, ws_;
};

TEST_F(Export, JsonIsOneDocumentWithEverySection) {
  const HttpResponse r = Get("");  // the configured default: json
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  const std::string disposition = r.Header("Content-Disposition");
  EXPECT_EQ(disposition.rfind("attachment; filename=\"workspace-", 0), 0u) << disposition;
  EXPECT_NE(disposition.find(".json\""), std::string::npos) << disposition;
  const boost::json::value doc = Json(r.body);
  const auto& o = doc.as_object();
  EXPECT_EQ(o.at("workspace").as_object().at("id").as_string(), ws_);
  EXPECT_EQ(o.at("workspace").as_object().at("name").as_string(), "Dev, \"quoted\"");
  ASSERT_EQ(o.at("environments").as_array().size(), 3u);
  ASSERT_EQ(o.at("members").as_array().size(), 1u);
  EXPECT_EQ(o.at("members").as_array()[0].as_object().at("subject").as_string(), "vic");
  const auto& events = o.at("audit_events").as_array();
  // The workspace's creation, the events added, the export itself.
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kEvents) + 2);
  EXPECT_EQ(events[0].as_object().at("action").as_string(), "workspace.create");
  EXPECT_EQ(events[1].as_object().at("target_id").as_string(), "m0");
  EXPECT_EQ(events[1].as_object().at("details").as_object().at("note").as_string(), "a, \"b\"");
  EXPECT_EQ(events[kEvents + 1].as_object().at("action").as_string(), "workspace.export");
  for (std::size_t i = 1; i < events.size(); ++i) {
    ASSERT_LT(std::stoll(std::string(events[i - 1].as_object().at("seq").as_string())),
              std::stoll(std::string(events[i].as_object().at("seq").as_string())));
  }
}

TEST_F(Export, NdjsonHasOneRecordPerLine) {
  const HttpResponse r = Get("?format=ndjson");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/x-ndjson");
  std::map<std::string, int> types;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    const boost::json::value v = Json(line);
    ++types[std::string(v.as_object().at("type").as_string())];
  }
  EXPECT_EQ(types["workspace"], 1);
  EXPECT_EQ(types["environments"], 3);
  EXPECT_EQ(types["members"], 1);
  EXPECT_EQ(types["audit_events"], kEvents + 2);  // + the creation and the export
}

TEST_F(Export, CsvHasOneSectionPerRecordTypeWithRfc4180Quoting) {
  const HttpResponse r = Get("", "text/csv");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  std::map<std::string, int> rows;  // data rows per section
  std::string section;
  bool header = false;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\r') << "CRLF line ends";
    line.pop_back();
    if (line.empty()) continue;
    if (line.rfind("# ", 0) == 0) {
      section = line.substr(2);
      header = true;
      continue;
    }
    if (header) {
      header = false;
      continue;
    }
    ++rows[section];
    if (section == "workspace") {
      EXPECT_NE(line.find(",\"Dev, \"\"quoted\"\"\","), std::string::npos) << line;
    }
  }
  EXPECT_EQ(rows["workspace"], 1);
  EXPECT_EQ(rows["environments"], 3);
  EXPECT_EQ(rows["audit_events"], kEvents + 2);  // + the creation and the export
  for (const char* s : {"members", "group_mappings", "provisioning_runs", "provisioning_steps"})
    EXPECT_TRUE(rows.count(s) || r.body.find(std::string("# ") + s) != std::string::npos) << s;
}

TEST_F(Export, FormatsPermissionsAndAudit) {
  ExpectProblem(Get("", "application/xml"), 406);
  ExpectProblem(Get("?format=xml"), 406);
  ExpectProblem(Get("?limit=1"), 400);
  ExpectProblem(Get("", "", "mallory"), 404);
  EXPECT_EQ(Get("", "application/x-ndjson").Header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE action = 'workspace.export'"),
            1);
}

TEST_F(Export, ASlowReaderHoldsTheExportBackAndALeavingOneStopsIt) {
  // Far more than the kernel's socket buffers hold (about 10 MB of NDJSON).
  AddAuditEvents(25'000);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  const int small = 8192;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request =
      "GET /v1/workspaces/" + ws_ +
      "/export?format=ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
      server_->Token("vic") + "\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  char head[4096];
  ASSERT_GT(::recv(fd, head, sizeof head, 0), 0);
  EXPECT_EQ(std::string(head, 12), "HTTP/1.1 200");

  // The reader stops reading: the export waits for it (it is still in flight
  // long after an unhindered export would have ended) instead of buffering.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(InFlight(), 2);  // the export and this scrape
  EXPECT_EQ(InFlight(), 2);

  // It leaves: the server notices, stops the export and frees the request.
  ::close(fd);
  EXPECT_TRUE(WaitInFlight(1)) << "the abandoned export is still being handled";
  EXPECT_EQ(Get("?format=json").status, 200);
}

}  // namespace
}  // namespace workspaced::testing
