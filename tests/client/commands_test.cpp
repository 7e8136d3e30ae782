// Every client command against the real throwaway cluster of the test run
// (PGHOST/PGPORT/PGUSER): success, failure, exit codes, JSON, no password in
// any output.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/migration_lock.hpp"
#include "harness.hpp"
#include "pg.hpp"

namespace megaforce::client::test {
namespace {

using nlohmann::json;

// --- invocation ---------------------------------------------------------------

TEST(Invocation, BadInvocationsExit3) {
  EXPECT_EQ(megaforce({"frobnicate"}).exit_code, 3);
  EXPECT_EQ(megaforce({"current", "--no-such-flag"}).exit_code, 3);
  EXPECT_EQ(megaforce({}).exit_code, 3);
  // One line on stderr that names what was wrong and where help is.
  for (const auto& [args, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"frobnicate"}, "unknown command \"frobnicate\""},
           {{}, "no command given"},
           {{"--frobnicate"}, "unknown option \"--frobnicate\""},
           {{"current", "--no-such-flag"}, "--no-such-flag; see megaforce current --help"}}) {
    CliRun run = megaforce(args);
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.err.rfind("megaforce: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find(expected), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
  }
  EXPECT_NE(megaforce({"frobnicate"}).err.find("current, history, upgrade"), std::string::npos);
  CliRun help = megaforce({"upgrade", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples"), std::string::npos) << help.out;
  EXPECT_NE(megaforce({"--help"}).out.find("health"), std::string::npos);
}

TEST(Invocation, NoServerExits2WithOneLineAndNoPassword) {
  std::string dir = temp_dir();  // nothing listens here
  std::string uri = "postgresql://app:hunter2@/megaforce?host=" + dir + "&port=5999";
  for (const std::string& command : {"current", "history", "tables", "health", "check", "upgrade"}) {
    CliRun run = megaforce({"--dsn", uri, command});
    EXPECT_EQ(run.exit_code, 2) << command << ": " << run.all();
    EXPECT_EQ(run.all().find("hunter2"), std::string::npos) << run.all();
    if (command != std::string("health")) {
      EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
      EXPECT_NE(run.err.find("cannot connect"), std::string::npos) << run.err;
    }
  }
}

TEST(Invocation, AFailedLoginIsNoConnectionAndHidesThePassword) {
  CliRun run = megaforce({"--dsn", uri_with_password("mf_no_such_db", "hunter2"), "current"});
  EXPECT_EQ(run.exit_code, 2) << run.all();
  EXPECT_EQ(run.all().find("hunter2"), std::string::npos) << run.all();
  EXPECT_NE(run.err.find("****"), std::string::npos) << run.err;
}

TEST(Invocation, DsnAfterTheCommandToo) {
  fresh_database("mf_cl_dsn_after", head_version());
  CliRun run = megaforce({"current", "--dsn", dsn_for("mf_cl_dsn_after")});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  EXPECT_EQ(run.out, head_version() + " (head)\n");
}

// --- connection precedence ------------------------------------------------------

class Precedence : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fresh_database("mf_cl_m", std::string("1.0"));
    fresh_database("mf_cl_d", head_version());
    fresh_database("mf_cl_s", std::nullopt);
  }
  static std::string current(const RunOptions& options, std::vector<std::string> args = {"current"}) {
    CliRun run = megaforce(args, options);
    return std::to_string(run.exit_code) + " " + run.out;
  }
};

TEST_F(Precedence, VariablesInOrderWithoutFallback) {
  std::string head = head_version();
  RunOptions all;
  all.env = {{"MEGAFORCE_DATABASE_URL", dsn_for("mf_cl_m")}, {"DATABASE_URL", dsn_for("mf_cl_d")},
             {"SUPABASE_DATABASE_URL", dsn_for("mf_cl_s")}};
  EXPECT_EQ(current(all), "0 1.0\n");
  EXPECT_EQ(current(all, {"--dsn", dsn_for("mf_cl_d"), "current"}), "0 " + head + " (head)\n") << "--dsn wins";
  RunOptions two = all;
  two.env.erase("MEGAFORCE_DATABASE_URL");
  EXPECT_EQ(current(two), "0 " + head + " (head)\n");
  RunOptions one = two;
  one.env.erase("DATABASE_URL");
  EXPECT_EQ(current(one), "1 not installed (head is " + head + ")\n");
  // The first one set is used even when it fails: no fallback.
  RunOptions broken = all;
  broken.env["MEGAFORCE_DATABASE_URL"] = dsn_for("mf_cl_missing");
  EXPECT_EQ(megaforce({"current"}, broken).exit_code, 2);
}

TEST_F(Precedence, LibpqDefaults) {
  RunOptions options;
  options.env = {{"PGDATABASE", "mf_cl_m"}};
  EXPECT_EQ(current(options), "0 1.0\n");
}

TEST_F(Precedence, DotenvFillsWhatTheEnvironmentLacks) {
  RunOptions options;
  options.cwd = temp_dir();
  std::ofstream(options.cwd + "/.env") << "# deploy settings\n\n"
                                       << "DATABASE_URL=\"" << dsn_for("mf_cl_m") << "\"  # quoted\n"
                                       << "SUPABASE_DATABASE_URL=" << dsn_for("mf_cl_s") << "\n";
  EXPECT_EQ(current(options), "0 1.0\n") << ".env's DATABASE_URL is used";
  options.env = {{"DATABASE_URL", dsn_for("mf_cl_d")}};
  EXPECT_EQ(current(options), "0 " + head_version() + " (head)\n") << "the environment wins over .env";
  options.env = {{"MEGAFORCE_DATABASE_URL", dsn_for("mf_cl_s")}};
  EXPECT_EQ(current(options), "1 not installed (head is " + head_version() + ")\n")
      << "a higher-ranked name from the environment wins over a lower one from .env";
  std::ofstream(options.cwd + "/.env") << "PGDATABASE=mf_cl_m\n";
  options.env.clear();
  options.unset.push_back("PGDATABASE");
  EXPECT_EQ(current(options), "0 1.0\n") << ".env feeds libpq's defaults too";
}

// --- current, history -------------------------------------------------------------

TEST(Current, InstalledHeadAndJson) {
  fresh_database("mf_cl_current", std::string("1.0"));
  CliRun run = mf("mf_cl_current", {"current"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "1.0\n");
  json j = json::parse(mf("mf_cl_current", {"current", "--json"}).out);
  EXPECT_EQ(j["installed"], "1.0");
  EXPECT_EQ(j["head"], head_version());
  EXPECT_EQ(j["is_head"], false);
}

std::string installed(const std::string& db) {
  return sql(db, "SELECT extversion FROM pg_extension WHERE extname = 'megaforce'");
}

// Every version the installed scripts define, lowest first (1.0, ..., head).
std::vector<std::string> all_versions() {
  std::string list = sql("postgres", "SELECT string_agg(version, ' ' ORDER BY string_to_array(version, '.')::int[]) "
                                     "FROM pg_available_extension_versions WHERE name = 'megaforce'");
  std::vector<std::string> out;
  std::istringstream words(list);
  for (std::string v; words >> v;) out.push_back(v);
  return out;
}

TEST(History, WorksWithoutTheExtensionAndMarksCurrentAndHead) {
  fresh_database("mf_cl_history", std::nullopt);
  CliRun run = mf("mf_cl_history", {"history"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  EXPECT_NE(run.out.find("1.0"), std::string::npos);
  EXPECT_NE(run.out.find(head_version() + " (head)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("not installed"), std::string::npos);

  mf("mf_cl_history", {"upgrade", "1.0"});
  mf("mf_cl_history", {"upgrade"});
  run = mf("mf_cl_history", {"history"});
  EXPECT_NE(run.out.find(head_version() + " (current) (head)"), std::string::npos) << run.out;
  std::vector<std::string> path = all_versions();  // 1.0, ..., head: one step each
  for (size_t i = 1; i < path.size(); ++i)
    EXPECT_NE(run.out.find(path[i - 1] + " -> " + path[i]), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("install 1.0"), std::string::npos) << run.out;
  json j = json::parse(mf("mf_cl_history", {"history", "--json"}).out);
  ASSERT_EQ(j["applied"].size(), path.size()) << "the install, then one row per step";
  EXPECT_TRUE(j["applied"][0]["from"].is_null());
  EXPECT_EQ(j["applied"][path.size() - 1]["to"], head_version());
  EXPECT_EQ(j["applied"][1]["applied_at"].get<std::string>().size(), std::string("2026-11-24 11:05:35 UTC").size());
}

// --- upgrade, downgrade, reset ---------------------------------------------------------


TEST(Upgrade, InstallsStepsPrintsAndIsIdempotent) {
  fresh_database("mf_cl_up", std::nullopt);
  CliRun dry = mf("mf_cl_up", {"upgrade", "--sql"});
  EXPECT_EQ(dry.exit_code, 0);
  EXPECT_NE(dry.out.find("CREATE EXTENSION megaforce VERSION '" + head_version() + "'"), std::string::npos) << dry.out;
  EXPECT_EQ(installed("mf_cl_up"), "") << "--sql changes nothing";

  CliRun install = mf("mf_cl_up", {"upgrade", "1.0"});
  EXPECT_EQ(install.exit_code, 0) << install.all();
  EXPECT_NE(install.out.find("install 1.0"), std::string::npos) << install.out;
  EXPECT_EQ(installed("mf_cl_up"), "1.0");

  CliRun step = mf("mf_cl_up", {"upgrade", "+1"});
  EXPECT_EQ(step.exit_code, 0) << step.all();
  EXPECT_NE(step.out.find("1.0 -> 1.1"), std::string::npos) << step.out;
  EXPECT_NE(step.out.find(" ms"), std::string::npos) << "each step with its duration";
  CliRun rest = mf("mf_cl_up", {"upgrade"});  // the remaining steps to head
  EXPECT_EQ(rest.exit_code, 0) << rest.all();
  EXPECT_EQ(installed("mf_cl_up"), head_version());
  CliRun again = mf("mf_cl_up", {"upgrade"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;
  EXPECT_EQ(mf("mf_cl_up", {"upgrade", "9.9"}).exit_code, 1);
  EXPECT_EQ(mf("mf_cl_up", {"upgrade", "+x"}).exit_code, 3);
}

TEST(Upgrade, ABusyTableFailsFastAndLeavesTheOldVersion) {
  fresh_database("mf_cl_busy", std::string("1.0"));
  Connection holder = Connection::open(dsn_for("mf_cl_busy"), "holder");
  holder.exec("BEGIN");
  holder.exec("LOCK TABLE megaforce.approval_history IN ROW EXCLUSIVE MODE");  // a writer in flight
  auto start = std::chrono::steady_clock::now();
  CliRun run = mf("mf_cl_busy", {"upgrade", "--lock-timeout", "1s"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.exit_code, 1) << run.all();
  EXPECT_LT(seconds, 5.0);
  EXPECT_NE(run.err.find("lock"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("still at 1.0"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  holder.exec("ROLLBACK");
  EXPECT_EQ(installed("mf_cl_busy"), "1.0");
}

TEST(Upgrade, TwoAtOnceMigrateOnce) {
  fresh_database("mf_cl_race", std::string("1.0"));
  // Hold the migration lock so that both start waiting, then let them go.
  Connection holder = Connection::open(dsn_for("mf_cl_race"), "holder");
  holder.exec("BEGIN");
  holder.exec("SELECT pg_advisory_xact_lock(" + std::to_string(megaforce::kMigrationLockKey) + ")");
  std::string dir = temp_dir();
  int a = start_megaforce({"--dsn", dsn_for("mf_cl_race"), "upgrade"}, dir + "/a");
  int b = start_megaforce({"--dsn", dsn_for("mf_cl_race"), "upgrade"}, dir + "/b");
  for (int i = 0; i < 100 && sql("mf_cl_race", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") != "2"; ++i)
    usleep(50 * 1000);
  holder.exec("COMMIT");
  int status_a = 0, status_b = 0;
  waitpid(a, &status_a, 0);
  waitpid(b, &status_b, 0);
  EXPECT_EQ(WEXITSTATUS(status_a), 0);
  EXPECT_EQ(WEXITSTATUS(status_b), 0);
  std::ifstream fa(dir + "/a"), fb(dir + "/b");
  std::string out_a((std::istreambuf_iterator<char>(fa)), {}), out_b((std::istreambuf_iterator<char>(fb)), {});
  EXPECT_NE((out_a + out_b).find("nothing to do"), std::string::npos) << out_a << "|" << out_b;
  EXPECT_EQ(sql("mf_cl_race", "SELECT count(*) FROM megaforce.migration_log WHERE from_version = '1.0'"), "1");
  EXPECT_EQ(installed("mf_cl_race"), head_version());
}

TEST(Downgrade, StepsDownAndNeverDropsWithoutYes) {
  fresh_database("mf_cl_down", head_version());
  std::vector<std::string> path = all_versions();
  std::string below_head = path[path.size() - 2];
  CliRun dry = mf("mf_cl_down", {"downgrade", "--sql"});
  EXPECT_NE(dry.out.find("ALTER EXTENSION megaforce UPDATE TO '" + below_head + "'"), std::string::npos) << dry.out;
  EXPECT_EQ(installed("mf_cl_down"), head_version());
  CliRun down = mf("mf_cl_down", {"downgrade"});
  EXPECT_EQ(down.exit_code, 0) << down.all();
  EXPECT_NE(down.out.find(head_version() + " -> " + below_head), std::string::npos) << down.out;
  EXPECT_EQ(installed("mf_cl_down"), below_head);
  EXPECT_EQ(mf("mf_cl_down", {"downgrade", "1.0"}).exit_code, 0);
  EXPECT_EQ(installed("mf_cl_down"), "1.0");

  CliRun refused = mf("mf_cl_down", {"downgrade"});  // -1 at the lowest version
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_EQ(mf("mf_cl_down", {"downgrade", "base"}).exit_code, 1);
  EXPECT_EQ(installed("mf_cl_down"), "1.0");

  EXPECT_EQ(mf("mf_cl_down", {"upgrade"}).exit_code, 0);
  EXPECT_EQ(mf("mf_cl_down", {"downgrade", "1.0"}).exit_code, 0);
  EXPECT_EQ(installed("mf_cl_down"), "1.0");
  CliRun drop = mf("mf_cl_down", {"downgrade", "base", "--yes"});
  EXPECT_EQ(drop.exit_code, 0) << drop.all();
  EXPECT_EQ(installed("mf_cl_down"), "");
}

TEST(Reset, NeedsYesThenRecreatesAtHead) {
  fresh_database("mf_cl_reset", std::string("1.0"));
  sql("mf_cl_reset", "INSERT INTO megaforce.users (email) VALUES ('x@example.com')");
  CliRun refused = mf("mf_cl_reset", {"reset"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(sql("mf_cl_reset", "SELECT count(*) FROM megaforce.users"), "1");
  CliRun reset = mf("mf_cl_reset", {"reset", "--yes"});
  EXPECT_EQ(reset.exit_code, 0) << reset.all();
  EXPECT_EQ(installed("mf_cl_reset"), head_version());
  EXPECT_EQ(sql("mf_cl_reset", "SELECT count(*) FROM megaforce.users"), "0");
}

// --- tables, health, check ------------------------------------------------------------

TEST(Tables, ListsEveryTableWithEstimatesAndSizes) {
  fresh_database("mf_cl_tables", head_version());
  CliRun run = mf("mf_cl_tables", {"tables"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  for (const char* t : {"users", "personas", "input_sources", "runs", "documents", "output_schemas",
                        "approval_history", "migration_log"})
    EXPECT_NE(run.out.find(std::string("megaforce.") + t), std::string::npos) << t;
  json j = json::parse(mf("mf_cl_tables", {"tables", "--json"}).out);
  ASSERT_EQ(j.size(), 8u);
  for (const json& t : j) {
    EXPECT_TRUE(t.contains("rows_estimate"));
    EXPECT_GT(t["total_bytes"].get<long long>(), 0);
  }
  fresh_database("mf_cl_tables_none", std::nullopt);
  EXPECT_EQ(mf("mf_cl_tables_none", {"tables"}).exit_code, 1);
}

TEST(Health, PassWarnAndTheHealthJsonShape) {
  fresh_database("mf_cl_health", head_version());
  CliRun run = mf("mf_cl_health", {"health", "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  json j = json::parse(run.out);
  EXPECT_EQ(j["status"], "pass");
  for (const char* name : {"postgres:responseTime", "postgres:version", "postgres:recovery", "megaforce:version",
                           "runs:queued", "runs:running", "runs:expiredLeases"}) {
    ASSERT_TRUE(j["checks"].contains(name)) << name;
    const json& m = j["checks"][name][0];
    EXPECT_TRUE(m.contains("observedValue") && m.contains("status") && m.contains("time")) << name;
  }
  EXPECT_EQ(j["checks"]["postgres:responseTime"][0]["observedUnit"], "ms");
  EXPECT_EQ(j["checks"]["postgres:recovery"][0]["observedValue"], false);
  EXPECT_EQ(j["checks"]["megaforce:version"][0]["observedValue"], head_version());

  fresh_database("mf_cl_health_old", std::string("1.0"));
  run = mf("mf_cl_health_old", {"health", "--json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(json::parse(run.out)["status"], "warn");
  fresh_database("mf_cl_health_none", std::nullopt);
  run = mf("mf_cl_health_none", {"health"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("warn"), std::string::npos) << run.out;
}

TEST(Check, CleanThenNamesEachDriftedObject) {
  fresh_database("mf_cl_check", std::string("1.0"));
  EXPECT_EQ(mf("mf_cl_check", {"check"}).exit_code, 0) << "1.0, a released version, checks clean";
  mf("mf_cl_check", {"upgrade"});
  CliRun clean = mf("mf_cl_check", {"check"});
  EXPECT_EQ(clean.exit_code, 0) << clean.all();
  sql("mf_cl_check", "GRANT SELECT ON megaforce.users TO PUBLIC");
  EXPECT_EQ(mf("mf_cl_check", {"check"}).exit_code, 0) << "grants are a deployment's choice, not drift";

  sql("mf_cl_check", "DROP INDEX megaforce.runs_claim_order_idx");
  sql("mf_cl_check", "ALTER TABLE megaforce.users ADD COLUMN nickname text");
  sql("mf_cl_check", "ALTER TABLE megaforce.documents DROP COLUMN source_url");
  sql("mf_cl_check", "ALTER TABLE megaforce.runs DROP CONSTRAINT runs_attempt_check");
  sql("mf_cl_check", "ALTER TABLE megaforce.users DISABLE TRIGGER users_touch_updated_at");
  sql("mf_cl_check", "CREATE OR REPLACE FUNCTION megaforce.is_valid_email(email text) RETURNS boolean "
                     "LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$ SELECT true $$");
  CliRun drift = mf("mf_cl_check", {"check"});
  EXPECT_EQ(drift.exit_code, 1) << drift.all();
  for (const char* expected : {"missing    index runs_claim_order_idx", "unexpected column users.nickname",
                               "missing    column documents.source_url", "constraint runs_attempt_check on runs",
                               "changed    trigger users_touch_updated_at on users",
                               "changed    function is_valid_email(email text)"})
    EXPECT_NE(drift.out.find(expected), std::string::npos) << expected << "\n" << drift.out;
  json j = json::parse(mf("mf_cl_check", {"check", "--json"}).out);
  EXPECT_GE(j["drift"].size(), 6u);
}

// --- serve ---------------------------------------------------------------------------------

TEST(Serve, HealthOverHttpReconnectsAndStopsCleanly) {
  fresh_database("mf_cl_serve", head_version());
  int port = free_port();
  std::string log = temp_dir() + "/serve.log";
  int pid = start_megaforce({"--dsn", dsn_for("mf_cl_serve"), "serve", "--listen", "127.0.0.1:" + std::to_string(port)}, log);
  int status = 0;
  std::string type;
  std::string body = http_get(port, "/health", &status, &type);
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(type, "application/health+json");
  EXPECT_EQ(json::parse(body)["status"], "pass");

  // Its connection is killed: the next request reconnects.
  sql("mf_cl_serve", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = 'mf_cl_serve' AND application_name = 'megaforce' AND pid <> pg_backend_pid()");
  body = http_get(port, "/health", &status, &type);
  EXPECT_EQ(status, 200) << body;

  // Behind head: warn is still 200.
  sql("postgres", "SELECT 1");
  kill(pid, SIGTERM);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "stops cleanly on SIGTERM";
}

TEST(Serve, StartsWithTheDatabaseDownAndAnswers503) {
  int port = free_port();
  std::string dir = temp_dir();
  std::string log = dir + "/serve.log";
  int pid = start_megaforce({"--dsn", "host=" + dir + " port=5999 dbname=x password=hunter2", "serve", "--listen",
                             "127.0.0.1:" + std::to_string(port)}, log);
  int status = 0;
  std::string type;
  std::string body = http_get(port, "/health", &status, &type);
  EXPECT_EQ(status, 503) << body;
  EXPECT_EQ(type, "application/health+json");
  EXPECT_EQ(json::parse(body)["status"], "fail");
  EXPECT_EQ(body.find("hunter2"), std::string::npos) << body;
  kill(pid, SIGINT);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

TEST(Passwords, NeverPrinted) {
  fresh_database("mf_cl_secret", head_version());
  std::string uri = uri_with_password("mf_cl_secret", "hunter2");
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"current"}, {"history"}, {"tables"}, {"health"}, {"health", "--json"}, {"check"},
           {"upgrade", "--sql"}, {"downgrade", "--sql"}, {"upgrade", "7.7"}, {"reset"}}) {
    args.insert(args.begin(), {"--dsn", uri});
    CliRun run = megaforce(args);
    EXPECT_EQ(run.all().find("hunter2"), std::string::npos) << args[2] << ": " << run.all();
  }
}

}  // namespace
}  // namespace megaforce::client::test
