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

TEST(Problem, InternalErrorsHideTheirMessage) {
  Response r;
  SetProblem(r, Internal("sqlite: disk I/O error at /secret/path"), "req_2");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_NE(r.body.find("req_2"), std::string::npos);
}

TEST(Problem, UnauthenticatedCarriesBearerChallenge) {
  Response r;
  SetProblem(r, Unauthenticated("token expired"), "req_3");
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r.headers[0].second, "Bearer error=\"invalid_token\"");
}

}  // namespace
}  // namespace workspaced::http
