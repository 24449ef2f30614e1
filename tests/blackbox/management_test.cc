// Accounts, memberships and group mappings through the real binary: who may
// change what, the last-admin rule, and an audit event for every change.
#include "blackbox/management_fixture.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

TEST_F(Management, PlatformAdminsCreateAccountsOthersMayNot) {
  // The default account's, Acme's and Globex's creations are on record.
  const long long before = Audited("account.create");
  EXPECT_EQ(before, 3);
  const HttpResponse r =
      Call("POST", "/v1/accounts", "admin", R"({"name":"Initech","admin":"peter"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto account = Json(r.body).as_object();
  const std::string id(account.at("id").as_string());
  EXPECT_EQ(r.Header("Location"), "/v1/accounts/" + id);
  EXPECT_EQ(account.at("name").as_string(), "Initech");
  // The first admin can read and manage it at once; a stranger cannot see it.
  EXPECT_EQ(Call("GET", "/v1/accounts/" + id, "peter").status, 200);
  EXPECT_EQ(Call("GET", "/v1/accounts/" + id + "/members", "peter").body.find("\"peter\"") !=
                std::string::npos,
            true);
  ExpectProblem(Call("GET", "/v1/accounts/" + id, "mallory"), 404);
  ExpectProblem(Call("POST", "/v1/accounts", "alice", R"({"name":"Mine","admin":"alice"})"), 403);
  const HttpResponse bad = Call("POST", "/v1/accounts", "admin", R"({"name":"","extra":1})");
  ExpectProblem(bad, 422);
  EXPECT_NE(bad.body.find("\"admin\""), std::string::npos);
  EXPECT_NE(bad.body.find("\"extra\""), std::string::npos);
  EXPECT_EQ(Audited("account.create"), before + 1);
}

TEST_F(Management, AccountMembersArePutListedAndDeletedByAdminsOnly) {
  const std::string base = "/v1/accounts/" + acme_ + "/members/";
  HttpResponse r = Call("PUT", base + "bob%40acme.com", "alice", R"({"role":"member"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("subject").as_string(), "bob@acme.com");
  EXPECT_EQ(Call("PUT", base + "bob%40acme.com", "alice", R"({"role":"admin"})").status, 200);
  // bob is an admin now: he may manage the account.
  EXPECT_EQ(Call("PUT", base + "carol", "bob@acme.com", R"({"role":"member"})").status, 201);
  // The role carol already has: 200, nothing written, no event.
  EXPECT_EQ(Call("PUT", base + "carol", "alice", R"({"role":"member"})").status, 200);
  const auto members = Json(Call("GET", "/v1/accounts/" + acme_ + "/members", "reader").body);
  EXPECT_EQ(members.as_array().size(), 4u);  // alice, bob, carol, reader
  ExpectProblem(Call("PUT", base + "dave", "reader", R"({"role":"member"})"), 403);
  ExpectProblem(Call("PUT", base + "dave", "mallory", R"({"role":"member"})"), 404);
  ExpectProblem(Call("PUT", base + "dave", "alice", R"({"role":"owner"})"), 422);
  // Subjects no token can have: look-alikes of real users (docs/identity.md).
  for (const char* subject : {"%20bob%40acme.com", "bob%40acme.com%C2%A0", "b%E2%80%8Bob",
                              "x%7C", "%7Calice"})
    ExpectProblem(Call("PUT", base + subject, "alice", R"({"role":"member"})"), 400);
  ExpectProblem(Call("PUT", base + std::string(256, 'a'), "alice", R"({"role":"member"})"), 400);
  EXPECT_EQ(Call("PUT", base + "https%3A%2F%2Fidp.example.com%2F%7Calice", "alice",
                 R"({"role":"member"})")
                .status,
            201);  // a provider's user, qualified
  ExpectProblem(Call("PUT", base + "dave", "alice", ""), 415);
  EXPECT_EQ(Call("DELETE", base + "carol", "alice").status, 204);
  ExpectProblem(Call("DELETE", base + "carol", "alice"), 404);
  EXPECT_EQ(Audited("member.put"), 4);  // bob twice, carol, the provider's alice
  EXPECT_EQ(Audited("member.delete"), 1);
}

// Nobody accepts a membership, so anyone made a member can leave: DELETE
// of one's own membership needs only read; removing another still needs
// administer; the last admin stays.
TEST_F(Management, AMemberMayLeaveButNotRemoveOthers) {
  const std::string base = "/v1/accounts/" + acme_ + "/members/";
  ASSERT_EQ(Call("PUT", base + "carol", "alice", R"({"role":"member"})").status, 201);
  ExpectProblem(Call("DELETE", base + "reader", "carol"), 403);
  EXPECT_EQ(Call("DELETE", base + "carol", "carol").status, 204);
  ExpectProblem(Call("GET", "/v1/accounts/" + acme_, "carol"), 404);
  ExpectProblem(Call("DELETE", base + "alice", "alice"), 409);  // the last admin
  // The same in a workspace.
  const std::string ws = "/v1/workspaces/" + ws_;
  ASSERT_EQ(Call("GET", ws, "vic").status, 200);
  EXPECT_EQ(Call("DELETE", ws + "/members/vic", "vic").status, 204);
  ExpectProblem(Call("GET", ws, "vic"), 404);
  // A frozen workspace is read-only (PRODUCT.md): leaving it is a change
  // too, 423 like removing another — the last admin's included (the freeze
  // is named before the rule a thaw would still apply).
  ASSERT_EQ(Call("PUT", ws + "/members/mia", "alice", R"({"role":"member"})").status, 201);
  ASSERT_EQ(Call("PATCH", ws + "/status", "alice", R"({"status":"frozen","reason":"hold"})").status,
            200);
  ExpectProblem(Call("DELETE", ws + "/members/mia", "alice"), 423);  // removing another
  ExpectProblem(Call("DELETE", ws + "/members/mia", "mia"), 423);
  ExpectProblem(Call("DELETE", ws + "/members/wanda", "wanda"), 423);
  ASSERT_EQ(Call("PATCH", ws + "/status", "alice", R"({"status":"active"})").status, 200);
  EXPECT_EQ(Call("DELETE", ws + "/members/mia", "mia").status, 204);
  ExpectProblem(Call("DELETE", ws + "/members/wanda", "wanda"), 409);  // the last admin stays
  EXPECT_EQ(Audited("member.delete"), 3);
}

TEST_F(Management, TheLastAdminCannotLeaveOrBeDemoted) {
  const std::string alice = "/v1/accounts/" + acme_ + "/members/alice";
  ExpectProblem(Call("DELETE", alice, "alice"), 409);
  ExpectProblem(Call("PUT", alice, "alice", R"({"role":"member"})"), 409);
  const std::string wanda = "/v1/workspaces/" + ws_ + "/members/wanda";
  ExpectProblem(Call("DELETE", wanda, "wanda"), 409);
  ExpectProblem(Call("PUT", wanda, "alice", R"({"role":"viewer"})"), 409);
  // With a second admin, the first may go.
  EXPECT_EQ(
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/xena", "wanda", R"({"role":"admin"})").status,
      201);
  EXPECT_EQ(Call("DELETE", wanda, "wanda").status, 204);
  EXPECT_EQ(Audited("member.delete"), 1);  // refused changes are not recorded as changes
}

TEST_F(Management, WorkspaceMembersFollowTheWorkspacePermissions) {
  const std::string base = "/v1/workspaces/" + ws_ + "/members/";
  EXPECT_EQ(Call("PUT", base + "mona", "wanda", R"({"role":"member"})").status, 201);
  EXPECT_EQ(Call("PUT", base + "mona", "alice", R"({"role":"viewer"})").status,
            200);  // account admin
  ExpectProblem(Call("PUT", base + "x", "vic", R"({"role":"viewer"})"), 403);
  ExpectProblem(Call("PUT", base + "x", "mallory", R"({"role":"viewer"})"), 404);
  ExpectProblem(Call("PUT", base + "x", "wanda", R"({"role":"owner"})"), 422);
  const auto list = Json(Call("GET", "/v1/workspaces/" + ws_ + "/members", "vic").body).as_array();
  ASSERT_EQ(list.size(), 3u);  // mona, vic, wanda (by subject)
  EXPECT_EQ(list[0].as_object().at("subject").as_string(), "mona");
  EXPECT_EQ(list[0].as_object().at("role").as_string(), "viewer");
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws_ + "/members", "mallory"), 404);
  // The new member sees the workspace in their list.
  EXPECT_NE(Call("GET", "/v1/workspaces", "mona").body.find(ws_), std::string::npos);
}

TEST_F(Management, GroupMappingsAreReplacedAndGrantAccessByTokenGroups) {
  const std::string path = "/v1/workspaces/" + ws_ + "/group-mappings";
  const HttpResponse r =
      Call("PUT", path, "wanda",
           R"([{"group_name":"eng","role":"member"},{"group_name":"ops","role":"viewer"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto ws = Json(r.body).as_object();
  ASSERT_EQ(ws.at("group_mappings").as_array().size(), 2u);
  EXPECT_EQ(ws.at("updated_by").as_string(), "wanda");
  EXPECT_FALSE(r.Header("ETag").empty());
  HttpClient other(server_->port());
  const std::string eng = server_->Token("gus", "eng");
  EXPECT_NE(other.Get("/v1/workspaces", eng).body.find(ws_), std::string::npos);
  EXPECT_EQ(other.Get("/v1/workspaces/" + ws_, eng).status, 200);
  // Replaced, not merged: eng is gone.
  ASSERT_EQ(Call("PUT", path, "wanda", R"([{"group_name":"ops","role":"viewer"}])").status, 200);
  EXPECT_EQ(other.Get("/v1/workspaces/" + ws_, eng).status, 404);
  const HttpResponse bad = Call("PUT", path, "wanda", R"([{"group_name":"","role":"chief"}])");
  ExpectProblem(bad, 422);
  EXPECT_NE(bad.body.find("[0].role"), std::string::npos);
  ExpectProblem(Call("PUT", path, "vic", "[]"), 403);
  EXPECT_EQ(Audited("workspace.group_mappings.put"), 2);
}

// Which identity providers an account trusts is the platform admins' to
// set; a change moves every mapping of the account's workspaces at once.
TEST_F(Management, OnlyPlatformAdminsChangeTheIssuersAnAccountTrustsAndMappingsFollow) {
  const std::string path = "/v1/accounts/" + acme_ + "/trusted-issuers";
  ASSERT_EQ(Call("PUT", "/v1/workspaces/" + ws_ + "/group-mappings", "wanda",
                 R"([{"group_name":"eng","role":"viewer"}])")
                .status,
            200);
  HttpClient other(server_->port());
  const std::string dev_eng = server_->Token("gus", "eng");
  EXPECT_EQ(other.Get("/v1/workspaces/" + ws_, dev_eng).status, 200) << "trusted by default";
  const std::string trust_idp = R"([{"issuer":"https://idp.test/","org":"acme"}])";
  ExpectProblem(Call("PUT", path, "alice", trust_idp), 403);   // the account's own admin
  ExpectProblem(Call("PUT", path, "mallory", trust_idp), 404);  // another tenant's admin
  ExpectProblem(Call("PUT", path, "admin", "[]"), 422);
  const HttpResponse dup =
      Call("PUT", path, "admin", R"([{"issuer":"x"},{"issuer":"x","org":""}])");
  ExpectProblem(dup, 422);
  EXPECT_NE(dup.body.find("trusted_issuers[1]"), std::string::npos) << dup.body;
  ExpectProblem(Call("PUT", path, "admin", R"([{"issuer":"x","extra":1}])"), 422);
  const HttpResponse r = Call("PUT", path, "admin", trust_idp);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto issuers = Json(r.body).as_object().at("trusted_issuers").as_array();
  ASSERT_EQ(issuers.size(), 1u);
  EXPECT_EQ(issuers[0].as_object().at("org").as_string(), "acme");
  // The dev key's "eng" no longer counts in Acme; the mapping itself stays.
  EXPECT_EQ(other.Get("/v1/workspaces/" + ws_, dev_eng).status, 404);
  EXPECT_EQ(other.Get("/v1/workspaces", dev_eng).body, "[]");
  EXPECT_EQ(Json(Call("GET", "/v1/workspaces/" + ws_, "wanda").body)
                .as_object()
                .at("group_mappings")
                .as_array()
                .size(),
            1u);
  EXPECT_EQ(Audited("account.trusted_issuers.put"), 1);
  EXPECT_EQ(VerifyAudit().exit_code, 0);
  // Group names cannot spell an issuer-qualified one.
  ExpectProblem(Call("PUT", "/v1/workspaces/" + ws_ + "/group-mappings", "wanda",
                     R"([{"group_name":"https://idp.test/|acme|eng","role":"admin"}])"),
                422);
}

TEST_F(Management, FreezeRecordsWhoWhenAndWhyAndMakesTheWorkspaceReadOnly) {
  const std::string status = "/v1/workspaces/" + ws_ + "/status";
  const HttpResponse got = Call("GET", "/v1/workspaces/" + ws_, "wanda");
  const std::string etag = got.Header("ETag");
  ASSERT_FALSE(etag.empty());
  ExpectProblem(Call("PATCH", status, "vic", R"({"status":"frozen"})"), 403);
  ExpectProblem(Call("PATCH", status, "mallory", R"({"status":"frozen"})"), 404);
  ExpectProblem(Call("PATCH", status, "wanda", R"({"status":"deleted"})"), 422);
  // Without a status: the field is named as missing, not as a bad value.
  const HttpResponse missing = Call("PATCH", status, "wanda", R"({"reason":"why"})");
  ExpectProblem(missing, 422);
  EXPECT_NE(missing.body.find("is required"), std::string::npos) << missing.body;

  std::vector<std::pair<std::string, std::string>> h{{"Authorization", "Bearer " + Token("wanda")},
                                                     {"Content-Type", "application/json"},
                                                     {"If-Match", "\"v999\""}};
  ExpectProblem(c_->Send("PATCH", status, h, R"({"status":"frozen"})"), 412);
  h.back().second = etag;
  const HttpResponse frozen =
      c_->Send("PATCH", status, h, R"({"status":"frozen","reason":"billing hold"})");
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  const auto ws = Json(frozen.body).as_object();
  EXPECT_EQ(ws.at("status").as_string(), "frozen");
  EXPECT_EQ(ws.at("frozen_by").as_string(), "wanda");
  EXPECT_TRUE(ws.at("frozen_at").is_string());
  EXPECT_EQ(ws.at("status_reason").as_string(), "billing hold");
  EXPECT_NE(frozen.Header("ETag"), etag);
  // The old ETag is stale now.
  ExpectProblem(c_->Send("PATCH", status, h, R"({"status":"active"})"), 412);

  // Read-only: changes answer 423, reads work.
  const HttpResponse locked =
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/zed", "wanda", R"({"role":"viewer"})");
  ExpectProblem(locked, 423);
  EXPECT_NE(locked.body.find("billing hold"), std::string::npos);
  ExpectProblem(Call("PUT", "/v1/workspaces/" + ws_ + "/group-mappings", "wanda", "[]"), 423);
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_ + "/members", "vic").status, 200);
  // A stranger still learns nothing.
  ExpectProblem(
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/zed", "mallory", R"({"role":"viewer"})"),
      404);
  const HttpResponse again = Call("PATCH", status, "wanda", R"({"status":"frozen"})");
  ExpectProblem(again, 409);
  EXPECT_NE(again.body.find("frozen"), std::string::npos);

  const HttpResponse thawed = Call("PATCH", status, "alice", R"({"status":"active"})");
  ASSERT_EQ(thawed.status, 200) << thawed.body;
  EXPECT_TRUE(Json(thawed.body).as_object().at("frozen_by").is_null());
  EXPECT_TRUE(Json(thawed.body).as_object().at("status_reason").is_null());
  EXPECT_EQ(
      Call("PUT", "/v1/workspaces/" + ws_ + "/members/zed", "wanda", R"({"role":"viewer"})").status,
      201);
  EXPECT_EQ(Audited("workspace.freeze"), 1);
  EXPECT_EQ(Audited("workspace.unfreeze"), 1);
}

TEST_F(Management, OnlyActiveAndFrozenSwitch) {
  // A provisioning workspace cannot be frozen: 409 names its status.
  const std::string id = seed_->Workspace(acme_, "Busy");
  ExecSql(server_->data_dir(),
          "UPDATE workspaces SET status = 'provisioning' WHERE id = '" + id + "'");
  const HttpResponse r =
      Call("PATCH", "/v1/workspaces/" + id + "/status", "alice", R"({"status":"frozen"})");
  ExpectProblem(r, 409);
  EXPECT_NE(r.body.find("provisioning"), std::string::npos);
  ExpectProblem(
      Call("PATCH", "/v1/workspaces/" + id + "/status", "alice", R"({"status":"active"})"), 409);
}

TEST_F(Management, AReasonOfNullIsNoReasonAndAnyOtherNonStringIsNamed) {
  const std::string id = seed_->Workspace(acme_, "Nulled");
  const std::string path = "/v1/workspaces/" + id + "/status";
  HttpResponse r = Call("PATCH", path, "alice", R"({"status":"frozen","reason":42})");
  ExpectProblem(r, 422);
  EXPECT_NE(r.body.find("\"reason\""), std::string::npos) << r.body;
  r = Call("PATCH", path, "alice", R"({"status":"frozen","reason":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Json(r.body).at("status_reason").is_null()) << r.body;
}

}  // namespace
}  // namespace workspaced::testing
