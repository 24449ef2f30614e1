#include "http/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace workspaced::http {
namespace {

TEST(Problem, RendersRfc9457WithFieldErrors) {
  Response r;
  Status s = Unprocessable("the request body is invalid");
  s.WithField("name", "is required").WithField("region", "unknown region");
  SetProblem(r, s, "req_1");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["type"].as_string(), "urn:workspaced:problem:validation-error");
  EXPECT_EQ(v["title"].as_string(), "Unprocessable Content");
  EXPECT_EQ(v["status"].as_int64(), 422);
  EXPECT_EQ(v["detail"].as_string(), "the request body is invalid");
  EXPECT_EQ(v["instance"].as_string(), "req_1");
  ASSERT_EQ(v["errors"].as_array().size(), 2u);
  EXPECT_EQ(v["errors"].as_array()[1].as_object().at("field").as_string(), "region");
}

// A detail that echoes what a client sent (a path) may hold bytes that are
// not UTF-8: the body stays JSON a strict parser reads.
TEST(Problem, ADetailThatIsNotUtf8IsEscapedSoTheBodyStaysValidJson) {
  Response r;
  SetProblem(r, 404, "no such endpoint: /v1/nope\xc3\x28\xff", "req_u");
  auto v = boost::json::parse(r.body).as_object();  // throws on invalid UTF-8
  EXPECT_EQ(v["detail"].as_string(), "no such endpoint: /v1/nope\\xc3(\\xff");
}

TEST(Problem, InternalErrorsHideTheirMessage) {
  Response r;
  SetProblem(r, Internal("sqlite: disk I/O error at /secret/path"), "req_2");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_NE(r.body.find("req_2"), std::string::npos);
}

TEST(Problem, ServiceFailuresShowTheirCausesPublicReasonAndCodeNeverTheirMessage) {
  Response r;
  SetProblem(r,
             Unavailable("postgres: cannot connect: connection to server at \"10.0.0.5\", port "
                         "5432 failed")
                 .WithCause(Cause::kDatabaseUnavailable),
             "req_4");
  EXPECT_EQ(r.status, 503);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["detail"].as_string(), "the service's database is unavailable");
  EXPECT_EQ(v["code"].as_string(), "database_unavailable");
  EXPECT_EQ(r.body.find("10.0.0.5"), std::string::npos);
  EXPECT_EQ(r.body.find("5432"), std::string::npos);

  // Without a cause, the generic reason: the message still stays out.
  SetProblem(r, Unavailable("spicedb: dial tcp 10.0.0.6:50051: refused"), "req_5");
  v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["detail"].as_string(), "temporarily unavailable");
  EXPECT_EQ(v["code"].as_string(), "unavailable");
  EXPECT_EQ(r.body.find("10.0.0.6"), std::string::npos);
  // Client errors keep their own words, without a code.
  SetProblem(r, NotFound("workspace not found"), "req_6");
  v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["detail"].as_string(), "workspace not found");
  EXPECT_FALSE(v.contains("code"));
}

TEST(Problem, AFullDiskIs503WithALongerRetryAfter) {
  Response r;
  SetProblem(r, Unavailable("sqlite: database or disk is full").WithCause(Cause::kStorageFull),
             "req_7");
  EXPECT_EQ(r.status, 503);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["code"].as_string(), "storage_full");
  EXPECT_EQ(v["detail"].as_string(), "the service's storage is full");
  std::string retry_after;
  for (const auto& [name, value] : r.headers)
    if (name == "Retry-After") retry_after = value;
  EXPECT_EQ(retry_after, "30");
}

TEST(Problem, UnauthenticatedCarriesBearerChallenge) {
  Response r;
  SetProblem(r, Unauthenticated("token expired"), "req_3");
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r.headers[0].second, "Bearer error=\"invalid_token\"");
}

TEST(Problem, ASpecificTypeCarriesItsOwnTitleAndMembers) {
  Response r;
  Status s = Conflict("the account's quota allows 2 workspaces");
  s.WithProblemType("quota-exceeded", "Quota Exceeded")
      .WithMember("limit", R"("workspaces")")
      .WithMember("allowed", "2")
      .WithMember("current", "2")
      .WithMember("status", "200");  // a standard member is never overridden
  const Status copy = s;             // copies share the extension
  SetProblem(r, copy, "req_4");
  EXPECT_EQ(r.status, 409);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["type"].as_string(), "urn:workspaced:problem:quota-exceeded");
  EXPECT_EQ(v["title"].as_string(), "Quota Exceeded");
  EXPECT_EQ(v["status"].as_int64(), 409);
  EXPECT_EQ(v["limit"].as_string(), "workspaces");
  EXPECT_EQ(v["allowed"].as_int64(), 2);
  EXPECT_EQ(v["current"].as_int64(), 2);
  EXPECT_EQ(Status().extension(), nullptr);
}

}  // namespace
}  // namespace workspaced::http
