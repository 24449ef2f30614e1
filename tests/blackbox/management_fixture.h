// The fixture of the accounts-and-memberships black-box suites
// (management_test.cc, management_audit_test.cc): a server with two
// accounts, Acme (admin alice, member reader) and Globex (admin mallory),
// and Acme's workspace "Prod" with an admin (wanda) and a viewer (vic).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {

class Management : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    seed_->AccountMember(acme_, "reader", model::AccountRole::kMember);
    globex_ = seed_->Account("Globex", "mallory");
    ws_ = seed_->Workspace(acme_, "Prod");
    seed_->Member(ws_, "wanda", model::WorkspaceRole::kAdmin);
    seed_->Member(ws_, "vic", model::WorkspaceRole::kViewer);
    c_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> h{{"Authorization", "Bearer " + Token(who)}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return c_->Send(method, path, h, body);
  }
  const std::string& Token(const std::string& who) {
    auto it = tokens_.find(who);
    if (it == tokens_.end()) it = tokens_.emplace(who, server_->Token(who)).first;
    return it->second;
  }
  CommandResult VerifyAudit() {
    return RunWorkspaced({"audit", "verify", "--data-dir", server_->data_dir()});
  }
  long long Audited(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> c_;
  std::map<std::string, std::string> tokens_;
  std::string acme_, globex_, ws_;
};

}  // namespace workspaced::testing
