// Every error is RFC 9457 problem+json with the request id as `instance`.
#include <fstream>
#include <iterator>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

class Errors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = ServerProcess::Start().release(); }
  static void TearDownTestSuite() { delete server_; }
  static ServerProcess* server_;
};
ServerProcess* Errors::server_ = nullptr;

TEST_F(Errors, UnknownPathIs404Problem) {
  HttpClient c(server_->port());
  ExpectProblem(c.Get("/v2/nothing"), 404);
}

TEST_F(Errors, WrongMethodIs405WithAllow) {
  HttpClient c(server_->port());
  auto r = c.Send("DELETE", "/healthz");
  ExpectProblem(r, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
}

TEST_F(Errors, MissingTokenIs401WithBearerChallenge) {
  HttpClient c(server_->port());
  auto r = c.Get("/v1/workspaces");
  ExpectProblem(r, 401);
  EXPECT_EQ(r.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
}

TEST_F(Errors, GarbageTokenIs401InvalidToken) {
  HttpClient c(server_->port());
  for (const char* token : {"x", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."}) {
    auto r = c.Get("/v1/workspaces", token);
    ExpectProblem(r, 401);
    EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer error=\"invalid_token\"") << token;
  }
  auto basic = c.Send("GET", "/v1/workspaces", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
  ExpectProblem(basic, 401);
}

TEST_F(Errors, BodyOverOneMebibyteIs413) {
  HttpClient c(server_->port());
  auto r = c.Send("POST", "/v1/workspaces", {{"Content-Type", "application/json"}},
                  std::string((1 << 20) + 1, ' '));
  ExpectProblem(r, 413);
}

TEST_F(Errors, OversizedHeadersAre431) {
  const std::string raw =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  const std::string out = HttpClient::Raw(server_->port(), raw);
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 100);
  EXPECT_NE(out.find("application/problem+json"), std::string::npos);
}

// A request line longer than the header limit is the target's fault: 414,
// not the headers' 431.
TEST_F(Errors, AnOversizedRequestTargetIs414) {
  const std::string raw = "GET /v1/workspaces?name_prefix=" + std::string(64 * 1024, 'a') +
                          " HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string out = HttpClient::Raw(server_->port(), raw);
  EXPECT_EQ(out.rfind("HTTP/1.1 414 URI Too Long", 0), 0u) << out.substr(0, 100);
  EXPECT_NE(out.find("application/problem+json"), std::string::npos);
  // RFC 9110's name for 413 on the status line, as in the problem's title.
  const std::string big = HttpClient::Raw(
      server_->port(),
      "POST /v1/workspaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 99999999\r\n\r\n");
  EXPECT_EQ(big.rfind("HTTP/1.1 413 Content Too Large", 0), 0u) << big.substr(0, 100);
}

TEST_F(Errors, MalformedRequestLineIs400) {
  const std::string out = HttpClient::Raw(server_->port(), "BLAH\x01 / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out.substr(0, 100);
}

TEST_F(Errors, BadQueryParametersAre400) {
  HttpClient c(server_->port());
  const std::string token = server_->Token("admin");
  ExpectProblem(c.Get("/v1/workspaces?limit=1001", token), 400);
  ExpectProblem(c.Get("/v1/workspaces?limit=0", token), 400);
  ExpectProblem(c.Get("/v1/workspaces?limit=ten", token), 400);
  ExpectProblem(c.Get("/v1/workspaces?cursor=not-a-cursor", token), 400);
  ExpectProblem(c.Get("/v1/workspaces?limt=5", token), 400);
  EXPECT_EQ(c.Get("/v1/workspaces?limit=1000", token).status, 200);
}

TEST_F(Errors, OpenApiIsServed) {
  HttpClient c(server_->port());
  auto r = c.Get("/v1/openapi.yaml");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("openapi: 3.1", 0), 0u);
  // The Blaxel-compatible surface's own document (docs/blaxel.md).
  auto v0 = c.Get("/v0/openapi.yaml");
  EXPECT_EQ(v0.status, 200);
  EXPECT_EQ(v0.body.rfind("openapi: 3.1", 0), 0u);
  EXPECT_NE(v0.body.find("url: http://127.0.0.1:8080/v0"), std::string::npos);
  EXPECT_NE(v0.body.find("\n  /workspaces/{workspaceName}:\n"), std::string::npos);
}

// The documents are sent from the binary's own bytes: a client that has
// one gets a 304 for its ETag, and a document larger than the whole
// response memory budget is still served (it holds no memory of its own;
// before, each GET copied its 200 KiB and, under a 64 KiB budget, was 503).
TEST(OpenApiDocuments, AreServedWholeWithAnETagUnderAResponseBudgetSmallerThanThem) {
  ServerProcess::Options o;
  o.config_json = R"({"limits":{"response_memory_bytes":65536}})";
  auto server = ServerProcess::Start(o);
  HttpClient c(server->port());
  for (const char* path : {"/v1/openapi.yaml", "/v0/openapi.yaml"}) {
    auto r = c.Get(path);
    ASSERT_EQ(r.status, 200) << path << " " << r.body.substr(0, 300);
    EXPECT_EQ(r.body.rfind("openapi: 3.1", 0), 0u) << path;
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size())) << path;
    const std::string etag = r.Header("ETag");
    ASSERT_EQ(etag.size(), 34u) << path << " " << etag;
    EXPECT_EQ(etag.front(), '"');
    auto again = c.Send("GET", path, {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304) << path;
    EXPECT_TRUE(again.body.empty()) << path;
    EXPECT_EQ(again.Header("ETag"), etag) << path;
    // A list, a weak tag and * match as well (RFC 9110 §13.1.2; outside
    // audit: only the exact tag did).
    for (const std::string& given : {"\"zz\", " + etag, "W/" + etag, std::string("*")})
      EXPECT_EQ(c.Send("GET", path, {{"If-None-Match", given}}).status, 304)
          << path << " " << given;
    // HEAD's 304 has no length (it sent Content-Length: 0, not the 200's).
    const std::string head304 =
        HttpClient::Raw(server->port(), std::string("HEAD ") + path +
                                            " HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag +
                                            "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(head304.rfind("HTTP/1.1 304", 0), 0u) << head304;
    EXPECT_EQ(head304.find("Content-Length"), std::string::npos) << head304;
    auto other = c.Send("GET", path, {{"If-None-Match", "\"0\""}});
    EXPECT_EQ(other.status, 200) << path;
    EXPECT_EQ(other.body, r.body) << path;
    const std::string head =
        HttpClient::Raw(server->port(), std::string("HEAD ") + path +
                                            " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(head.find("Content-Length: " + std::to_string(r.body.size())), std::string::npos)
        << head.substr(0, 400);
    EXPECT_EQ(head.find("openapi: 3.1"), std::string::npos);
  }
  // The v1 document (larger than the budget) is the repository's api/openapi.yaml.
  std::ifstream in(SourceDir() + "/api/openapi.yaml", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(file.size(), 65536u);
  EXPECT_EQ(c.Get("/v1/openapi.yaml").body, file);
}

}  // namespace
}  // namespace workspaced::testing

namespace workspaced::testing {
namespace {

TEST_F(Errors, HeadAnswersLikeGetWithoutABody) {
  HttpClient c(server_->port());
  const std::string raw = HttpClient::Raw(
      server_->port(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 15"), std::string::npos) << raw;  // {"status":"ok"}
  EXPECT_EQ(raw.find("{\"status\""), std::string::npos) << raw;
  auto r = c.Send("DELETE", "/healthz");
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace workspaced::testing
