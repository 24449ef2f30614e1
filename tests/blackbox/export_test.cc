// GET /v1/workspaces/{id}/export in each format, parsed back and compared
// with the data; streamed (chunked) across many pages of audit events.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "blackbox/provisioning_support.h"
#include "common/random.h"
#include "saga/steps.h"

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

  // Audit events through the store, so the hash chain is real; `pad` bytes
  // more in each one's details (a large event: group mappings changed).
  void AddAuditEvents(int n, std::size_t pad = 0) {
    seed_->AuditEvents(ws_, n,
                       pad == 0 ? R"({"role":"viewer","note":"a, \"b\""})"
                                : R"({"pad":")" + std::string(pad, 'g') + R"("})");
  }

  // A connection that asks for the NDJSON export, reads the response's
  // first bytes and then nothing more (its receive buffer kept small).
  int StalledReader() {
    const int fd = RequestExportAndStall(server_->port(), ws_, server_->Token("vic"));
    char head[4096];
    EXPECT_GT(::recv(fd, head, sizeof head, 0), 12);
    EXPECT_EQ(std::string(head, 12), "HTTP/1.1 200");
    return fd;
  }

  // A field of the server's /proc/<pid>/status in bytes ("VmRSS", "VmHWM").
  long long ServerMemory(const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
    }
    ADD_FAILURE() << "no " << field << " in /proc/" << server_->pid() << "/status";
    return 0;
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
    ASSERT_LT(events[i - 1].as_object().at("seq").as_int64(),
              events[i].as_object().at("seq").as_int64());
  }
}

// Members are exported a page per chunk (a workspace may have thousands):
// every one of them, once, in subject order, in each format.
TEST_F(Export, MoreMembersThanTwoChunksHoldComeOutEachOnceInOrderInEveryFormat) {
  constexpr int kMembers = 450;  // more than two pages of the export's 200
  for (int i = 0; i < kMembers; ++i) {
    char subject[16];
    std::snprintf(subject, sizeof subject, "m%04d", i);
    seed_->Member(ws_, subject, model::WorkspaceRole::kViewer);
  }
  std::vector<std::string> want;
  for (int i = 0; i < kMembers; ++i) {
    char subject[16];
    std::snprintf(subject, sizeof subject, "m%04d", i);
    want.emplace_back(subject);
  }
  want.emplace_back("vic");  // sorts after every m…

  const HttpResponse json = Get("?format=json");
  ASSERT_EQ(json.status, 200);
  std::vector<std::string> got;
  const boost::json::value doc = Json(json.body);
  for (const auto& m : doc.as_object().at("members").as_array())
    got.emplace_back(m.as_object().at("subject").as_string());
  EXPECT_EQ(got, want);

  const HttpResponse nd = Get("?format=ndjson");
  ASSERT_EQ(nd.status, 200);
  got.clear();
  std::istringstream lines(nd.body);
  for (std::string line; std::getline(lines, line);) {
    const auto o = Json(line).as_object();
    if (o.at("type").as_string() == "members")
      got.emplace_back(o.at("data").as_object().at("subject").as_string());
  }
  EXPECT_EQ(got, want);

  const HttpResponse csv = Get("?format=csv");
  ASSERT_EQ(csv.status, 200);
  const std::size_t from = csv.body.find("# members\r\nsubject,role,created_at\r\n");
  ASSERT_NE(from, std::string::npos);
  const std::size_t to = csv.body.find("\r\n\r\n", from);
  std::istringstream rows(csv.body.substr(from, to - from));
  got.clear();
  std::string row;
  std::getline(rows, row);
  std::getline(rows, row);  // the section's name and header
  while (std::getline(rows, row)) got.push_back(row.substr(0, row.find(',')));
  EXPECT_EQ(got, want);
}

// A workspace retried many times: its runs and their steps are read and
// written kRunPage at a time (they were one chunk, whole), and come out
// each once, in creation order, in every format; a delete's operation is
// not one of them.
TEST_F(Export, ARunChainLongerThanAChunkHoldsComesOutWholeInOrderInEveryFormat) {
  const auto ids_of = [](const boost::json::value& doc, const char* section) {
    std::vector<std::string> ids;
    for (const auto& r : doc.as_object().at(section).as_array())
      ids.emplace_back(r.as_object().at(std::string(section) == "provisioning_runs" ? "id" : "run_id")
                           .as_string());
    return ids;
  };
  std::vector<std::string> want = ids_of(Json(Get("?format=json").body), "provisioning_runs");
  std::unique_ptr<Random> random = NewSecureRandom();
  SystemClock clock;
  std::vector<std::string> others;
  ASSERT_TRUE(seed_->store()
                  .Write([&](store::Tx& tx) -> Status {
                    std::string previous = want.empty() ? "" : want.back();
                    for (int i = 0; i < 130; ++i) {
                      model::ProvisioningRun run = saga::NewProvisioningRun(
                          NewUuidV7(*random, clock), ws_, "alice", previous, clock.Now());
                      run.kind = i % 26 == 25 ? model::OperationKind::kDelete
                                              : model::OperationKind::kRetry;
                      run.state = model::RunState::kFailed;  // nothing for the saga to claim
                      run.finished_at = clock.Now();
                      (run.kind == model::OperationKind::kRetry ? want : others).push_back(run.id);
                      if (run.kind == model::OperationKind::kRetry) previous = run.id;
                      WS_RETURN_IF_ERROR(tx.InsertRun(run));
                    }
                    return Status::Ok();
                  })
                  .ok());
  std::sort(want.begin(), want.end());  // creation order is id order
  std::vector<std::string> want_steps;
  for (const auto& id : want)
    for (std::size_t i = 0; i < saga::ProvisioningStepNames().size(); ++i) want_steps.push_back(id);

  const boost::json::value doc = Json(Get("?format=json").body);
  EXPECT_EQ(ids_of(doc, "provisioning_runs"), want);
  EXPECT_EQ(ids_of(doc, "provisioning_steps"), want_steps);

  std::map<std::string, std::vector<std::string>> nd;
  std::istringstream lines(Get("?format=ndjson").body);
  for (std::string line; std::getline(lines, line);) {
    const auto o = Json(line).as_object();
    const std::string type(o.at("type").as_string());
    if (type == "provisioning_runs")
      nd[type].emplace_back(o.at("data").as_object().at("id").as_string());
    if (type == "provisioning_steps")
      nd[type].emplace_back(o.at("data").as_object().at("run_id").as_string());
  }
  EXPECT_EQ(nd["provisioning_runs"], want);
  EXPECT_EQ(nd["provisioning_steps"], want_steps);

  const std::string csv = Get("?format=csv").body;
  for (const auto& [section, expected] :
       {std::pair{std::string("provisioning_runs"), want},
        std::pair{std::string("provisioning_steps"), want_steps}}) {
    const std::size_t from = csv.find("# " + section + "\r\n");
    ASSERT_NE(from, std::string::npos) << section;
    std::istringstream rows(csv.substr(from, csv.find("\r\n\r\n", from) - from));
    std::string row;
    std::getline(rows, row);
    std::getline(rows, row);  // the section's name and header
    std::vector<std::string> got;  // the first column: the run's id, or a step's run_id
    while (std::getline(rows, row)) got.push_back(row.substr(0, row.find(',')));
    EXPECT_EQ(got, expected) << section;
  }
  for (const auto& id : others) EXPECT_EQ(csv.find(id), std::string::npos) << id;
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
  const int fd = StalledReader();

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

// Access is checked again for every chunk: a reader removed from the
// workspace while its slow export runs gets no more of it. The chunks
// already in the kernel's buffers arrive; then the stream ends cut short
// (no last chunk), where an unhindered export ends whole.
TEST_F(Export, AReaderRemovedWhileItsExportRunsGetsNoMoreOfIt) {
  AddAuditEvents(25'000);  // about 10 MB of NDJSON, far more than the buffers hold
  const int fd = StalledReader();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the export waits on the reader
  HttpClient admin(server_->port());
  ASSERT_EQ(CallAs(admin, *server_, "DELETE", "/v1/workspaces/" + ws_ + "/members/vic", "alice")
                .status,
            204);
  std::string rest;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    rest.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const std::size_t events = static_cast<std::size_t>(
      std::count_if(rest.begin(), rest.end(), [](char c) { return c == '\n'; }));
  EXPECT_LT(events, 25'000u) << "the whole export was sent after the reader was removed";
  EXPECT_FALSE(rest.ends_with("\r\n0\r\n\r\n")) << "the stream ended whole";
  EXPECT_TRUE(WaitInFlight(1));
  EXPECT_EQ(Get("?format=json").status, 404);  // vic may not read it at all now
  EXPECT_EQ(Get("?format=json", "", "alice").status, 200);
}

// Streaming, not buffering, measured: large events (32 KiB each, as a
// workspace admin can make by changing group mappings) and 20 readers that
// stop reading. Each stalled export holds one chunk of at most 256 KiB plus
// an event, so the server's peak resident memory grows by well under 1 MiB a
// reader; an export that read and rendered pages of 500 events held ~16 MiB
// each (330 MiB for the 20). A reader that does read gets the whole export.
TEST_F(Export, StalledReadersOfLargeEventsEachHoldABoundedAmountOfMemory) {
  constexpr int kLarge = 3'000;            // ~96 MiB of audit events
  constexpr std::size_t kPad = 32 * 1024;  // each
  constexpr int kReaders = 20;
  constexpr long long kPerReader = 1 << 20;
  constexpr long long kAllowance = 24 << 20;  // workers' arenas, page caches, the full read
  AddAuditEvents(kLarge, kPad);
  ASSERT_EQ(Get("?format=csv").status, 200);  // warm: every worker has rendered a chunk
  const long long before = ServerMemory("VmRSS");

  std::vector<int> readers;
  for (int i = 0; i < kReaders; ++i) readers.push_back(StalledReader());
  // Until every export has filled its socket and waits: memory stops moving.
  long long last = -1;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long long now = ServerMemory("VmRSS");
    if (std::llabs(now - last) < (64 << 10)) break;
    last = now;
  }
  EXPECT_EQ(InFlight(), kReaders + 1);  // all stalled, none finished
  const long long stalled = ServerMemory("VmRSS");

  // Meanwhile a reader that reads gets every event, whole and in order.
  const HttpResponse full = Get("?format=ndjson");
  ASSERT_EQ(full.status, 200);
  const long long peak = ServerMemory("VmHWM");
  std::istringstream lines(full.body);
  long long events = 0, large = 0, seq = 0;
  std::string last_action;
  for (std::string line; std::getline(lines, line);) {
    const boost::json::value v = Json(line);
    if (v.as_object().at("type").as_string() != "audit_events") continue;
    const auto& e = v.as_object().at("data").as_object();
    const long long s = e.at("seq").as_int64();
    ASSERT_GT(s, seq) << "out of order";
    seq = s;
    ++events;
    const auto& details = e.at("details").as_object();
    if (details.contains("pad")) {
      ASSERT_EQ(details.at("pad").as_string().size(), kPad) << line.substr(0, 200);
      ++large;
    }
    last_action = std::string(e.at("action").as_string());
  }
  // The creation, the small and large events, the exports: the warm one,
  // the stalled ones and its own.
  EXPECT_EQ(events, 1 + kEvents + kLarge + 1 + kReaders + 1);
  EXPECT_EQ(large, kLarge);
  EXPECT_EQ(last_action, "workspace.export");

  const auto kib = [](long long b) { return std::to_string(b / 1024) + " KiB"; };
  const std::string figures = "VmRSS before " + kib(before) + ", with " + std::to_string(kReaders) +
                              " stalled readers " + kib(stalled) + ", VmHWM after a full read " +
                              kib(peak);
  std::cout << "[ memory   ] " << figures << ", " << kib((peak - before) / kReaders)
            << " a reader at the peak\n";
  EXPECT_LT(stalled - before, kReaders * kPerReader + kAllowance) << figures;
  EXPECT_LT(peak - before, kReaders * kPerReader + kAllowance) << figures;

  for (int fd : readers) ::close(fd);
  EXPECT_TRUE(WaitInFlight(1)) << "abandoned exports are still being handled";
}

}  // namespace
}  // namespace workspaced::testing
