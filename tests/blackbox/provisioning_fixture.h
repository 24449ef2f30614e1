// The fixture of the provisioning suites (provisioning_test.cc,
// provisioning_spicedb_test.cc): a server with a fast saga, accounts Acme
// (alice) and Globex (mallory), and a create that expects its 202.
#pragma once

#include <memory>
#include <string>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {

class Provisioning : public ::testing::Test {
 protected:
  void Start(const std::string& failpoints = "", const std::string& extra_config = "",
             std::string data_dir = "") {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig(1000, extra_config);
    o.data_dir = std::move(data_dir);
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    if (acme_.empty()) {
      acme_ = seed_->Account("Acme", "alice");
      globex_ = seed_->Account("Globex", "mallory");
      seed_->AccountMember(acme_, "reader", model::AccountRole::kMember);
    }
    alice_ = server_->Token("alice");
  }

  // Creates a workspace and returns the 202's body.
  boost::json::object Create(HttpClient& c, const std::string& name,
                             const std::string& extra = "") {
    const HttpResponse r = PostWorkspace(c, alice_, CreateBody(acme_, name, extra));
    EXPECT_EQ(r.status, 202) << r.body;
    return Json(r.body).as_object();
  }

  std::string Str(const boost::json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, globex_, alice_;
};

}  // namespace workspaced::testing
