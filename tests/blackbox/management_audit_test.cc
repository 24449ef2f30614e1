// The audit log of accounts and workspaces through the real binary: `audit
// verify` names every kind of tampering, the audit endpoint pages and
// filters, and every denial is recorded where the target's admins see it.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "blackbox/management_fixture.h"

namespace workspaced::testing {
namespace {

// Makes `dir` a read-only bind mount of itself, seen only by this process
// and the ones it starts; empty on success, else why it could not.
std::string MountReadOnly(const std::string& dir) {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWNS) != 0) {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      return std::string("unshare: ") + std::strerror(errno);
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  }
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("mount --make-rprivate /: ") + std::strerror(errno);
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0)
    return std::string("mount --bind: ") + std::strerror(errno);
  if (::mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
    return std::string("mount -o remount,ro: ") + std::strerror(errno);
  return "";
}

// Undoes MountReadOnly on the way out, so the directory can be removed.
struct Unmount {
  std::string dir;
  ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
};

TEST_F(Management, AuditVerifyNamesTheEventSomeoneEdited) {
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/members/mona", "wanda", R"({"role":"member"})")
                .status,
            201);
  ASSERT_EQ(Call("PUT", "/v1/accounts/" + acme_ + "/members/carl", "alice", R"({"role":"member"})")
                .status,
            201);
  const std::string dir = server_->data_dir();
  auto ok = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  // The platform admins' first setting, the creations of the default
  // account, Acme and Globex, and the seeded workspace's, and the two
  // changes, in two chains.
  EXPECT_NE(ok.out.find("audit log intact: 7 events in 2 chains"), std::string::npos) << ok.out;
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--workspace", ws_, "--data-dir", dir}).exit_code, 0);
  std::string upper = ws_;  // a UUID in any case names the same workspace
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--workspace", upper, "--data-dir", dir}).exit_code,
            0);
  // A mistyped id is a usage error, not a broken chain.
  const auto typo =
      RunWorkspaced({"audit", "verify", "--workspace", "not-a-uuid\x1b[2J", "--data-dir", dir});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("not a workspace id"), std::string::npos) << typo.err;
  EXPECT_EQ(typo.err.find("not-a-uuid"), std::string::npos) << typo.err;
  EXPECT_EQ(typo.err.find("NOT intact"), std::string::npos) << typo.err;
  // So is a well-formed id no workspace has: not an alarm of tampering.
  const std::string unknown = "01900000-0000-7000-8000-0000000000ff";
  const auto none = RunWorkspaced({"audit", "verify", "--workspace", unknown, "--data-dir", dir});
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_EQ(none.err, "workspaced: no workspace " + unknown + "\n");

  const long long seq = CountRows(
      dir, "SELECT seq FROM audit_events WHERE workspace_id = '" + ws_ + "' ORDER BY seq LIMIT 1");
  ExecSql(dir, "UPDATE audit_events SET details = '{\"role\":\"admin\"}' WHERE seq = " +
                   std::to_string(seq));
  auto bad = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("event " + std::to_string(seq) + " "), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("altered"), std::string::npos) << bad.err;
}

// Tampering with the chains' bookkeeping, on either backend: each is named
// with its workspace, and none leaves a chain out of verification.
TEST_F(Management, AuditVerifyNamesAWorkspaceWhoseHeadRowWasRemoved) {
  const std::string dir = server_->data_dir();
  ASSERT_EQ(VerifyAudit().exit_code, 0) << VerifyAudit().err;
  ExecSql(dir, "DELETE FROM audit_chain_heads WHERE scope = '" + ws_ + "'");
  const auto bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + ": the chain ends at event"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("has no head row"), std::string::npos) << bad.err;
}

TEST_F(Management, AuditVerifyNamesAWorkspaceWhoseHeadDisagreesWithItsChain) {
  ExecSql(server_->data_dir(),
          "UPDATE audit_chain_heads SET hash = 'feed' WHERE scope = '" + ws_ + "'");
  const auto bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + ": the head row's hash disagrees"), std::string::npos)
      << bad.err;
}

TEST_F(Management, AuditVerifyNamesAWorkspaceWhoseChainWasRemoved) {
  const std::string dir = server_->data_dir();
  ExecSql(dir, "DELETE FROM audit_events WHERE workspace_id = '" + ws_ + "'");
  auto bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + ": the newest event on record is"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("ends at no event"), std::string::npos) << bad.err;

  // With its head gone too, the workspace row still asks for the chain.
  ExecSql(dir, "DELETE FROM audit_chain_heads WHERE scope = '" + ws_ + "'");
  bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + " exists but has no audit events"), std::string::npos)
      << bad.err;
  bad = RunWorkspaced({"audit", "verify", "--workspace", ws_, "--data-dir", dir});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_), std::string::npos) << bad.err;
}

// A copy of the database on read-only media (no -shm file can be made
// beside it) failed "sqlite: unable to open database file", exit 1, naming
// no file. It is read as it is: immutable, nothing created, not migrated.
// The medium is a read-only bind mount in a mount namespace of this test
// process and its children (as root, or in a user namespace).
TEST_F(Management, AuditVerifyReadsACopyOnReadOnlyMedia) {
  if (!BlackboxDatabase(server_->data_dir()).empty()) GTEST_SKIP() << "a copy of an SQLite file";
  // The last connection to close folds the WAL into the file: the file alone is a whole copy.
  seed_.reset();
  ASSERT_EQ(server_->Stop(), 0);
  TempDir copy;
  const std::string db = copy.path() + "/" + app::kDatabaseFile;
  std::filesystem::copy_file(server_->data_dir() + "/" + app::kDatabaseFile, db);
  if (const std::string why = MountReadOnly(copy.path()); !why.empty()) GTEST_SKIP() << why;
  const Unmount unmount{copy.path()};
  ASSERT_NE(::access(db.c_str(), W_OK), 0);  // read-only indeed
  const auto ok = RunWorkspaced({"audit", "verify", "--data-dir", copy.path()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  // The platform admins' first setting, the creations of the default
  // account, Acme, Globex and the workspace.
  EXPECT_NE(ok.out.find("audit log intact: 5 events in 2 chains"), std::string::npos) << ok.out;
  const auto one =
      RunWorkspaced({"audit", "verify", "--workspace", ws_, "--data-dir", copy.path()});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(copy.path()))
    files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{app::kDatabaseFile});
}

TEST_F(Management, AuditVerifyNamesAWorkspaceWhoseNewestEventsWereCutWithItsHead) {
  const std::string status = "/v1/workspaces/" + ws_ + "/status";
  ASSERT_EQ(Call("PATCH", status, "wanda", R"({"status":"frozen","reason":"hold"})").status, 200);
  const std::string dir = server_->data_dir();
  ASSERT_EQ(VerifyAudit().exit_code, 0) << VerifyAudit().err;

  // The freeze's event removed and the head moved back to the event before:
  // the chain is whole, but the workspace row changed after its end.
  const std::string newest =
      "(SELECT MAX(seq) FROM audit_events WHERE workspace_id = '" + ws_ + "')";
  ExecSql(dir, "DELETE FROM audit_events WHERE workspace_id = '" + ws_ +
                   "' AND action = 'workspace.freeze'");
  ExecSql(dir, "UPDATE audit_chain_heads SET seq = " + newest +
                   ", hash = (SELECT hash FROM audit_events WHERE seq = " + newest +
                   ") WHERE scope = '" + ws_ + "'");
  auto bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + ": the workspace last changed at"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("events at the chain's end were removed"), std::string::npos) << bad.err;

  // The head removed instead of moved back.
  ExecSql(dir, "DELETE FROM audit_chain_heads WHERE scope = '" + ws_ + "'");
  bad = VerifyAudit();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("workspace " + ws_ + ": the chain ends at event"), std::string::npos)
      << bad.err;
}

// Heads kept outside the database (`audit heads`) catch what the chains
// alone cannot: here a member's addition removed and the head moved back
// (the workspace row did not change with it, so nothing else shows it).
TEST_F(Management, AuditHeadsKeptOutsideCatchAChainCutBackThatVerifiesAlone) {
  ASSERT_EQ(
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/newbie", "wanda", R"({"role":"viewer"})")
          .status,
      201);
  const std::string dir = server_->data_dir();
  const CommandResult heads = RunWorkspaced({"audit", "heads", "--data-dir", dir});
  ASSERT_EQ(heads.exit_code, 0) << heads.err;
  EXPECT_EQ(heads.out.rfind(R"({"taken_at":")", 0), 0u) << heads.out;
  TempDir keep;
  const std::string file = keep.path() + "/heads.json";
  std::ofstream(file) << heads.out;
  const auto verify = [&] {
    return RunWorkspaced({"audit", "verify", "--anchors", file, "--data-dir", dir});
  };
  const CommandResult whole = verify();
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("anchored heads of"), std::string::npos) << whole.out;

  const std::string newest =
      "(SELECT MAX(seq) FROM audit_events WHERE workspace_id = '" + ws_ + "')";
  ExecSql(dir, "DELETE FROM audit_events WHERE workspace_id = '" + ws_ +
                   "' AND action = 'member.put' AND target_id = 'newbie'");
  ExecSql(dir, "UPDATE audit_chain_heads SET seq = " + newest +
                   ", hash = (SELECT hash FROM audit_events WHERE seq = " + newest +
                   ") WHERE scope = '" + ws_ + "'");
  EXPECT_EQ(VerifyAudit().exit_code, 0) << "the chain alone shows nothing";
  const CommandResult cut = verify();
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("(workspace " + ws_ + "), an anchored head, is no longer on record"),
            std::string::npos)
      << cut.err;

  std::ofstream(file) << "{\"heads\":[]}";
  const CommandResult bad = verify();
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--anchors: " + file + ": "), std::string::npos) << bad.err;
}

TEST_F(Management, TheAuditEndpointPagesNewestFirstAndKeepsItsFilters) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/members/m" + std::to_string(i), "wanda",
                   R"({"role":"viewer"})")
                  .status,
              201);
  }
  ASSERT_EQ(Call("DELETE", "/v1/workspaces/" + ws_ + "/members/m0", "alice").status, 204);
  const std::string base = "/v1/workspaces/" + ws_ + "/audit";
  HttpResponse r = Call("GET", base + "?limit=50", "vic");  // the seed's own query
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = Json(r.body).as_array();
  ASSERT_EQ(all.size(), 7u);  // the workspace's creation, five puts, the delete
  EXPECT_EQ(all[0].as_object().at("action").as_string(), "member.delete");  // newest first
  EXPECT_EQ(all[0].as_object().at("actor").as_object().at("subject").as_string(), "alice");
  EXPECT_EQ(all[0].as_object().at("target").as_object().at("id").as_string(), "m0");
  EXPECT_TRUE(all[0].as_object().at("details").is_object());
  EXPECT_EQ(all[0].as_object().at("prev_hash").as_string(),
            all[1].as_object().at("hash").as_string());
  EXPECT_TRUE(r.Header("Link").empty());

  // Filter by actor, two per page: the Link keeps the filter.
  r = Call("GET", base + "?actor=wanda&limit=2", "vic");
  ASSERT_EQ(r.status, 200);
  std::vector<std::string> targets;
  for (int page = 0; page < 5; ++page) {
    const boost::json::value page_body = Json(r.body);
    for (const auto& e : page_body.as_array())
      targets.emplace_back(e.as_object().at("target").as_object().at("id").as_string());
    const std::string link = r.Header("Link");
    if (link.empty()) break;
    EXPECT_NE(link.find("actor=wanda"), std::string::npos) << link;
    const std::string next = link.substr(1, link.find('>') - 1);
    r = Call("GET", next, "vic");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"m4", "m3", "m2", "m1", "m0"}));
  EXPECT_EQ(Json(Call("GET", base + "?action=member.delete", "vic").body).as_array().size(), 1u);
  EXPECT_EQ(Call("GET", base + "?until=2000-01-01T00:00:00Z", "vic").body, "[]");
  EXPECT_EQ(Json(Call("GET", base + "?since=2000-01-01T00:00:00Z", "vic").body).as_array().size(),
            7u);
  ExpectProblem(Call("GET", base + "?limit=1001", "vic"), 400);
  ExpectProblem(Call("GET", base + "?cursor=bogus", "vic"), 400);
  ExpectProblem(Call("GET", base + "?since=yesterday", "vic"), 400);
  // A window written with the times the API shows (to the second) holds the
  // events of its last second; a backwards window is a mistake; a leap
  // second is a time.
  const boost::json::value newest = Json(Call("GET", base + "?limit=1", "vic").body);
  const std::string shown(newest.as_array().at(0).as_object().at("time").as_string());
  const boost::json::value upto = Json(Call("GET", base + "?limit=1&until=" + shown, "vic").body);
  ASSERT_EQ(upto.as_array().size(), 1u) << shown;
  EXPECT_EQ(upto.as_array().at(0).at("seq"), newest.as_array().at(0).at("seq"));
  const HttpResponse backwards =
      Call("GET", base + "?since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z", "vic");
  ExpectProblem(backwards, 400);
  EXPECT_NE(backwards.body.find("since is after until"), std::string::npos) << backwards.body;
  EXPECT_EQ(Call("GET", base + "?until=2016-12-31T23:59:60Z", "vic").body, "[]");
  ExpectProblem(Call("GET", base + "?order=asc", "vic"), 400);
  ExpectProblem(Call("GET", base, "mallory"), 404);
}

TEST_F(Management, EveryDenialIsAuditedWhereTheTargetsAdminsCanSeeIt) {
  // 404 for want of read, 403 for want of administer: in the workspace's own
  // chain, with who was refused, what they needed and what they were told.
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws_, "mallory"), 404);
  ExpectProblem(Call("PUT", "/v1/workspaces/" + ws_ + "/members/x", "vic", R"({"role":"viewer"})"),
                403);
  // Chained just after their answers (docs/audit.md).
  HttpResponse r;
  EXPECT_TRUE(Eventually([&] {
    r = Call("GET", "/v1/workspaces/" + ws_ + "/audit?action=authz.denied", "wanda");
    return r.status != 200 || Json(r.body).as_array().size() >= 2;
  }));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value events = Json(r.body);
  ASSERT_EQ(events.as_array().size(), 2u) << r.body;
  const auto& forbidden = events.as_array()[0].as_object();
  EXPECT_EQ(forbidden.at("actor").as_object().at("subject").as_string(), "vic");
  EXPECT_EQ(forbidden.at("outcome").as_string(), "denied");
  EXPECT_EQ(forbidden.at("target").as_object().at("id").as_string(), ws_);
  EXPECT_EQ(forbidden.at("details").as_object().at("status").as_int64(), 403);
  EXPECT_EQ(forbidden.at("details").as_object().at("permission").as_string(), "administer");
  EXPECT_EQ(forbidden.at("details").as_object().at("method").as_string(), "PUT");
  const auto& hidden = events.as_array()[1].as_object();
  EXPECT_EQ(hidden.at("actor").as_object().at("subject").as_string(), "mallory");
  EXPECT_EQ(hidden.at("details").as_object().at("status").as_int64(), 404);
  EXPECT_EQ(hidden.at("details").as_object().at("permission").as_string(), "read");

  // A workspace that does not exist and a bad token: counted in
  // audit_denials (docs/audit.md), never an event per made-up id or per
  // anonymous request. No route-level 404 (unknown path) counts.
  const long long before = Audited("authz.denied");
  ExpectProblem(Call("GET", "/v1/workspaces/0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b", "vic"), 404);
  ExpectProblem(c_->Send("GET", "/v1/workspaces", {{"Authorization", "Bearer nonsense"}}, ""), 401);
  ExpectProblem(c_->Send("GET", "/v1/workspaces", {}, ""), 401);
  ExpectProblem(Call("GET", "/v1/no-such-thing", "vic"), 404);
  EXPECT_TRUE(Eventually([&] {
    return CountRows(server_->data_dir(), "SELECT COALESCE(SUM(count), 0) FROM audit_denials") == 3;
  }));
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_denials WHERE subject = 'vic' AND status = 404"),
            1);
  EXPECT_EQ(Audited("authz.denied"), before);
  // The denials are chained like every other event.
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--data-dir", server_->data_dir()}).exit_code, 0);
}

// A change the caller may make, refused because the workspace is frozen
// (423), is on the workspace's record too: who tried to write to it while
// it was frozen for an incident (found by an outside audit).
TEST_F(Management, AWriteRefusedBecauseTheWorkspaceIsFrozenIsRecorded) {
  ASSERT_EQ(Call("PATCH", "/v1/workspaces/" + ws_ + "/status", "wanda",
                 R"({"status":"frozen","reason":"incident 42"})")
                .status,
            200);
  ExpectProblem(
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/x", "wanda", R"({"role":"viewer"})"), 423);
  // A forced delete checks the account after the workspace: still the
  // workspace's record.
  ExpectProblem(Call("DELETE", "/v1/workspaces/" + ws_ + "?force=true", "alice"), 423);
  HttpResponse r;
  EXPECT_TRUE(Eventually([&] {
    r = Call("GET", "/v1/workspaces/" + ws_ + "/audit?action=request.refused", "vic");
    return r.status != 200 || Json(r.body).as_array().size() >= 2;
  }));
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value events = Json(r.body);
  ASSERT_EQ(events.as_array().size(), 2u) << r.body;
  EXPECT_EQ(events.as_array()[0].at("actor").at("subject").as_string(), "alice");  // newest first
  const auto& refused = events.as_array()[1].as_object();
  EXPECT_EQ(refused.at("actor").as_object().at("subject").as_string(), "wanda");
  EXPECT_EQ(refused.at("outcome").as_string(), "refused");
  EXPECT_EQ(refused.at("target").as_object().at("id").as_string(), ws_);
  EXPECT_EQ(refused.at("details").as_object().at("status").as_int64(), 423);
  EXPECT_EQ(refused.at("details").as_object().at("method").as_string(), "PUT");
  EXPECT_EQ(VerifyAudit().exit_code, 0) << VerifyAudit().err;
}

}  // namespace
}  // namespace workspaced::testing
