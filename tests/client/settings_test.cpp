// The client's pure parts, no server: .env parsing, password redaction,
// connection precedence, version order, migration steps.
#include <gtest/gtest.h>

#include <map>

#include "connection_settings.hpp"
#include "migration.hpp"
#include "versions.hpp"

namespace megaforce::client {
namespace {

TEST(Dotenv, ParsesTheUsualForms) {
  auto values = parse_dotenv(
      "# a comment\n"
      "\n"
      "DATABASE_URL=postgresql://a@b/c\n"
      "export PGHOST=/tmp/sock\n"
      "QUOTED=\"with spaces # not a comment\"\n"
      "ESCAPED=\"line\\nnext \\\"q\\\"\"\n"
      "SINGLE='verbatim \\n $x'\n"
      "INLINE=value # comment\n"
      "  SPACED  =  padded  \n"
      "EMPTY=\n"
      "not a pair\n");
  EXPECT_EQ(values["DATABASE_URL"], "postgresql://a@b/c");
  EXPECT_EQ(values["PGHOST"], "/tmp/sock");
  EXPECT_EQ(values["QUOTED"], "with spaces # not a comment");
  EXPECT_EQ(values["ESCAPED"], "line\nnext \"q\"");
  EXPECT_EQ(values["SINGLE"], "verbatim \\n $x");
  EXPECT_EQ(values["INLINE"], "value");
  EXPECT_EQ(values["SPACED"], "padded");
  EXPECT_EQ(values["EMPTY"], "");
  EXPECT_EQ(values.count("not a pair"), 0u);
}

TEST(Redaction, HidesEveryFormOfPassword) {
  EXPECT_EQ(redact_password("postgresql://app:s3cret@db.example.com:5432/megaforce"),
            "postgresql://app:****@db.example.com:5432/megaforce");
  EXPECT_EQ(redact_password("postgres://app:p%40ss@host/db?sslmode=require"), "postgres://app:****@host/db?sslmode=require");
  EXPECT_EQ(redact_password("postgresql://host/db?user=app&password=s3cret&sslmode=require"),
            "postgresql://host/db?user=app&password=****&sslmode=require");
  EXPECT_EQ(redact_password("host=db user=app password=s3cret dbname=x"), "host=db user=app password=**** dbname=x");
  EXPECT_EQ(redact_password("password = 'a b\\' c' host=db"), "password=**** host=db");
  EXPECT_EQ(redact_password("postgresql://app@host/db"), "postgresql://app@host/db");
}

std::map<std::string, std::string> g_env;
const char* fake_getenv(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}

TEST(ConnectionPrecedence, DsnThenTheThreeVariablesInOrderThenLibpq) {
  g_env = {{"MEGAFORCE_DATABASE_URL", "m"}, {"DATABASE_URL", "d"}, {"SUPABASE_DATABASE_URL", "s"}};
  EXPECT_EQ(resolve_target(std::string("x"), fake_getenv).conninfo, "x");
  EXPECT_EQ(resolve_target(std::nullopt, fake_getenv).conninfo, "m");
  g_env.erase("MEGAFORCE_DATABASE_URL");
  EXPECT_EQ(resolve_target(std::nullopt, fake_getenv).conninfo, "d");
  g_env.erase("DATABASE_URL");
  EXPECT_EQ(resolve_target(std::nullopt, fake_getenv).source, "SUPABASE_DATABASE_URL");
  g_env = {{"PGHOST", "h"}, {"PGPORT", "6000"}};
  ConnectionTarget t = resolve_target(std::nullopt, fake_getenv);
  EXPECT_EQ(t.conninfo, "");
  EXPECT_NE(t.display.find("port=6000"), std::string::npos);
}

TEST(Versions, CompareByNumericParts) {
  EXPECT_TRUE(version_less("1.0", "1.1"));
  EXPECT_TRUE(version_less("1.9", "1.10"));
  EXPECT_TRUE(version_less("1.10", "2.0"));
  EXPECT_FALSE(version_less("1.1", "1.1"));
}

TEST(Migration, StepsAlongAPath) {
  auto steps = steps_along(std::string("1.0"), {"1.0", "1.1", "1.2"});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].sql, "ALTER EXTENSION megaforce UPDATE TO '1.1'");
  EXPECT_EQ(steps[1].sql, "ALTER EXTENSION megaforce UPDATE TO '1.2'");
  steps = steps_along(std::nullopt, {"1.1"});
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].sql, "CREATE EXTENSION megaforce VERSION '1.1'");
  std::string sql = migration_sql(steps, MigrationOptions{"2s", false});
  EXPECT_NE(sql.find("SET LOCAL lock_timeout = '2s'"), std::string::npos);
  EXPECT_NE(sql.find("pg_advisory_xact_lock"), std::string::npos);
}

}  // namespace
}  // namespace megaforce::client
