// The real SpiceDB engine in-process: our schema loads unchanged, and
// relationships with ids SpiceDB would refuse raw (encoded by ids.h) answer
// as expected.
#include "spicedb/embedded.h"

#include <gtest/gtest.h>

#include <fstream>

#include "authz/schema_authorizer.h"

namespace workspaced::spicedb {
namespace {

// authz/schema.zed, byte for byte as compiled in.
std::string SchemaText() { return std::string(authz::EmbeddedSchemaText()); }

TEST(Embedded, OurSchemaLoadsUnchangedAndChecksFollowTheRelationships) {
  auto db = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE((*db)->WriteSchema(SchemaText()).ok());
  const model::Relationship account_admin{"account", "a1", "admin", "user", "ann@corp.example", ""};
  const model::Relationship group_member{"group", "Data Science", "member", "user", "bo.b", ""};
  const model::Relationship ws_account{"workspace", "w1", "account", "account", "a1", ""};
  const model::Relationship ws_viewers{"workspace", "w1",           "viewer",
                                       "group",     "Data Science", "member"};
  auto token = (*db)->Write(
      {{true, account_admin}, {true, group_member}, {true, ws_account}, {true, ws_viewers}});
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_FALSE(token->empty());

  auto check = [&](std::string_view perm, std::string_view user) {
    auto r = (*db)->Check("workspace", "w1", perm, {"user", std::string(user), ""});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && *r;
  };
  EXPECT_TRUE(check("administer", "ann@corp.example"));
  EXPECT_TRUE(check("read", "bo.b"));
  EXPECT_FALSE(check("write", "bo.b"));
  EXPECT_FALSE(check("read", "mallory"));

  ASSERT_TRUE((*db)->Write({{false, group_member}}).ok());
  EXPECT_FALSE(check("read", "bo.b"));
}

TEST(Embedded, ASchemaSpiceDbRefusesIsAnError) {
  auto db = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(db.ok()) << db.status().message();
  const Status s = (*db)->WriteSchema("definition user { relation nope: missing }");
  EXPECT_FALSE(s.ok());
}

TEST(Embedded, AMissingLibraryIsAClearError) {
  auto db = StartEmbedded("/nonexistent/libspicedb.so");
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("/nonexistent/libspicedb.so"), std::string::npos)
      << db.status().message();
}

}  // namespace
}  // namespace workspaced::spicedb
