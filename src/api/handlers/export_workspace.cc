// GET /v1/workspaces/{workspace_id}/export — the workspace streamed out.
// Permission: read on workspace.
//
// Format (export_format.h): ?format=json|ndjson|csv, else the Accept header (application/json,
// application/x-ndjson, text/csv, with media ranges and q-values; none: the
// configured default), 406 otherwise; Vary: Accept. HEAD answers the headers
// and is not audited. Sections, in order: workspace, environments, members,
// group_mappings, provisioning_runs, provisioning_steps, secrets (metadata
// of committed versions, read through domain::Secrets; never a value),
// vault_fields (each committed field's token and mask; never a value),
// audit_events (docs/export.md). The body is pulled chunk by chunk by the transport only
// after the previous chunk was written (backpressure), each chunk read in a
// short transaction of its own; a client that goes away destroys the source
// and the work stops. Audit events are those up to the newest at the start,
// a chunk of them at most kChunkBytes plus one event (read and rendered), so
// a stalled reader pins that much however large the events are. An event
// whose details are damaged aborts the stream (no last chunk).
#include <boost/json.hpp>
#include <cctype>
#include <optional>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/export_format.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/json_writer.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

using Format = ExportFormat;

// What one chunk of audit events may hold, in bytes of stored text read and
// of output rendered (plus the one event that crosses it): the memory a
// streamed export pins while its reader is slow, whatever the events' sizes.
// The page caps the rows read when events are small.
constexpr std::int64_t kChunkBytes = 256 * 1024;
constexpr int kAuditPage = 500;
// Members per chunk: a subject is at most 1 KiB, so a page stays within
// about kChunkBytes.
constexpr int kMemberPage = 200;
// Secret versions per chunk: a version's metadata is at most about 2 KiB
// (name, description, creator), so a page stays within about kChunkBytes.
constexpr int kSecretPage = 100;
// Vault records per chunk: a record is at most 32 fields of about 200 bytes.
constexpr int kVaultPage = 20;

// A cell a spreadsheet would run as a formula (OWASP's CSV injection: one
// starting with =, +, -, @, tab or CR). Any text column may hold one: a
// name, a label, another tenant's User-Agent in the audit log.
bool LooksLikeFormula(std::string_view v) {
  return !v.empty() && std::string_view("=+-@\t\r").find(v.front()) != std::string_view::npos;
}

// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
// A formula-like cell is neutralised as OWASP says: a single quote before it,
// inside a quoted field.
void CsvField(std::string& out, std::string_view v) {
  const bool formula = LooksLikeFormula(v);
  if (!formula && v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void CsvRow(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    CsvField(out, fields[i]);
  }
  out += "\r\n";
}

std::string Time(Micros t) { return t == 0 ? std::string() : FormatRfc3339(t); }

// One record: its fields as (name, value) pairs, written as a JSON object or
// a CSV row. Values are strings; `raw_json` marks a value that is JSON text.
struct Record {
  std::vector<std::pair<std::string_view, std::string>> fields;
  std::string_view raw_json_field;  // a field whose value is JSON (details)
};

class ExportSource final : public http::BodySource {
 public:
  ExportSource(app::App& app, model::Workspace ws, Format format, std::int64_t last_seq)
      : app_(app), ws_(std::move(ws)), format_(format), last_seq_(last_seq) {}

  StatusOr<bool> Next(std::string& out) override {
    switch (stage_++) {
      case 0:
        Begin(out);
        Section(out, "workspace", {WorkspaceRecord()});
        return true;
      case 1: {
        std::vector<model::Environment> envs;
        WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(envs, tx.ListEnvironments(ws_.id));
          return Status::Ok();
        }));
        std::vector<Record> records;
        for (const auto& e : envs)
          records.push_back({{{"id", e.id}, {"name", e.name}, {"created_at", Time(e.created_at)}}});
        Section(out, "environments", records);
        return true;
      }
      case 2: {
        // Members a page per chunk (a workspace may have many, each subject
        // up to 1 KiB): at most kMemberPage rows pinned per connection.
        std::vector<model::WorkspaceMember> members;
        WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(members, tx.ListWorkspaceMembers(ws_.id, member_offset_, kMemberPage));
          return Status::Ok();
        }));
        member_offset_ += static_cast<std::int64_t>(members.size());
        std::vector<Record> records;
        for (const auto& m : members) {
          records.push_back({{{"subject", m.subject},
                              {"role", std::string(model::ToString(m.role))},
                              {"created_at", Time(m.created_at)}}});
        }
        if (members.size() == static_cast<std::size_t>(kMemberPage)) {
          Rows(out, "members", records);
          --stage_;  // the next chunk reads the next page
          return true;
        }
        Rows(out, "members", records);
        End(out, "members");
        std::vector<Record> groups;
        for (const auto& g : ws_.group_mappings)
          groups.push_back(
              {{{"group_name", g.group_name}, {"role", std::string(model::ToString(g.role))}}});
        Section(out, "group_mappings", groups);
        return true;
      }
      case 3: {
        // Runs of one workspace are few (a create and its retries).
        std::vector<model::ProvisioningRun> runs;
        WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(auto latest, tx.LatestRunForWorkspace(ws_.id));
          while (latest) {
            runs.insert(runs.begin(), *latest);
            if (latest->retry_of.empty()) break;
            WS_ASSIGN_OR_RETURN(model::ProvisioningRun prev, tx.GetRun(latest->retry_of));
            latest = std::move(prev);
          }
          return Status::Ok();
        }));
        std::vector<Record> records, steps;
        for (const auto& r : runs) {
          records.push_back({{{"id", r.id},
                              {"state", std::string(model::ToString(r.state))},
                              {"retry_of", r.retry_of},
                              {"error", r.error},
                              {"error_code", r.error_code},
                              {"created_by", r.created_by},
                              {"created_at", Time(r.created_at)},
                              {"finished_at", Time(r.finished_at)}}});
          for (const auto& s : r.steps) {
            steps.push_back({{{"run_id", r.id},
                              {"name", s.name},
                              {"state", std::string(model::ToString(s.state))},
                              {"attempts", std::to_string(s.attempts)},
                              {"last_error", s.last_error},
                              {"last_error_code", s.last_error_code},
                              {"started_at", Time(s.started_at)},
                              {"finished_at", Time(s.finished_at)}}});
          }
        }
        Section(out, "provisioning_runs", records);
        Section(out, "provisioning_steps", steps);
        return true;
      }
      case 4:
        return SecretsChunk(out);
      case 5:
        return VaultChunk(out);
      default:
        return AuditChunk(out);
    }
  }

 private:
  Status Read(FunctionRef<Status(store::Tx&)> fn) { return app_.store().Read(fn); }

  Record WorkspaceRecord() const {
    return {{{"id", ws_.id},
             {"account_id", ws_.account_id},
             {"name", ws_.name},
             {"slug", ws_.slug},
             {"status", std::string(model::ToString(ws_.status))},
             {"region", ws_.region},
             {"tenancy_model", std::string(model::ToString(ws_.tenancy_model))},
             {"created_at", Time(ws_.created_at)},
             {"updated_at", Time(ws_.updated_at)},
             {"created_by", ws_.created_by},
             {"updated_by", ws_.updated_by},
             {"provisioning_phase", std::string(model::ToString(ws_.phase))},
             {"status_reason", ws_.status_reason}}};
  }

  // One page of secret versions (metadata only: the domain never reads a
  // value for it); the stage repeats until the last page.
  StatusOr<bool> SecretsChunk(std::string& out) {
    WS_ASSIGN_OR_RETURN(domain::SecretPage page,
                        app_.secrets().ListPage(ws_.id, secrets_after_, kSecretPage));
    std::vector<Record> records;
    for (const domain::SecretInfo& s : page.secrets) {
      for (const domain::SecretVersionInfo& v : s.versions) {
        records.push_back({{{"name", s.name},
                            {"version", std::to_string(v.version)},
                            {"environment", v.environment},
                            {"description", v.description},
                            {"created_at", Time(v.created_at)},
                            {"created_by", v.created_by}}});
      }
    }
    Rows(out, "secrets", records);
    if (page.next) {
      secrets_after_ = std::move(*page.next);
      --stage_;  // the next chunk reads the next page
      return true;
    }
    End(out, "secrets");
    return true;
  }

  // One page of vault records: per field its token and mask (the domain
  // never reads a value for it); the stage repeats until the last page.
  StatusOr<bool> VaultChunk(std::string& out) {
    WS_ASSIGN_OR_RETURN(const domain::VaultPage page,
                        app_.vault().ListPage(ws_.id, vault_after_, kVaultPage));
    std::vector<Record> records;
    for (const domain::VaultRecordInfo& r : page.records)
      for (const domain::VaultFieldInfo& f : r.fields)
        records.push_back({{{"record_id", r.id},
                            {"field", f.name},
                            {"type", f.type},
                            {"token", f.token},
                            {"deterministic", f.deterministic ? "true" : "false"},
                            {"mask", f.mask},
                            {"created_at", Time(r.created_at)},
                            {"created_by", r.created_by}}});
    Rows(out, "vault_fields", records);
    if (page.next) {
      vault_after_ = *page.next;
      --stage_;
      return true;
    }
    End(out, "vault_fields");
    return true;
  }

  // One chunk of audit events (oldest first, up to the newest at the
  // start): read and rendered within kChunkBytes, plus the one event that
  // crosses it, however large the events are.
  StatusOr<bool> AuditChunk(std::string& out) {
    std::vector<model::AuditEvent> events;
    WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(events, tx.ScanAuditChain(ws_.id, audit_after_, kAuditPage, kChunkBytes));
      return Status::Ok();
    }));
    bool done = events.empty();
    for (model::AuditEvent& e : events) {
      if (e.seq > last_seq_) {
        done = true;
        break;
      }
      // A damaged event ends the export here, the response cut short
      // without its last chunk (docs/export.md): never a body that is not
      // what the format promises.
      WS_RETURN_IF_ERROR(AuditDetailsJson(e).status());
      audit_after_ = e.seq;
      Rows(out, "audit_events", {AuditRecord(std::move(e))});
      // Rendering can outgrow the stored text (escapes): the rest is read
      // again for the next chunk.
      if (out.size() >= static_cast<std::size_t>(kChunkBytes)) break;
    }
    if (done || audit_after_ >= last_seq_) {
      End(out, "audit_events");
      return false;
    }
    return true;
  }

  static Record AuditRecord(model::AuditEvent&& e) {
    return {{{"seq", std::to_string(e.seq)},
             {"time", Time(e.time)},
             {"actor", std::move(e.actor)},
             {"actor_auth", std::move(e.actor_auth)},
             {"action", std::move(e.action)},
             {"target_type", std::move(e.target_type)},
             {"target_id", std::move(e.target_id)},
             {"outcome", std::move(e.outcome)},
             {"request_id", std::move(e.request_id)},
             {"source_ip", std::move(e.source_ip)},
             {"user_agent", std::move(e.user_agent)},
             {"details", std::move(e.details)},
             {"hash", std::move(e.hash)}},
            "details"};
  }

  // --- the three formats ---

  void Begin(std::string& out) {
    if (format_ == Format::kJson) out += "{";
  }

  // A whole section (header, rows, end).
  void Section(std::string& out, std::string_view name, const std::vector<Record>& records) {
    if (format_ == Format::kJson && name == "workspace") {
      out += "\"workspace\":";
      Object(out, records.front());
      return;
    }
    Rows(out, name, records);
    End(out, name);
  }

  // Rows of a section; the section's opening comes with its first call.
  void Rows(std::string& out, std::string_view name, const std::vector<Record>& records) {
    const bool first_call = name != open_section_;
    if (first_call) {
      open_section_ = std::string(name);
      first_row_ = true;
      if (format_ == Format::kJson) {
        out += ",\"" + std::string(name) + "\":[";
      } else if (format_ == Format::kCsv) {
        out += "# " + std::string(name) + "\r\n";
        CsvRow(out, Header(name));
      }
    }
    for (const Record& r : records) {
      switch (format_) {
        case Format::kJson:
          if (!first_row_) out.push_back(',');
          Object(out, r);
          break;
        case Format::kNdjson:
          out += "{\"type\":\"" + std::string(name) + "\",\"data\":";
          Object(out, r);
          out += "}\n";
          break;
        case Format::kCsv: {
          std::vector<std::string> values;
          for (const auto& [k, v] : r.fields) values.push_back(v);
          CsvRow(out, values);
          break;
        }
      }
      first_row_ = false;
    }
  }

  void End(std::string& out, std::string_view name) {
    if (name != open_section_) Rows(out, name, {});  // an empty section still appears
    open_section_.clear();
    if (format_ == Format::kJson) {
      out += "]";
      if (name == "audit_events") out += "}";
    } else if (format_ == Format::kCsv) {
      out += "\r\n";
    }
  }

  // The CSV header of a section: its records' field names.
  std::vector<std::string> Header(std::string_view name) const {
    static const std::vector<std::pair<std::string_view, std::vector<std::string>>> kHeaders = {
        {"workspace",
         {"id", "account_id", "name", "slug", "status", "region", "tenancy_model", "created_at",
          "updated_at", "created_by", "updated_by", "provisioning_phase", "status_reason"}},
        {"environments", {"id", "name", "created_at"}},
        {"members", {"subject", "role", "created_at"}},
        {"group_mappings", {"group_name", "role"}},
        {"provisioning_runs",
         {"id", "state", "retry_of", "error", "error_code", "created_by", "created_at",
          "finished_at"}},
        {"provisioning_steps",
         {"run_id", "name", "state", "attempts", "last_error", "last_error_code", "started_at",
          "finished_at"}},
        {"secrets", {"name", "version", "environment", "description", "created_at", "created_by"}},
        {"vault_fields",
         {"record_id", "field", "type", "token", "deterministic", "mask", "created_at",
          "created_by"}},
        {"audit_events",
         {"seq", "time", "actor", "actor_auth", "action", "target_type", "target_id", "outcome",
          "request_id", "source_ip", "user_agent", "details", "hash"}},
    };
    for (const auto& [n, h] : kHeaders)
      if (n == name) return h;
    return {};
  }

  static void Object(std::string& out, const Record& r) {
    JsonWriter w(out);
    w.BeginObject();
    for (const auto& [k, v] : r.fields) {
      w.Key(k);
      if (k == r.raw_json_field) {
        w.RawValue(v.empty() ? "{}" : v);
      } else {
        w.Value(v);
      }
    }
    w.EndObject();
  }

  app::App& app_;
  const model::Workspace ws_;
  const Format format_;
  const std::int64_t last_seq_;
  int stage_ = 0;
  std::int64_t audit_after_ = 0;
  std::int64_t member_offset_ = 0;
  domain::SecretVersionKey secrets_after_;
  std::string vault_after_;
  std::string open_section_;
  bool first_row_ = true;
};

class ExportWorkspace final : public Handler {
 public:
  explicit ExportWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    for (const std::string& name : ctx.request.QueryNames())
      if (name != "format") return InvalidArgument("unknown query parameter '" + name + "'");
    // As on every list: which of two formats was meant is not guessed.
    if (ctx.request.QueryCount("format") > 1)
      return InvalidArgument("query parameter 'format' is repeated");
    WS_ASSIGN_OR_RETURN(const Format format,
                        ChooseExportFormat(ctx.request, app_.config().export_format));
    const std::string_view name = ExportFormatName(format);
    domain::ExportStart start;
    if (ctx.request.method == http::Method::kHead) {
      // A HEAD exports nothing, so it is not audited: the headers only (the
      // stream is never pulled; the transport drops it).
      WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(start.workspace, tx.GetWorkspace(id));
        return Status::Ok();
      }));
    } else {
      // The export is audited first; it covers the log up to its own event.
      WS_ASSIGN_OR_RETURN(start, app_.workspaces().StartExport(ActorOf(ctx), id, name));
    }
    model::Workspace& ws = start.workspace;
    const std::int64_t last_seq = start.last_seq;
    out.status = 200;
    out.SetHeader("Vary", "Accept");
    out.content_type = format == Format::kJson     ? "application/json"
                       : format == Format::kNdjson ? "application/x-ndjson"
                                                   : "text/csv; charset=utf-8";
    out.SetHeader("Content-Disposition",
                  "attachment; filename=\"workspace-" + ws.slug + "." + std::string(name) + "\"");
    out.stream = std::make_unique<ExportSource>(app_, std::move(ws), format, last_seq);
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeExportWorkspace(app::App& app) {
  return std::make_unique<ExportWorkspace>(app);
}

}  // namespace workspaced::api
