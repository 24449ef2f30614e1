// What every command that takes --config does with a configuration file:
// the same checks serve makes, the same refusal (exit 2, the same message),
// and nothing created when it refuses.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

// Every command that reads --config, with the arguments it needs besides.
const std::vector<std::vector<std::string>>& ConfigCommands() {
  static const std::vector<std::vector<std::string>> commands = {
      {"serve", "--listen", "127.0.0.1:0"},
      {"migrate"},
      {"keys", "rotate"},
      {"audit", "verify"},
      {"authz", "reconcile"},
      {"accounts", "create", "--name", "Acme", "--admin", "alice"},
      {"token", "--sub", "alice"},
  };
  return commands;
}

CommandResult RunWithConfig(std::vector<std::string> args, const std::string& config,
                            const std::string& data_dir) {
  args.insert(args.end(), {"--config", config, "--data-dir", data_dir});
  return RunWorkspaced(args);
}

TEST(Config, EveryCommandRefusesAConfigurationServeRefusesWithServesMessage) {
  TempDir tmp;
  const std::string data_dir = tmp.path() + "/data";
  // Key files, the JWKS and the SpiceDB credentials are part of the
  // configuration: a FIFO with no writer or a device is refused at once (it
  // was exit 1, after the database was created).
  const std::string fifo = tmp.path() + "/kek.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string body :
       {std::string(R"({"export_format":"xml"})"), std::string(R"({"log_level":"DEBUG"})"),
        std::string(R"({"regions":[]})"), std::string(R"({"encryption":{"active_key":"k1"}})"),
        R"({"encryption":{"keys":{"k1":")" + fifo + R"("},"active_key":"k1"}})",
        R"({"auth":{"jwks_file":")" + fifo + R"(","issuer":"https://idp","audience":"cp"}})",
        R"({"spicedb":{"target":"grpc","endpoint":"127.0.0.1:1","preshared_key_file":")" + fifo +
            R"("}})",
        std::string(
            R"({"spicedb":{"target":"grpc","endpoint":"127.0.0.1:1","ca_file":"/dev/zero"}})")}) {
    const std::string path = tmp.path() + "/c.json";
    std::ofstream(path) << body;
    const CommandResult serve = RunWithConfig({"serve"}, path, data_dir);
    ASSERT_EQ(serve.exit_code, 2) << body << ": " << serve.err;
    ASSERT_NE(serve.err.find("config: "), std::string::npos) << serve.err;
    for (const auto& command : ConfigCommands()) {
      const CommandResult r = RunWithConfig(command, path, data_dir);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " with " << body << ": " << r.out << r.err;
      EXPECT_EQ(r.err, serve.err) << command[0] << " with " << body;
      EXPECT_FALSE(std::filesystem::exists(data_dir)) << command[0] << " with " << body;
    }
  }
}

// serve --config /dev/zero read until memory ran out; a directory was
// "not valid JSON: incomplete JSON".
TEST(Config, EveryCommandRefusesAConfigurationThatIsNotARegularFile) {
  TempDir tmp;
  const std::string data_dir = tmp.path() + "/data";
  const std::pair<std::string, std::string> cases[] = {
      {"/dev/zero", "workspaced: config: /dev/zero is a character device, not a regular file\n"},
      {tmp.path(), "workspaced: config: " + tmp.path() + " is a directory, not a regular file\n"}};
  for (const auto& [path, message] : cases) {
    for (const auto& command : ConfigCommands()) {
      const CommandResult r = RunWithConfig(command, path, data_dir);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " " << path << ": " << r.err;
      EXPECT_EQ(r.err, message) << command[0];
      EXPECT_FALSE(std::filesystem::exists(data_dir)) << command[0];
    }
  }
}

// The portal's dev sign-in mints no token the server would refuse: under an
// auth.max_token_lifetime_seconds shorter than its 8 hours it gives one of
// that lifetime (it gave 8 hours, then the first call was a 401; outside
// audit).
TEST(Config, TheDevSignInNeverOutlivesTheLongestTokenTheServerAccepts) {
  ServerProcess::Options o;
  o.config_json = R"({"access_log":false,"auth":{"max_token_lifetime_seconds":3600}})";
  auto server = ServerProcess::Start(o);
  const std::string out = server->Output();
  const std::string key = R"("portal_sign_in_code":")";
  const std::size_t at = out.find(key);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string code =
      out.substr(at + key.size(), out.find('"', at + key.size()) - at - key.size());
  HttpClient c(server->port());
  const HttpResponse signed_in =
      c.Send("POST", "/portal/dev-token", {{"Content-Type", "application/json"}},
             R"({"sub":"admin","code":")" + code + R"("})");
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  const auto body = boost::json::parse(signed_in.body).as_object();
  EXPECT_EQ(body.at("expires_in").as_int64(), 3600);
  const HttpResponse used = c.Get("/v1/workspaces", std::string(body.at("token").as_string()));
  EXPECT_EQ(used.status, 200) << used.body;
}

}  // namespace
}  // namespace workspaced::testing
