// The export says what the API says: every record kind, in JSON and NDJSON,
// carries the types and nulls of the resource's GET (the workspace record is
// GET /v1/workspaces/{id} itself); CSV carries the same values as text, its
// headers the same names, formula cells neutralised. Runs on SQLite (with the
// embedded dataplane) and on PostgreSQL.
#include <sstream>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

class ExportFidelity : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options o;
    o.data_dir = dir_.path() + "/data";
    std::string cells;
    if (std::getenv("WS_BLACKBOX_POSTGRES") != nullptr)  // us-east-1's cell on the test's database
      cells =
          R"(,"cells":{"us-east-1":")" + BlackboxDatabase(o.data_dir, /*create=*/true) + R"("})";
    o.config_json = FastSagaConfig(1000, cells);
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    account_ = Seeder(server_->data_dir()).Account("Acme", "alice");
  }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws_ + path, "alice", body);
  }

  // A workspace with something in every section and every optional field
  // set: labels and group mappings (client-chosen text), deletion
  // protection, secrets with and without an environment, vault fields
  // deterministic or not, and frozen with a reason that reads as a formula.
  void MakeRichWorkspace() {
    const HttpResponse r =
        PostWorkspace(*c_, server_->Token("alice"),
                      CreateBody(account_, R"(=Rich, \"one\")",
                                 R"j(,"labels":{"team":"=HYPERLINK(\"x\")","tier":"gold"},)j"
                                 R"("group_mappings":[{"group_name":"@ops","role":"admin"}])"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    ws_ = std::string(o.at("workspace_id").as_string());
    ASSERT_EQ(
        WaitRun(*c_, server_->Token("alice"), std::string(o.at("provisioning_run_id").as_string()))
            .at("state")
            .as_string(),
        "succeeded");
    Seeder(server_->data_dir()).Member(ws_, "vic", model::WorkspaceRole::kViewer);
    ASSERT_EQ(Call("PUT", "/secrets/API_KEY", R"({"value":"v-1","environment":"prod"})").status,
              201);
    ASSERT_EQ(Call("PUT", "/secrets/PLAIN", R"({"value":"v-2","description":""})").status, 201);
    ASSERT_EQ(Call("POST", "/vault/records",
                   R"({"fields":{"email":{"type":"email","value":"a@example.com",)"
                   R"("deterministic":true},"note":"+1 note"}})")
                  .status,
              201);
    ASSERT_EQ(Call("PATCH", "", R"({"deletion_protection":true})").status, 200);
    ASSERT_EQ(
        Call("PATCH", "/status", R"({"status":"frozen","reason":"-maintenance, \"planned\""})")
            .status,
        200);
  }

  std::string Export(const std::string& format) {
    const HttpResponse r = Call("GET", "/export?format=" + format);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  TempDir dir_;  // outlives the server on it
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, ws_;
};

// NDJSON lines gathered as the JSON document has them: the workspace, then
// an array per section.
boost::json::object Sections(const std::string& ndjson) {
  boost::json::object doc;
  std::istringstream lines(ndjson);
  for (std::string line; std::getline(lines, line);) {
    auto o = Json(line).as_object();
    const std::string type(o.at("type").as_string());
    if (type == "workspace") {
      doc["workspace"] = o.at("data");
    } else {
      if (!doc.contains(type)) doc[type] = boost::json::array();
      doc[type].as_array().push_back(o.at("data"));
    }
  }
  return doc;
}

// A CSV export's sections: per section its rows of cells, the header first
// (RFC 4180: quoted cells may hold commas, quotes and line breaks).
std::map<std::string, std::vector<std::vector<std::string>>> CsvSections(const std::string& csv) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  std::vector<std::vector<std::string>>* section = nullptr;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const char ch = csv[i];
    if (quoted) {
      if (ch == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell.push_back(ch);
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (ch == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
      ++i;
      row.push_back(std::move(cell));
      cell.clear();
      if (row.size() == 1 && row[0].rfind("# ", 0) == 0) {
        section = &out[row[0].substr(2)];
      } else if (!(row.size() == 1 && row[0].empty()) && section != nullptr) {
        section->push_back(std::move(row));
      }
      row.clear();
    } else {
      cell.push_back(ch);
    }
  }
  return out;
}

// What a CSV cell holds for a JSON value: the text of a string (a formula
// neutralised by a leading '), nothing for null, else the JSON text.
void ExpectCell(const std::string& cell, const boost::json::value& v, const std::string& where) {
  if (v.is_string()) {
    const std::string s(v.as_string());
    const bool formula = !s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos;
    EXPECT_EQ(cell, formula ? "'" + s : s) << where;
  } else if (v.is_null()) {
    EXPECT_EQ(cell, "") << where;
  } else if (v.is_object() || v.is_array()) {
    EXPECT_EQ(Json(cell), v) << where;
  } else {
    EXPECT_EQ(cell, boost::json::serialize(v)) << where;
  }
}

TEST_F(ExportFidelity, TheWorkspaceRecordIsWhatGetShowsInEveryFormat) {
  MakeRichWorkspace();
  const HttpResponse got = Call("GET", "");
  ASSERT_EQ(got.status, 200) << got.body;
  const boost::json::value want = Json(got.body);
  EXPECT_EQ(want.at("labels").at("team").as_string(), "=HYPERLINK(\"x\")");
  EXPECT_EQ(want.at("deletion_protection").as_bool(), true);
  EXPECT_FALSE(want.at("frozen_at").is_null());

  const boost::json::value json = Json(Export("json"));
  EXPECT_EQ(json.at("workspace"), want) << json.at("workspace");
  EXPECT_EQ(Sections(Export("ndjson")).at("workspace"), want);

  const auto csv = CsvSections(Export("csv"));
  const auto& rows = csv.at("workspace");
  ASSERT_EQ(rows.size(), 2u);
  const auto& fields = want.as_object();
  ASSERT_EQ(rows[0].size(), fields.size());
  ASSERT_EQ(rows[1].size(), fields.size());
  std::size_t i = 0;
  for (const auto& [key, value] : fields) {
    EXPECT_EQ(rows[0][i], key);
    ExpectCell(rows[1][i], value, "workspace." + std::string(key));
    ++i;
  }
  EXPECT_EQ(rows[1][2], "'=Rich, \"one\"");  // name: neutralised, quoted
}

// A CSV section's rows as the records they stand for: per row, its record
// of the same id from `by_id`, compared cell for cell in the header's order,
// which must be the record's field order.
void ExpectCsvRowsAre(const std::vector<std::vector<std::string>>& rows,
                      const std::map<std::string, boost::json::object>& by_id,
                      const std::string& section) {
  ASSERT_EQ(rows.size(), by_id.size() + 1) << section;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), rows[0].size()) << section << " row " << r;
    ASSERT_EQ(rows[0].at(0), "id") << section;
    ASSERT_TRUE(by_id.count(rows[r][0])) << section << ": " << rows[r][0];
    const auto& want = by_id.at(rows[r][0]);
    ASSERT_EQ(rows[0].size(), want.size()) << section;
    std::size_t i = 0;
    for (const auto& [key, value] : want) {
      EXPECT_EQ(rows[0][i], key) << section;
      ExpectCell(rows[r][i], value, section + "[" + rows[r][0] + "]." + std::string(key));
      ++i;
    }
  }
}

// Each environment record is what GET …/environments lists for it, and each
// run record what GET /v1/provisioning-runs/{run_id} shows (its steps
// included): the same fields, in the same order, of the same types.
TEST_F(ExportFidelity, EnvironmentAndRunRecordsAreWhatTheirGetsShowInEveryFormat) {
  MakeRichWorkspace();
  const HttpResponse listed = Call("GET", "/environments");
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::map<std::string, boost::json::object> envs;
  const boost::json::value list = Json(listed.body);
  for (const auto& e : list.as_array())
    envs[std::string(e.at("id").as_string())] = e.as_object();
  ASSERT_EQ(envs.size(), 3u);

  const boost::json::object doc = Json(Export("json")).as_object();
  std::map<std::string, boost::json::object> runs;
  for (const auto& r : doc.at("provisioning_runs").as_array()) {
    const std::string id(r.at("id").as_string());
    const HttpResponse got =
        CallAs(*c_, *server_, "GET", "/v1/provisioning-runs/" + id, "alice");
    ASSERT_EQ(got.status, 200) << got.body;
    runs[id] = Json(got.body).as_object();
    EXPECT_FALSE(runs[id].at("steps").as_array().empty());
  }
  ASSERT_EQ(runs.size(), 1u);

  // JSON and NDJSON: each record equals its GET, key order included.
  const boost::json::object nd = Sections(Export("ndjson"));
  for (const boost::json::object* d : {&doc, &nd}) {
    const char* format = d == &doc ? "json" : "ndjson";
    const auto& exported_envs = d->at("environments").as_array();
    ASSERT_EQ(exported_envs.size(), envs.size()) << format;
    for (const auto& e : exported_envs) {
      const std::string id(e.at("id").as_string());
      ASSERT_TRUE(envs.count(id)) << format << ": " << e;
      EXPECT_EQ(boost::json::serialize(e), boost::json::serialize(envs.at(id))) << format;
    }
    const auto& exported_runs = d->at("provisioning_runs").as_array();
    ASSERT_EQ(exported_runs.size(), runs.size()) << format;
    for (const auto& r : exported_runs) {
      const std::string id(r.at("id").as_string());
      EXPECT_EQ(boost::json::serialize(r), boost::json::serialize(runs.at(id))) << format;
    }
  }

  // CSV: the header names the GET's fields in its order, each row its values.
  const auto csv = CsvSections(Export("csv"));
  ExpectCsvRowsAre(csv.at("environments"), envs, "environments");
  ExpectCsvRowsAre(csv.at("provisioning_runs"), runs, "provisioning_runs");
}

// The provisioning runs are the create's run and its retries, whatever
// lifecycle operations came after: a delete's, a purge's or a restore's
// operation is no provisioning run (GET /v1/provisioning-runs answers 404
// for it) and has no place in the section; the create's run always has.
TEST_F(ExportFidelity, RunsAreTheProvisioningRunsEvenAfterADeleteAndARestore) {
  const HttpResponse created =
      PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, "Cycled"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto o = Json(created.body).as_object();
  ws_ = std::string(o.at("workspace_id").as_string());
  const std::string run_id(o.at("provisioning_run_id").as_string());
  ASSERT_EQ(WaitRun(*c_, server_->Token("alice"), run_id).at("state").as_string(), "succeeded");
  const HttpResponse run = CallAs(*c_, *server_, "GET", "/v1/provisioning-runs/" + run_id, "alice");
  ASSERT_EQ(run.status, 200) << run.body;
  const std::string want = "[" + boost::json::serialize(Json(run.body)) + "]";

  const HttpResponse deleted = Call("DELETE", "");
  ASSERT_EQ(deleted.status, 202) << deleted.body;
  ASSERT_EQ(WaitOperation(*c_, server_->Token("alice"),
                          std::string(Json(deleted.body).as_object().at("id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  const auto deleted_export = Json(Export("json"));  // a pending purge is the newest operation
  EXPECT_EQ(boost::json::serialize(deleted_export.at("provisioning_runs")), want);
  ASSERT_EQ(Call("POST", "/restore").status, 200);
  const auto restored_export = Json(Export("json"));  // a restore is
  EXPECT_EQ(boost::json::serialize(restored_export.at("provisioning_runs")), want);
}

TEST_F(ExportFidelity, EveryRecordCarriesTheApisTypesAndCsvTheSameValues) {
  MakeRichWorkspace();
  const boost::json::object doc = Json(Export("json")).as_object();

  // The types of each resource's GET: numbers, booleans, nulls, objects.
  const auto& run = doc.at("provisioning_runs").as_array().at(0);
  EXPECT_TRUE(run.at("retry_of").is_null());
  EXPECT_TRUE(run.at("error").is_null());
  EXPECT_TRUE(run.at("error_code").is_null());
  EXPECT_TRUE(run.at("finished_at").is_string());
  const auto& step = doc.at("provisioning_steps").as_array().at(0);
  EXPECT_EQ(step.at("attempts"), boost::json::value(1));
  EXPECT_TRUE(step.at("last_error").is_null());
  EXPECT_TRUE(step.at("last_error_code").is_null());
  const auto& secrets = doc.at("secrets").as_array();
  ASSERT_EQ(secrets.size(), 2u);
  EXPECT_EQ(secrets[0].at("version"), boost::json::value(1));
  EXPECT_EQ(secrets[0].at("environment").as_string(), "prod");
  EXPECT_TRUE(secrets[1].at("environment").is_null());              // as GET …/secrets says
  EXPECT_EQ(secrets[1].at("description"), boost::json::value(""));  // a string stays one
  const auto& vault = doc.at("vault_fields").as_array();
  ASSERT_EQ(vault.size(), 2u);
  EXPECT_EQ(vault[0].at("deterministic"), boost::json::value(true));
  EXPECT_EQ(vault[1].at("deterministic"), boost::json::value(false));
  const auto& events = doc.at("audit_events").as_array();
  ASSERT_GT(events.size(), 5u);
  std::int64_t seq = 0;
  for (const auto& e : events) {
    ASSERT_TRUE(e.at("seq").is_int64()) << e;
    EXPECT_GT(e.at("seq").as_int64(), seq);
    seq = e.at("seq").as_int64();
    EXPECT_TRUE(e.at("details").is_object()) << e;
  }
  // The chain can be followed in the export: each event names the one before.
  for (std::size_t i = 1; i < events.size(); ++i)
    EXPECT_EQ(events[i].at("prev_hash"), events[i - 1].at("hash"));

  // NDJSON: the same records, line by line (its own export event aside).
  boost::json::object nd = Sections(Export("ndjson"));
  auto& nd_events = nd.at("audit_events").as_array();
  ASSERT_EQ(nd_events.size(), events.size() + 1);
  nd_events.pop_back();
  EXPECT_EQ(nd, doc);

  // CSV: per section the records' field names, then the same values as text.
  const auto csv = CsvSections(Export("csv"));
  for (const auto& [name, section] : doc) {
    if (name == "workspace") continue;  // the test above
    const auto& records = section.as_array();
    ASSERT_TRUE(csv.count(name)) << name;
    const auto& rows = csv.at(name);
    ASSERT_GE(rows.size(), records.size() + 1) << name;
    for (std::size_t r = 0; r < records.size(); ++r) {
      const auto& record = records[r].as_object();
      ASSERT_EQ(rows[0].size(), record.size()) << name;
      ASSERT_EQ(rows[r + 1].size(), record.size()) << name << " row " << r;
      std::size_t i = 0;
      for (const auto& [key, value] : record) {
        EXPECT_EQ(rows[0][i], key) << name;
        ExpectCell(rows[r + 1][i], value,
                   std::string(name) + "[" + std::to_string(r) + "]." + std::string(key));
        ++i;
      }
    }
  }
}

}  // namespace
}  // namespace workspaced::testing
