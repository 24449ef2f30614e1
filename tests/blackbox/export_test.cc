// GET /v1/workspaces/{id}/export in each format, parsed back and compared
// with the data; streamed (chunked) across many pages of audit events.
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
    // Audit events through the store, so the hash chain is real.
    store::SqliteOptions o;
    o.path = server_->data_dir() + "/" + app::kDatabaseFile;
    auto store = store::OpenSqliteStore(o);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->Write([&](store::Tx& tx) -> Status {
                      for (int i = 0; i < kEvents; ++i) {
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
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kEvents) + 1);  // + the export itself
  EXPECT_EQ(events[0].as_object().at("target_id").as_string(), "m0");
  EXPECT_EQ(events[0].as_object().at("details").as_object().at("note").as_string(), "a, \"b\"");
  EXPECT_EQ(events[kEvents].as_object().at("action").as_string(), "workspace.export");
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
  EXPECT_EQ(types["audit_events"], kEvents + 1);
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
    if (section == "workspace")
      EXPECT_NE(line.find(",\"Dev, \"\"quoted\"\"\","), std::string::npos) << line;
  }
  EXPECT_EQ(rows["workspace"], 1);
  EXPECT_EQ(rows["environments"], 3);
  EXPECT_EQ(rows["audit_events"], kEvents + 1);
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

TEST_F(Export, AClientThatLeavesMidwayDoesNotHurtTheServer) {
  const std::string request = "GET /v1/workspaces/" + ws_ +
                              "/export?format=ndjson HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              server_->Token("vic") + "\r\n\r\n";
  // Raw reads the first bytes and gives up after 50 ms, closing the socket.
  const std::string partial = HttpClient::Raw(server_->port(), request, 50);
  EXPECT_EQ(partial.rfind("HTTP/1.1 200", 0), 0u);
  HttpClient c(server_->port());
  EXPECT_EQ(c.Get("/healthz").status, 200);
  EXPECT_EQ(Get("?format=json").status, 200);
}

}  // namespace
}  // namespace workspaced::testing
