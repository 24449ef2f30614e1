// POST /v1/workspaces and its provisioning saga, through the real binary:
// the 202 contract, every step failing (retried, or compensated), retry of a
// failed run, permissions, validation and Idempotency-Key. Delivery to
// SpiceDB is in provisioning_spicedb_test.cc.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/app.h"
#include "blackbox/provisioning_fixture.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;

const std::vector<std::string> kSteps = {"bind_account",        "configure_account",
                                         "create_environments", "provision_dataplane",
                                         "write_relationships", "activate"};


TEST_F(Provisioning, CreateAnswers202AndTheSagaBuildsTheWholeWorkspace) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse r = PostWorkspace(
      c, alice_,
      CreateBody(
          acme_, "Production EU",
          R"(,"labels":{"team":"core"},"group_mappings":[{"group_name":"eng","role":"member"}],"runtime":{"generation":"mk3"})"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto body = Json(r.body).as_object();
  const std::string ws = Str(body, "workspace_id");
  const std::string run = Str(body, "provisioning_run_id");
  EXPECT_EQ(r.Header("Location"), "/v1/provisioning-runs/" + run);
  EXPECT_EQ(Str(body, "status"), "provisioning");
  const auto& created = body.at("workspace").as_object();
  EXPECT_EQ(Str(created, "slug"), "production-eu");
  EXPECT_EQ(Str(created, "created_by"), "alice");
  EXPECT_EQ(Str(created, "provisioning_phase"), "created");

  const auto done = WaitRun(c, alice_, run);
  ASSERT_EQ(Str(done, "state"), "succeeded") << boost::json::serialize(done);
  EXPECT_TRUE(done.at("current_step").is_null());
  EXPECT_TRUE(done.at("finished_at").is_string());
  for (const auto& s : done.at("steps").as_array()) {
    EXPECT_EQ(s.as_object().at("state").as_string(), "succeeded");
    EXPECT_EQ(s.as_object().at("attempts").as_int64(), 1);
  }
  const auto got = Json(c.Get("/v1/workspaces/" + ws, alice_).body).as_object();
  EXPECT_EQ(Str(got, "status"), "active");
  EXPECT_EQ(Str(got, "provisioning_phase"), "ready");
  EXPECT_EQ(got.at("labels").as_object().at("team").as_string(), "core");
  EXPECT_EQ(got.at("runtime").as_object().at("generation").as_string(), "mk3");
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", alice_).status, 200);
  const auto envs = Json(c.Get("/v1/workspaces/" + ws + "/environments", alice_).body).as_array();
  ASSERT_EQ(envs.size(), 3u);
  EXPECT_EQ(envs[0].as_object().at("name").as_string(), "dev");
  EXPECT_TRUE(DataplaneFileExists(server_->data_dir(), ws));
  // account, creator as admin, one group mapping, three environments
  EXPECT_EQ(RelationshipRows(server_->data_dir(), ws), 6);
  // The creator is now a member, so the workspace is in their list; so is it
  // for a member of the mapped group.
  EXPECT_NE(c.Get("/v1/workspaces", alice_).body.find(ws), std::string::npos);
  EXPECT_NE(c.Get("/v1/workspaces", server_->Token("bob", "eng")).body.find(ws), std::string::npos);
  // Every transition was audited.
  EXPECT_GE(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE workspace_id = '" + ws + "'"),
            8);
}

TEST_F(Provisioning, TheWorkspaceIsVisibleAtOnceAsProvisioning) {
  Start("bind_account=delay(1500)");
  HttpClient c(server_->port());
  const auto body = Create(c, "Slow");
  const HttpResponse got = c.Get("/v1/workspaces/" + Str(body, "workspace_id"), alice_);
  ASSERT_EQ(got.status, 200);
  const auto ws = Json(got.body).as_object();
  EXPECT_EQ(Str(ws, "status"), "provisioning");
  EXPECT_EQ(Str(ws, "provisioning_phase"), "created");
  const auto run =
      Json(c.Get("/v1/provisioning-runs/" + Str(body, "provisioning_run_id"), alice_).body)
          .as_object();
  EXPECT_EQ(Str(run, "current_step"), "bind_account");
  EXPECT_NE(Str(run, "state"), "succeeded");
  // In its creator's own list too, before any step has run: the create
  // made the creator its admin (a list paged meanwhile must not pass it by).
  EXPECT_NE(c.Get("/v1/workspaces", alice_).body.find(Str(body, "workspace_id")),
            std::string::npos);
  EXPECT_NE(c.Get("/v1/workspaces/" + Str(body, "workspace_id") + "/members/alice", alice_)
                .body.find(R"("role":"admin")"),
            std::string::npos);
}

TEST_F(Provisioning, SharedTenancyGetsRowsInTheRegionsSharedStore) {
  Start();
  HttpClient c(server_->port());
  const auto body = Create(c, "Small", R"(,"tenancy_model":"shared")");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  EXPECT_FALSE(DataplaneFileExists(server_->data_dir(), Str(body, "workspace_id")));
  EXPECT_TRUE(std::filesystem::exists(server_->data_dir() + "/dataplanes/us-east-1/shared.db"));
}

TEST_F(Provisioning, SlugsAreGeneratedUniqueAndAGivenTakenSlugIs409) {
  Start();
  HttpClient c(server_->port());
  EXPECT_EQ(Str(Create(c, "Data Lake").at("workspace").as_object(), "slug"), "data-lake");
  EXPECT_EQ(Str(Create(c, "Data Lake").at("workspace").as_object(), "slug"), "data-lake-2");
  EXPECT_EQ(Str(Create(c, "Data  Lake!").at("workspace").as_object(), "slug"), "data-lake-3");
  const HttpResponse taken =
      PostWorkspace(c, alice_, CreateBody(acme_, "Other", R"(,"slug":"data-lake")"));
  ExpectProblem(taken, 409);
  EXPECT_NE(taken.body.find("data-lake"), std::string::npos);
  // /v0 addresses workspaces by slug and /v0/workspaces/availability is an
  // endpoint: no surface gives that slug, and a generated one skips it.
  const HttpResponse reserved =
      PostWorkspace(c, alice_, CreateBody(acme_, "Other", R"(,"slug":"availability")"));
  ExpectProblem(reserved, 409);
  EXPECT_NE(reserved.body.find("reserved"), std::string::npos) << reserved.body;
  EXPECT_EQ(Str(Create(c, "Availability").at("workspace").as_object(), "slug"), "availability-2");
}

class ProvisioningStep : public Provisioning, public ::testing::WithParamInterface<std::string> {};

TEST_P(ProvisioningStep, TwoFailedAttemptsAreRetriedAndTheWorkspaceStillBecomesActive) {
  Start(GetParam() + "=error(2)");
  HttpClient c(server_->port());
  const auto body = Create(c, "Flaky");
  const auto run = WaitRun(c, alice_, Str(body, "provisioning_run_id"));
  ASSERT_EQ(Str(run, "state"), "succeeded") << boost::json::serialize(run);
  const auto& step = StepOf(run, GetParam());
  EXPECT_EQ(step.at("attempts").as_int64(), 3);
  EXPECT_NE(std::string(step.at("last_error").as_string()).find("injected"), std::string::npos);
  EXPECT_EQ(Str(Json(c.Get("/v1/workspaces/" + Str(body, "workspace_id"), alice_).body).as_object(),
                "status"),
            "active");
}

TEST_P(ProvisioningStep, AFatalErrorCompensatesEverythingAndExplainsWhy) {
  Start(GetParam() + "=fatal");
  HttpClient c(server_->port());
  const auto body = Create(c, "Doomed");
  const std::string ws = Str(body, "workspace_id");
  const auto run = WaitRun(c, alice_, Str(body, "provisioning_run_id"));
  ASSERT_EQ(Str(run, "state"), "failed") << boost::json::serialize(run);
  EXPECT_NE(Str(run, "error").find(GetParam()), std::string::npos);
  EXPECT_EQ(StepOf(run, GetParam()).at("state").as_string(), "failed");
  for (const auto& s : run.at("steps").as_array()) {
    const auto& state = s.as_object().at("state").as_string();
    EXPECT_TRUE(state == "compensated" || state == "failed" || state == "pending") << state;
  }
  // The creator is an account admin, so the workspace stays readable.
  const auto got = Json(c.Get("/v1/workspaces/" + ws, alice_).body).as_object();
  EXPECT_EQ(Str(got, "status"), "error");
  EXPECT_EQ(Str(got, "provisioning_phase"), "error");
  EXPECT_NE(Str(got, "status_reason").find(GetParam()), std::string::npos);
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws + "/environments", alice_).body, "[]");
  EXPECT_FALSE(DataplaneFileExists(server_->data_dir(), ws));
  // Its account link and its creator's membership, kept with the row.
  EXPECT_EQ(RelationshipRows(server_->data_dir(), ws), 2);
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = '" + ws + "'"),
            1);
}

// A creator who leaves while the workspace provisions stays gone, through a
// failed run and its retry: the saga's configure_account re-added them
// (unaudited) once the create made the membership itself, and then a
// failed run's compensation removed it and the retry made it again
// (outside audits).
TEST_F(Provisioning, ACreatorWhoLeavesWhileItProvisionsIsNotAddedBack) {
  Start("configure_account=delay(1500);activate=fatal");
  HttpClient c(server_->port());
  const auto body = Create(c, "Handed over");
  const std::string ws = Str(body, "workspace_id");
  const std::string carol = server_->Token("carol");
  const auto call = [&](const std::string& token, const std::string& method,
                        const std::string& path, const std::string& json = "") {
    return c.Send(method, path,
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                  json);
  };
  ASSERT_EQ(call(alice_, "PUT", "/v1/workspaces/" + ws + "/members/carol", R"({"role":"admin"})")
                .status,
            201);
  ASSERT_EQ(call(alice_, "DELETE", "/v1/workspaces/" + ws + "/members/alice").status, 204);
  const auto members = [&] {
    return CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspace_members WHERE "
                                          "workspace_id = '" + ws + "' AND subject = 'alice'");
  };
  const std::string run = Str(body, "provisioning_run_id");
  ASSERT_EQ(Str(WaitRun(c, alice_, run), "state"), "failed");
  EXPECT_EQ(members(), 0);
  const HttpResponse retried = call(carol, "POST", "/v1/provisioning-runs/" + run + "/retry");
  ASSERT_EQ(retried.status, 202) << retried.body;
  ASSERT_EQ(Str(WaitRun(c, carol, Str(Json(retried.body).as_object(), "provisioning_run_id")),
                "state"),
            "failed");
  EXPECT_EQ(members(), 0);
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspace_members WHERE "
                                           "workspace_id = '" + ws + "' AND subject = 'carol'"),
            1);
}

// A group mapping changed while a failed run is being compensated, after
// its relationships were removed: the change must not write them again.
// It did (the phase still said "written" until the last compensation), and
// nothing removed them after: the group kept its role on the failed
// workspace, and on the same workspace after a retry, whatever the
// mappings said (outside audit).
TEST_F(Provisioning, AMappingChangedDuringCompensationGrantsNothing) {
  Start("activate=fatal;provision_dataplane.compensate=delay(3000)");
  HttpClient c(server_->port());
  const auto body = Create(c, "Undone", R"(,"group_mappings":[{"group_name":"eng","role":"admin"}])");
  const std::string ws = Str(body, "workspace_id");
  const std::string run = Str(body, "provisioning_run_id");
  // Wait for write_relationships to be compensated (the dataplane's
  // compensation, next, is held).
  ASSERT_TRUE(Eventually(
      [&] {
        const auto r = Json(c.Get("/v1/provisioning-runs/" + run, alice_).body).as_object();
        return StepOf(r, "write_relationships").at("state").as_string() == "compensated";
      },
      20));
  const HttpResponse put =
      c.Send("PUT", "/v1/workspaces/" + ws + "/group-mappings",
             {{"Authorization", "Bearer " + alice_}, {"Content-Type", "application/json"}},
             R"([{"group_name":"eng","role":"admin"},{"group_name":"ops","role":"viewer"}])");
  EXPECT_EQ(put.status, 200) << put.body;
  ASSERT_EQ(Str(WaitRun(c, alice_, run), "state"), "failed");
  // Nothing of the mappings is written: the account link and the creator's
  // membership alone remain.
  EXPECT_EQ(RelationshipRows(server_->data_dir(), ws), 2);
  for (const char* group : {"eng", "ops"}) {
    const std::string token = server_->Token("gina", group);
    EXPECT_EQ(c.Get("/v1/workspaces/" + ws, token).status, 404) << group;
    EXPECT_EQ(c.Get("/v1/workspaces", token).body.find(ws), std::string::npos) << group;
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, ProvisioningStep, ::testing::ValuesIn(kSteps),
                         [](const auto& info) { return info.param; });

// A group mapping given at create grants (GET and the list alike) only from
// write_relationships on, and no longer once a failed run compensated it.
TEST_F(Provisioning, AGroupSeesAWorkspaceInItsListExactlyWhenItMayReadIt) {
  Start("provision_dataplane=delay(5000)");
  HttpClient c(server_->port());
  const std::string eng = server_->Token("eve", "eng");
  const auto mapped = R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])";
  const auto body = Create(c, "Mapped", mapped);
  const std::string ws = Str(body, "workspace_id");
  // Provisioning is held before write_relationships.
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws, eng).status, 404);
  EXPECT_EQ(c.Get("/v1/workspaces", eng).body, "[]");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws, eng).status, 200);
  EXPECT_NE(c.Get("/v1/workspaces", eng).body.find(ws), std::string::npos);

  // A run that fails after write_relationships compensates the mapping.
  const std::string dir = server_->data_dir();
  auto first = std::move(server_);  // owns the data directory
  first->Stop();
  Start("activate=fatal", "", dir);
  HttpClient c2(server_->port());
  const auto failed = Create(c2, "Mapped Then Failed", mapped);
  ASSERT_EQ(Str(WaitRun(c2, alice_, Str(failed, "provisioning_run_id")), "state"), "failed");
  const std::string gone = Str(failed, "workspace_id");
  EXPECT_EQ(c2.Get("/v1/workspaces/" + gone, eng).status, 404);
  const std::string list = c2.Get("/v1/workspaces", eng).body;
  EXPECT_EQ(list.find(gone), std::string::npos) << list;
  EXPECT_NE(list.find(ws), std::string::npos) << list;
}

TEST_F(Provisioning, AFailedRunIsRetriedByANewRunOnce) {
  Start("provision_dataplane=fatal");
  HttpClient c(server_->port());
  const auto body = Create(c, "Second Chance");
  const std::string ws = Str(body, "workspace_id");
  const std::string failed = Str(body, "provisioning_run_id");
  ASSERT_EQ(Str(WaitRun(c, alice_, failed), "state"), "failed");
  seed_->Member(ws, "vera", model::WorkspaceRole::kViewer);

  // The fault is fixed: the server comes back without it.
  const std::string dir = server_->data_dir();
  auto first = std::move(server_);
  first->Stop();
  Start("", "", dir);
  HttpClient c2(server_->port());
  auto post = [&](const std::string& run, const std::string& token) {
    return c2.Send("POST", "/v1/provisioning-runs/" + run + "/retry",
                   {{"Authorization", "Bearer " + token}});
  };
  ExpectProblem(post(failed, server_->Token("vera")), 403);
  ExpectProblem(post(failed, server_->Token("mallory")), 404);

  const HttpResponse r = post(failed, alice_);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto again = Json(r.body).as_object();
  const std::string retry = Str(again, "provisioning_run_id");
  EXPECT_NE(retry, failed);
  EXPECT_EQ(Str(again, "workspace_id"), ws);
  EXPECT_EQ(r.Header("Location"), "/v1/provisioning-runs/" + retry);
  const auto done = WaitRun(c2, alice_, retry);
  EXPECT_EQ(Str(done, "state"), "succeeded");
  EXPECT_EQ(Str(done, "retry_of"), failed);
  EXPECT_EQ(Str(Json(c2.Get("/v1/workspaces/" + ws, alice_).body).as_object(), "status"), "active");
  EXPECT_TRUE(DataplaneFileExists(dir, ws));

  ExpectProblem(post(failed, alice_), 409);  // already retried
  ExpectProblem(post(retry, alice_), 409);   // succeeded
}

TEST_F(Provisioning, PermissionsFollowTheAccount) {
  Start();
  HttpClient c(server_->port());
  ExpectProblem(PostWorkspace(c, server_->Token("reader"), CreateBody(acme_, "Nope")), 403);
  ExpectProblem(PostWorkspace(c, server_->Token("mallory"), CreateBody(acme_, "Nope")), 404);
  ExpectProblem(PostWorkspace(c, alice_, CreateBody("01900000-0000-7000-8000-000000000000", "x")),
                404);
  const auto body = Create(c, "Private");
  const std::string run = Str(body, "provisioning_run_id");
  ExpectProblem(c.Get("/v1/provisioning-runs/" + run, server_->Token("mallory")), 404);
  ExpectProblem(c.Get("/v1/provisioning-runs/not-a-uuid", alice_), 404);
  EXPECT_EQ(c.Get("/v1/provisioning-runs/" + run, server_->Token("reader")).status, 200);
  // Nothing was created by the refused requests.
  EXPECT_EQ(Json(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body).as_array().size(), 1u);
}

TEST_F(Provisioning, BadBodiesAreRefusedFieldByFieldAndChangeNothing) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse many = PostWorkspace(
      c, alice_, R"({"account_id":"nope","name":"","region":"mars-1","status":"active"})");
  ExpectProblem(many, 422);
  std::set<std::string> fields;
  const boost::json::value problem = Json(many.body);
  for (const auto& e : problem.as_object().at("errors").as_array())
    fields.insert(std::string(e.as_object().at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"account_id", "name", "region", "status"}));
  EXPECT_NE(many.body.find("us-east-1"), std::string::npos);  // the valid regions are listed
  ExpectProblem(PostWorkspace(c, alice_, "{not json"), 400);
  ExpectProblem(c.Send("POST", "/v1/workspaces", {{"Authorization", "Bearer " + alice_}},
                       CreateBody(acme_, "x")),
                415);
  EXPECT_EQ(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body, "[]");
}

TEST_F(Provisioning, FiftyConcurrentPostsWithOneKeyMakeOneWorkspace) {
  Start();
  const std::string body = CreateBody(acme_, "Once");
  constexpr int kClients = 50;
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0}, busy{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      ++ready;
      while (ready.load() < kClients) std::this_thread::yield();
      // A duplicate of the request still in progress gets 409 at once; the
      // client comes back after Retry-After, as the protocol asks.
      for (int attempt = 0; attempt < 10; ++attempt) {
        responses[i] = PostWorkspace(c, alice_, body, "key-once");
        if (responses[i].status != 409) break;
        ++busy;
        EXPECT_EQ(responses[i].Header("Retry-After"), "1");
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  for (auto& t : threads) t.join();
  // On two I/O threads and several workers, some duplicates arrive while the
  // first is running (how many varies; none is allowed to wait on a thread).
  std::printf("duplicates answered 409 while the first was in progress: %d\n", busy.load());
  for (const auto& r : responses) {
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.body, responses[0].body);
    EXPECT_EQ(r.Header("Location"), responses[0].Header("Location"));
  }
  HttpClient c(server_->port());
  EXPECT_EQ(Json(c.Get("/v1/workspaces/by-account/" + acme_, alice_).body).as_array().size(), 1u);
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM provisioning_runs"), 1);
}

TEST_F(Provisioning, IdempotencyKeyReplaysRefusesOtherBodiesAndIsPerCaller) {
  Start();
  HttpClient c(server_->port());
  const HttpResponse first = PostWorkspace(c, alice_, CreateBody(acme_, "Keyed"), "k1");
  ASSERT_EQ(first.status, 202);
  EXPECT_TRUE(first.Header("Idempotent-Replayed").empty());
  const HttpResponse again = PostWorkspace(c, alice_, CreateBody(acme_, "Keyed"), "k1");
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Location"), first.Header("Location"));
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  // The same JSON, spaced and ordered otherwise (another client library's
  // retry), is the same request.
  const HttpResponse reordered = PostWorkspace(
      c, alice_, "{ \"region\": \"us-east-1\",\n  \"name\": \"Keyed\", \"account_id\": \"" + acme_ + "\" }",
      "k1");
  EXPECT_EQ(reordered.status, 202) << reordered.body;
  EXPECT_EQ(reordered.body, first.body);
  EXPECT_EQ(reordered.Header("Idempotent-Replayed"), "true");
  const HttpResponse reused = PostWorkspace(c, alice_, CreateBody(acme_, "Other"), "k1");
  ExpectProblem(reused, 422);
  // Its own problem type, and the header named as the field at fault.
  const auto problem = Json(reused.body).as_object();
  EXPECT_EQ(problem.at("type").as_string(), "urn:workspaced:problem:idempotency-key-reused");
  EXPECT_EQ(problem.at("errors").as_array().at(0).as_object().at("field").as_string(),
            "Idempotency-Key");
  ExpectProblem(PostWorkspace(c, alice_, CreateBody(acme_, "Long"), std::string(256, 'k')), 400);
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Max"), std::string(255, 'k')).status, 202);
  // Another caller's identical key is theirs alone.
  seed_->AccountMember(acme_, "bob", AccountRole::kAdmin);
  const HttpResponse bob =
      PostWorkspace(c, server_->Token("bob"), CreateBody(acme_, "Keyed"), "k1");
  EXPECT_EQ(bob.status, 202);
  EXPECT_NE(bob.body, first.body);
  // A refused request does not burn the key.
  ExpectProblem(PostWorkspace(c, alice_, R"({"account_id":"x"})", "k2"), 422);
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Later"), "k2").status, 202);
}

TEST_F(Provisioning, ADuplicateOfARequestStillInProgressGets409) {
  Start("create_request=delay(3000)");
  std::thread slow([&] {
    HttpClient c(server_->port());
    EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow").status, 202);
  });
  // The first request holds its reservation (inside the failpoint's delay).
  const std::string reserved =
      "SELECT COUNT(*) FROM idempotency_keys WHERE key = 'k-slow' AND completed = 0";
  EXPECT_TRUE(Eventually([&] { return CountRows(server_->data_dir(), reserved) == 1; }));
  HttpClient c(server_->port());
  const HttpResponse dup = PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow");
  ExpectProblem(dup, 409);
  EXPECT_EQ(dup.Header("Retry-After"), "1");
  slow.join();
  EXPECT_EQ(PostWorkspace(c, alice_, CreateBody(acme_, "Slow"), "k-slow").status, 202);
}

}  // namespace
}  // namespace workspaced::testing
