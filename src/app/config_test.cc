#include "app/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "app/app.h"
#include "spicedb/client.h"
#include "store/testing/temp_dir.h"

namespace workspaced::app {
namespace {

// A config file in a temporary directory, removed with it even when an
// assertion ends the test early.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) { std::ofstream(path()) << text; }
  std::string path() const { return dir_.File("config.json"); }

 private:
  store::testing::TempDir dir_;
};

TEST(Config, DefaultsAreTheEmbeddedMode) {
  Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_TRUE(c.auth.dev_tokens);
  EXPECT_EQ(c.limits.body_bytes, 1u << 20);
  EXPECT_TRUE(Validate(c).ok());
}

TEST(Config, FileOverridesDefaults) {
  Config c;
  const ConfigFile file(R"({"listen":"0.0.0.0:9000","regions":["eu-west-1"],
      "limits":{"body_bytes":2048,"response_memory_bytes":1048576},"auth":{"leeway_seconds":30},
      "spicedb":{"outbox_retention_hours":0,"outbox_prune_interval_ms":50}})");
  ASSERT_TRUE(ApplyConfigFile(file.path(), c).ok());
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.regions, std::vector<std::string>{"eu-west-1"});
  EXPECT_EQ(c.limits.body_bytes, 2048u);
  EXPECT_EQ(c.limits.response_memory_bytes, 1u << 20);
  EXPECT_EQ(c.auth.leeway_seconds, 30);
  EXPECT_EQ(c.spicedb.outbox_retention_hours, 0);
  EXPECT_EQ(c.spicedb.outbox_prune_interval_ms, 50);
}

TEST(Config, RejectsUnknownKeysWrongTypesAndRanges) {
  for (const char* text : {R"({"lisen":"x"})", R"({"limits":{"body":1}})", R"({"threads":"4"})",
                           R"({"auth":{"leeway_seconds":120}})", R"([1,2])", "{not json",
                           R"({"spicedb":{"outbox_retention_hours":-1}})",
                           R"({"spicedb":{"outbox_prune_interval_ms":0}})",
                           R"({"limits":{"response_memory_bytes":1024}})"}) {
    Config c;
    const ConfigFile file(text);
    const Status s = ApplyConfigFile(file.path(), c);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << text;
  }
}

// A platform admin nobody could sign in as (".", a blank edge, a NUL) is a
// configuration error naming its place, not an admin written to the
// database (outside audit).
TEST(Config, APlatformAdminMustBeAUserIdATokenCanCarry) {
  for (const std::string& admin : {std::string("."), std::string(".."), std::string(" bob"),
                                   std::string(), std::string("a\0b", 3), std::string("x|")}) {
    Config c;
    c.platform_admins = {"alice", admin};
    const Status s = Validate(c);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << admin;
    EXPECT_NE(s.message().find("platform_admins[1]"), std::string::npos) << s.message();
  }
  Config ok;
  ok.platform_admins = {"alice", "https://idp.example.com/|bob"};
  EXPECT_TRUE(Validate(ok).ok());
}

// A key id the key ring would refuse is a configuration error, found
// before anything is created (it was a start-up failure, exit 1, after the
// database and the dev key were made).
TEST(Config, KeyIdsAreCheckedWithTheFile) {
  Config c;
  const ConfigFile bad(
      R"({"encryption":{"keys":{"../x\u001b[2J":"/k"},"active_key":"../x\u001b[2J"}})");
  const Status s = ApplyConfigFile(bad.path(), c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("key ids are 1 to 64 of [a-z0-9-]"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\x1b'), std::string::npos) << s.message();  // escaped
  Config ok;
  const ConfigFile good(R"({"encryption":{"keys":{"k-2026":"/k"},"active_key":"k-2026"}})");
  EXPECT_TRUE(ApplyConfigFile(good.path(), ok).ok());
}

TEST(Config, TokenLifetimeIsUnlimitedByDefaultAndBounded) {
  Config c;
  EXPECT_EQ(c.auth.max_token_lifetime_seconds, 0);
  const ConfigFile file(R"({"auth":{"max_token_lifetime_seconds":3600}})");
  ASSERT_TRUE(ApplyConfigFile(file.path(), c).ok());
  EXPECT_EQ(c.auth.max_token_lifetime_seconds, 3600);
  for (const char* text : {R"({"auth":{"max_token_lifetime_seconds":-1}})",
                           R"({"auth":{"max_token_lifetime_seconds":315360001}})",
                           R"({"auth":{"max_token_lifetime_seconds":"1h"}})",
                           R"({"auth":{"max_token_lifetime_seconds":1.5}})"}) {
    Config bad;
    const ConfigFile bad_file(text);
    const Status s = ApplyConfigFile(bad_file.path(), bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << text;
    EXPECT_NE(s.message().find("auth.max_token_lifetime_seconds"), std::string::npos)
        << s.message();
  }
}

TEST(Config, RateLimitsAreOnByDefaultAndConfigurable) {
  Config c;
  EXPECT_TRUE(c.rate_limits.enabled);
  EXPECT_GT(c.rate_limits.reads.quota, 0);
  EXPECT_TRUE(c.rate_limits.trusted_proxies.empty());
  const ConfigFile file(R"({"rate_limits":{"enabled":true,
      "writes":{"quota":5,"window_seconds":60},"unauthenticated":{"quota":0},
      "max_keys":1000,"max_connections_per_address":8,
      "trusted_proxies":["10.0.0.0/8","2001:db8::1"],"client_address_header":"Forwarded"}})");
  ASSERT_TRUE(ApplyConfigFile(file.path(), c).ok());
  EXPECT_EQ(c.rate_limits.writes.quota, 5);
  EXPECT_EQ(c.rate_limits.writes.window_seconds, 60);
  EXPECT_EQ(c.rate_limits.unauthenticated.quota, 0);
  EXPECT_EQ(c.rate_limits.max_keys, 1000u);
  EXPECT_EQ(c.rate_limits.max_connections_per_address, 8u);
  EXPECT_EQ(c.rate_limits.trusted_proxies.size(), 2u);
  EXPECT_EQ(c.rate_limits.client_address_header, "Forwarded");
}

TEST(Config, RejectsMalformedRateLimits) {
  for (const char* text :
       {R"({"rate_limits":{"reads":5}})", R"({"rate_limits":{"reads":{"quota":-1}}})",
        R"({"rate_limits":{"reads":{"window_seconds":0}}})",
        R"({"rate_limits":{"reads":{"burst":3}}})",
        R"({"rate_limits":{"trusted_proxies":["10.0.0.0/33"]}})",
        R"({"rate_limits":{"trusted_proxies":["proxy.internal"]}})",
        R"({"rate_limits":{"client_address_header":"X Forwarded"}})",
        R"({"rate_limits":{"enabled":"no"}})"}) {
    Config c;
    const ConfigFile file(text);
    const Status s = ApplyConfigFile(file.path(), c);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << text;
    EXPECT_NE(s.message().find("rate_limits."), std::string::npos) << s.message();
  }
}

TEST(Config, ValidateCatchesContradictions) {
  Config c;
  c.regions.clear();
  EXPECT_FALSE(Validate(c).ok());
  c = Config{};
  c.auth.dev_tokens = false;
  EXPECT_FALSE(Validate(c).ok());  // nothing could sign in
  c = Config{};
  c.regions = {"US East"};
  EXPECT_FALSE(Validate(c).ok());
  c = Config{};
  c.listen = "nohost:0";
  EXPECT_FALSE(Validate(c).ok());  // not an address: refused before any file is made
  c.listen = "[::1]:0";
  EXPECT_TRUE(Validate(c).ok());
  c = Config{};
  c.log_level = "verbose";
  EXPECT_FALSE(Validate(c).ok());
  // A body the limit takes must fit the memory bodies share.
  c = Config{};
  c.limits.body_bytes = 1 << 20;
  c.limits.body_memory_bytes = 64 << 10;
  const Status small = Validate(c);
  EXPECT_FALSE(small.ok());
  EXPECT_NE(small.message().find("limits.body_memory_bytes must be at least limits.body_bytes"),
            std::string::npos)
      << small.message();
  c.limits.body_memory_bytes = 1 << 20;
  EXPECT_TRUE(Validate(c).ok());
}

// Key files are read when the configuration is checked: a bad one stops
// every command before it creates anything.
TEST(Config, ValidateReadsTheKeyFiles) {
  const store::testing::TempDir tmp;
  const std::string dir = tmp.path().string();
  const std::string fifo = dir + "/kek.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string good = dir + "/kek.key";
  { std::ofstream(good) << std::string(64, 'a') << "\n"; }
  ASSERT_EQ(::chmod(good.c_str(), 0600), 0);
  Config c;
  c.encryption.active_key = "k1";
  Status s = Validate(c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("encryption.active_key"), std::string::npos) << s.message();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {fifo, "is a FIFO, not a regular file"},
      {dir, "is a directory, not a regular file"},
      {dir + "/missing.key", "No such file or directory"}};
  for (const auto& [path, why] : bad) {
    c.encryption.keys = {{"k1", good}, {"k2", path}};
    s = Validate(c);  // a FIFO without a writer: refused at once, not waited on
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << path;
    EXPECT_EQ(s.message().rfind("config: encryption.keys: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  }
  ASSERT_EQ(::chmod(good.c_str(), 0644), 0);
  c.encryption.keys = {{"k1", good}};
  EXPECT_NE(Validate(c).message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(good.c_str(), 0600), 0);
  EXPECT_TRUE(Validate(c).ok()) << Validate(c).message();
}

// The files the spicedb section names are read as the key files are: a
// FIFO (no writer) or a device is refused at once, naming it.
TEST(Config, SpiceDbFilesMustBeSmallRegularFiles) {
  const store::testing::TempDir tmp;
  const std::string fifo = tmp.path().string() + "/psk.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  SpiceDbConfig c;
  c.target = "grpc";
  c.endpoint = "127.0.0.1:1";
  c.preshared_key_file = fifo;
  auto s = ConnectSpiceDb(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "spicedb: cannot read the preshared key: " + fifo + " is a FIFO, not a regular file");
  c.preshared_key_file.clear();
  c.ca_file = "/dev/zero";
  s = ConnectSpiceDb(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "spicedb: cannot read the CA bundle: /dev/zero is a character device, not a regular "
            "file");
}

// What is not a configuration file is said to be, not read as JSON: a
// directory is not "incomplete JSON", and /dev/zero is not read until
// memory runs out.
TEST(Config, RefusesWhatIsNotASmallRegularFileNamingIt) {
  const ConfigFile file("{}");
  const std::string dir = file.path().substr(0, file.path().rfind('/'));
  Config c;
  Status s = ApplyConfigFile(dir, c);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "config: " + dir + " is a directory, not a regular file");
  s = ApplyConfigFile("/dev/zero", c);
  EXPECT_EQ(s.message(), "config: /dev/zero is a character device, not a regular file");
  // Valid JSON, but over the bound: refused before it is parsed.
  const ConfigFile big("{" + std::string(kMaxConfigFileBytes, ' ') + "}");
  s = ApplyConfigFile(big.path(), c);
  EXPECT_EQ(s.message(), "config: " + big.path() + " is larger than 1048576 bytes");
  const ConfigFile just_fits("{" + std::string(kMaxConfigFileBytes - 2, ' ') + "}");
  EXPECT_TRUE(ApplyConfigFile(just_fits.path(), c).ok());
}

TEST(Config, ParseListen) {
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(ParseListen("127.0.0.1:0", host, port).ok());
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListen("[::1]:8080", host, port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(ParseListen("8080", host, port).ok());
  EXPECT_FALSE(ParseListen("h:99999", host, port).ok());
}

}  // namespace
}  // namespace workspaced::app
