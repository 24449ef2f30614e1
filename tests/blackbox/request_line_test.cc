// The request line as a hostile client writes it, through the real binary:
// what is answered, and what the access log keeps of it (bounded, with no
// credential).
#include <chrono>
#include <thread>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

class RequestLine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = ServerProcess::Start().release(); }
  static void TearDownTestSuite() { delete server_; }

  static std::string Raw(const std::string& request_line) {
    return HttpClient::Raw(server_->port(),
                           request_line + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  // The access-log lines holding `needle`, once there is one (5 s at most).
  static std::vector<std::string> LogLinesWith(std::string_view needle) {
    std::vector<std::string> lines;
    for (int i = 0; i < 100 && lines.empty(); ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::string out = server_->Output();
      for (std::size_t at = 0; at < out.size();) {
        std::size_t end = out.find('\n', at);
        if (end == std::string::npos) end = out.size();
        const std::string line = out.substr(at, end - at);
        if (line.find("\"request\"") != std::string::npos && line.find(needle) != std::string::npos)
          lines.push_back(line);
        at = end + 1;
      }
    }
    return lines;
  }

  // The problem document of a raw response.
  static boost::json::object Problem(const std::string& raw) {
    const auto body = raw.find("\r\n\r\n");
    EXPECT_NE(body, std::string::npos) << raw;
    EXPECT_NE(raw.find("Content-Type: application/problem+json"), std::string::npos) << raw;
    auto v = Json(raw.substr(body + 4));
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  static inline ServerProcess* server_ = nullptr;
};

// A 7,000-byte method was answered 405 with the method whole in its detail,
// and logged in a 7.2 KB line.
TEST_F(RequestLine, AMethodLongerThanAnyIs501AndCostsABoundedLine) {
  const std::string method = "LONGMETHOD" + std::string(7000, 'M');
  const std::string r = Raw(method + " /healthz");
  EXPECT_EQ(r.rfind("HTTP/1.1 501", 0), 0u) << r.substr(0, 300);
  const boost::json::object problem = Problem(r);
  EXPECT_EQ(problem.at("status").as_int64(), 501);
  EXPECT_LT(r.size(), 1500u) << r.substr(0, 300);
  const std::vector<std::string> lines = LogLinesWith("LONGMETHOD");
  ASSERT_EQ(lines.size(), 1u) << server_->Output().substr(0, 2000);
  EXPECT_LT(lines[0].size(), 1000u) << lines[0].substr(0, 300);
  EXPECT_NE(lines[0].find("\"status\":501"), std::string::npos) << lines[0].substr(0, 300);
}

// Beyond the header limit (16 KiB) such a method was answered "414 URI Too
// Long"; a long target still is.
TEST_F(RequestLine, AMethodOverTheHeaderLimitIs501NotUriTooLong) {
  const std::string r = Raw(std::string(20'000, 'M') + " /healthz");
  EXPECT_EQ(r.rfind("HTTP/1.1 501", 0), 0u) << r.substr(0, 300);
  EXPECT_EQ(Problem(r).at("status").as_int64(), 501);
  const std::string target = Raw("GET /" + std::string(20'000, 't'));
  EXPECT_EQ(target.rfind("HTTP/1.1 414", 0), 0u) << target.substr(0, 300);
}

// A method of a sane length the route does not take is still 405, naming it.
TEST_F(RequestLine, AnUnknownShortMethodIsStill405) {
  const std::string r = Raw("BREW /healthz");
  EXPECT_EQ(r.rfind("HTTP/1.1 405", 0), 0u) << r.substr(0, 300);
  EXPECT_NE(Problem(r).at("detail").as_string().find("method BREW is not allowed"),
            std::string::npos)
      << r;
}

// `GET http://alice:hunter2@x/healthz` was answered 200 and logged with the
// password. Userinfo in a target is refused (RFC 9110 §4.2.4) and redacted
// in the line that records the refusal.
TEST_F(RequestLine, CredentialsInAnAbsoluteFormTargetAreRefusedAndNeverLogged) {
  const std::string r = Raw("GET http://alice:hunter2@x/healthz?status=userinfo");
  EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << r.substr(0, 300);
  EXPECT_NE(Problem(r).at("detail").as_string().find("must not hold credentials"),
            std::string::npos)
      << r;
  const std::vector<std::string> lines = LogLinesWith("status=userinfo");
  ASSERT_EQ(lines.size(), 1u) << server_->Output().substr(0, 2000);
  EXPECT_NE(lines[0].find(R"("target":"http://REDACTED@x/healthz?status=userinfo")"),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(server_->Output().find("hunter2"), std::string::npos);
  // Without userinfo the absolute form is served as its path.
  EXPECT_EQ(Raw("GET http://x/healthz").rfind("HTTP/1.1 200", 0), 0u);
}

// A password holding '#', '?' or '/' hid where userinfo ends: with '#' the
// request was served (200, the list of workspaces) and logged with the user
// and half the password; with '/' the password was logged whole (outside
// audit). A fragment is refused; each is logged without the password.
TEST_F(RequestLine, APasswordHoldingADelimiterIsNeitherServedNorLogged) {
  const std::string hash = Raw("GET http://alice:hunter#2SECRETA@x/healthz?status=delim1");
  EXPECT_EQ(hash.rfind("HTTP/1.1 400", 0), 0u) << hash.substr(0, 300);
  EXPECT_NE(Problem(hash).at("detail").as_string().find("fragment"), std::string::npos) << hash;
  const std::string slash = Raw("GET http://alice:hun/ter2SECRETB@x/healthz?status=delim2");
  EXPECT_NE(slash.rfind("HTTP/1.1 2", 0), 0u) << slash.substr(0, 300);
  const std::string query = Raw("GET http://alice:hun?ter2SECRETC@x/healthz?status=delim3");
  EXPECT_NE(query.rfind("HTTP/1.1 2", 0), 0u) << query.substr(0, 300);
  const std::string connect = Raw("CONNECT alice:hun/ter2SECRETD@proxy:443");
  EXPECT_EQ(connect.rfind("HTTP/1.1 501", 0), 0u) << connect.substr(0, 300);
  ASSERT_EQ(LogLinesWith("REDACTED@proxy:443").size(), 1u) << server_->Output().substr(0, 3000);
  // An origin-form target with a fragment is refused too.
  EXPECT_EQ(Raw("GET /healthz#frag").rfind("HTTP/1.1 400", 0), 0u);
  for (const char* secret : {"SECRETA", "SECRETB", "SECRETC", "SECRETD", "hunter"})
    EXPECT_EQ(server_->Output().find(secret), std::string::npos) << secret;
}

// A parameter the API defines carrying another part, percent-encoded, was
// logged whole (outside audit); its value goes now.
TEST_F(RequestLine, ADefinedParameterSmugglingAnotherIsLoggedWithoutItsValue) {
  const std::string r = Raw("GET /v1/workspaces?limit=5%26access_token%3DSMUGGLED1");
  EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r.substr(0, 300);
  ASSERT_EQ(LogLinesWith("limit=REDACTED").size(), 1u) << server_->Output().substr(0, 3000);
  EXPECT_EQ(server_->Output().find("SMUGGLED1"), std::string::npos);
}

// `GET http://x HTTP/1.1` has the path "/" (RFC 9110 §4.2.3): it was
// refused as "not a path".
TEST_F(RequestLine, AnAbsoluteFormTargetWithoutAPathIsTheRoot) {
  const std::string root = Raw("GET /");
  const std::string absolute = Raw("GET http://x");
  EXPECT_EQ(absolute.substr(0, 12), root.substr(0, 12)) << absolute.substr(0, 300);
  EXPECT_EQ(absolute.find("must be a path"), std::string::npos) << absolute.substr(0, 300);
}

// A body announced over the limit is refused with the whole head read: the
// access log names its method and target (it logged "-" and "", so which
// endpoint received it could not be told; outside audit).
TEST_F(RequestLine, ABodyOverTheLimitIsLoggedWithItsRequestLine) {
  const std::string r =
      HttpClient::Raw(server_->port(),
                      "POST /v1/workspaces?status=oversized HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      "application/json\r\nContent-Length: 2000000\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r.substr(0, 300);
  const std::vector<std::string> lines = LogLinesWith("status=oversized");
  ASSERT_EQ(lines.size(), 1u) << server_->Output().substr(0, 2000);
  EXPECT_NE(lines[0].find(R"("method":"POST")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("target":"/v1/workspaces?status=oversized")"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find(R"("status":413)"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace workspaced::testing
