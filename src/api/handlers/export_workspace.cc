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
// whose details are damaged aborts the stream (no last chunk). Records carry
// the types of the API's GET endpoints (export_writer.h); the workspace's,
// each environment's and each run's are their GET's own rendering.
#include <optional>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/export_format.h"
#include "api/handlers/export_writer.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "common/text.h"

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
constexpr int kRunPage = 50;  // a run holds its five steps
// Secret versions per chunk: a version's metadata is at most about 2 KiB
// (name, description, creator), so a page stays within about kChunkBytes.
constexpr int kSecretPage = 100;
// Vault records per chunk: a record is at most 32 fields of about 200 bytes.
constexpr int kVaultPage = 20;

// The records of each section, with the types and nulls of the resource's
// GET (api/openapi.yaml). Environments and runs are their GET's own
// rendering, field for field (workspace id included); the other sections
// leave out the workspace id, which is the export's.
using F = ExportField;

// What GET …/environments lists for it.
ExportRecord EnvironmentRecord(const model::Environment& e) {
  return ExportRecordOfObject(EnvironmentJson(e));
}

ExportRecord MemberRecord(const model::WorkspaceMember& m) {
  return {F::String("subject", m.subject), F::String("role", std::string(model::ToString(m.role))),
          F::TimeOrNull("created_at", m.created_at)};
}

ExportRecord GroupMappingRecord(const model::GroupMapping& g) {
  return {F::String("group_name", g.group_name),
          F::String("role", std::string(model::ToString(g.role)))};
}

// What GET /v1/provisioning-runs/{run_id} shows, its steps included.
ExportRecord RunRecord(const model::ProvisioningRun& r) {
  return ExportRecordOfObject(ProvisioningRunJson(r));
}

ExportRecord StepRecord(const std::string& run_id, const model::ProvisioningStep& s) {
  return {F::String("run_id", run_id),
          F::String("name", s.name),
          F::String("state", std::string(model::ToString(s.state))),
          F::Integer("attempts", s.attempts),
          F::StringOrNull("last_error", s.last_error),
          F::StringOrNull("last_error_code", s.last_error_code),
          F::TimeOrNull("started_at", s.started_at),
          F::TimeOrNull("finished_at", s.finished_at)};
}

ExportRecord SecretRecord(const std::string& name, const domain::SecretVersionInfo& v) {
  return {F::String("name", name),
          F::Integer("version", v.version),
          F::StringOrNull("environment", v.environment),
          F::String("description", v.description),
          F::TimeOrNull("created_at", v.created_at),
          F::String("created_by", v.created_by)};
}

ExportRecord VaultFieldRecord(const domain::VaultRecordInfo& r, const domain::VaultFieldInfo& f) {
  return {F::String("record_id", r.id),
          F::String("field", f.name),
          F::String("type", f.type),
          F::String("token", f.token),
          F::Boolean("deterministic", f.deterministic),
          F::String("mask", f.mask),
          F::TimeOrNull("created_at", r.created_at),
          F::String("created_by", r.created_by)};
}

// `details`: the event's details as JSON (AuditDetailsJson, checked).
ExportRecord AuditRecord(model::AuditEvent&& e, std::string details) {
  return {F::Integer("seq", e.seq),
          F::TimeOrNull("time", e.time),
          F::String("actor", std::move(e.actor)),
          F::String("actor_auth", std::move(e.actor_auth)),
          F::String("action", std::move(e.action)),
          F::String("target_type", std::move(e.target_type)),
          F::String("target_id", std::move(e.target_id)),
          F::String("outcome", std::move(e.outcome)),
          F::String("request_id", std::move(e.request_id)),
          F::String("source_ip", std::move(e.source_ip)),
          F::String("user_agent", std::move(e.user_agent)),
          F::JsonText("details", std::move(details)),
          F::String("hash", std::move(e.hash)),
          F::String("prev_hash", std::move(e.prev_hash))};
}

// The CSV header of a section after the workspace: the names its records
// are built with, so the two never differ.
const std::vector<std::string>& Columns(std::string_view section) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string>>> kColumns = {
      {"environments", ExportColumns(EnvironmentRecord({}))},
      {"members", ExportColumns(MemberRecord({}))},
      {"group_mappings", ExportColumns(GroupMappingRecord({}))},
      {"provisioning_runs", ExportColumns(RunRecord({}))},
      {"provisioning_steps", ExportColumns(StepRecord({}, {}))},
      {"secrets", ExportColumns(SecretRecord({}, {}))},
      {"vault_fields", ExportColumns(VaultFieldRecord({}, {}))},
      {"audit_events", ExportColumns(AuditRecord({}, "{}"))},
  };
  for (const auto& [name, columns] : kColumns)
    if (name == section) return columns;
  static const std::vector<std::string> kNone;
  return kNone;
}

class ExportSource final : public http::BodySource {
 public:
  ExportSource(app::App& app, std::shared_ptr<const auth::Principal> caller, model::Workspace ws,
               Format format, std::int64_t last_seq)
      : app_(app),
        caller_(std::move(caller)),
        ws_(std::move(ws)),
        writer_(format),
        last_seq_(last_seq) {}

  StatusOr<bool> Next(std::string& out) override {
    // Each chunk is read as the caller may read it now: one removed from
    // the workspace (or who may no longer see it) while a slow export
    // runs gets nothing more, and the stream ends cut short.
    if (stage_ > 0) {
      if (Status still = RequireStillReadable(app_, caller_, ws_.id); !still.ok())
        return Status(still.code(), "the export stopped: " + still.message());
    }
    switch (stage_++) {
      case 0:
        writer_.Begin(out);
        // What GET /v1/workspaces/{id} shows, field for field.
        writer_.Single(out, "workspace", ExportRecordOfObject(WorkspaceJson(ws_)));
        return true;
      case 1: {
        std::vector<model::Environment> envs;
        WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(envs, tx.ListEnvironments(ws_.id));
          return Status::Ok();
        }));
        std::vector<ExportRecord> records;
        for (const auto& e : envs) records.push_back(EnvironmentRecord(e));
        Section(out, "environments", records);
        return true;
      }
      case 2: {
        // Members a page per chunk (a workspace may have many, each subject
        // up to 1 KiB): at most kMemberPage rows pinned per connection.
        std::vector<model::WorkspaceMember> members;
        WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
          WS_ASSIGN_OR_RETURN(members, tx.ListWorkspaceMembers(ws_.id, member_after_, kMemberPage));
          return Status::Ok();
        }));
        if (!members.empty()) member_after_ = members.back().subject;
        std::vector<ExportRecord> records;
        for (const auto& m : members) records.push_back(MemberRecord(m));
        Rows(out, "members", records);
        if (members.size() == static_cast<std::size_t>(kMemberPage)) {
          --stage_;  // the next chunk reads the next page
          return true;
        }
        End(out, "members");
        std::vector<ExportRecord> groups;
        for (const auto& g : ws_.group_mappings) groups.push_back(GroupMappingRecord(g));
        Section(out, "group_mappings", groups);
        return true;
      }
      case 3:
        return RunsChunk(out, /*steps=*/false);
      case 4:
        return RunsChunk(out, /*steps=*/true);
      case 5:
        return SecretsChunk(out);
      case 6:
        return VaultChunk(out);
      default:
        return AuditChunk(out);
    }
  }

 private:
  Status Read(FunctionRef<Status(store::Tx&)> fn) { return app_.store().Read(fn); }

  // One page of the workspace's provisioning runs (its create and the
  // retries of it, in creation order: the chain each retry_of links; a
  // delete's, purge's or restore's operation is none of them, however
  // recent) or of their steps, which the runs section ends before. The
  // stage repeats until the last page: a workspace retried many times is
  // read and rendered kRunPage runs at a time, never whole.
  StatusOr<bool> RunsChunk(std::string& out, bool steps) {
    const std::string_view section = steps ? "provisioning_steps" : "provisioning_runs";
    std::vector<model::ProvisioningRun> runs;
    WS_RETURN_IF_ERROR(Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(runs, tx.ListRunsForWorkspace(ws_.id, {runs_after_, kRunPage}));
      return Status::Ok();
    }));
    std::vector<ExportRecord> records;
    for (const auto& r : runs) {
      if (r.kind != model::OperationKind::kCreate && r.kind != model::OperationKind::kRetry)
        continue;
      if (!steps) {
        records.push_back(RunRecord(r));
      } else {
        for (const auto& step : r.steps) records.push_back(StepRecord(r.id, step));
      }
    }
    Rows(out, section, records);
    if (runs.size() == static_cast<std::size_t>(kRunPage)) {
      runs_after_ = runs.back().id;
      --stage_;  // the next chunk reads the next page
      return true;
    }
    runs_after_.clear();  // the steps read the runs again from the first
    End(out, section);
    return true;
  }

  // One page of secret versions (metadata only: the domain never reads a
  // value for it); the stage repeats until the last page.
  StatusOr<bool> SecretsChunk(std::string& out) {
    WS_ASSIGN_OR_RETURN(domain::SecretPage page,
                        app_.secrets().ListPage(ws_.id, secrets_after_, kSecretPage));
    std::vector<ExportRecord> records;
    for (const domain::SecretInfo& s : page.secrets)
      for (const domain::SecretVersionInfo& v : s.versions)
        records.push_back(SecretRecord(s.name, v));
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
    std::vector<ExportRecord> records;
    for (const domain::VaultRecordInfo& r : page.records)
      for (const domain::VaultFieldInfo& f : r.fields) records.push_back(VaultFieldRecord(r, f));
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
      WS_ASSIGN_OR_RETURN(const std::string_view details, AuditDetailsJson(e));
      audit_after_ = e.seq;
      Rows(out, "audit_events", {AuditRecord(std::move(e), std::string(details))});
      // Rendering can outgrow the stored text (escapes): the rest is read
      // again for the next chunk.
      if (out.size() >= static_cast<std::size_t>(kChunkBytes)) break;
    }
    if (done || audit_after_ >= last_seq_) {
      End(out, "audit_events");
      writer_.Finish(out);
      return false;
    }
    return true;
  }

  void Rows(std::string& out, std::string_view section, const std::vector<ExportRecord>& records) {
    writer_.Rows(out, section, Columns(section), records);
  }
  void End(std::string& out, std::string_view section) {
    writer_.End(out, section, Columns(section));
  }
  // A whole section at once.
  void Section(std::string& out, std::string_view section,
               const std::vector<ExportRecord>& records) {
    Rows(out, section, records);
    End(out, section);
  }

  app::App& app_;
  const std::shared_ptr<const auth::Principal> caller_;
  const model::Workspace ws_;
  ExportWriter writer_;
  const std::int64_t last_seq_;
  int stage_ = 0;
  std::int64_t audit_after_ = 0;
  std::string member_after_;  // the last member exported
  std::string runs_after_;
  domain::SecretVersionKey secrets_after_;
  std::string vault_after_;
};

class ExportWorkspace final : public Handler {
 public:
  explicit ExportWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    for (const std::string& name : ctx.request.QueryNames())
      if (name != "format")
        return InvalidArgument("unknown query parameter '" + BoundedText(name, 64) + "'");
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
    out.stream =
        std::make_unique<ExportSource>(app_, ctx.principal, std::move(ws), format, last_seq);
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
