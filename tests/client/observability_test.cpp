// What operators see: the health checks with their thresholds, /metrics
// against the database, the scrape's plans (no table scan of runs or
// approval_history, rows visited bounded by the live runs), the status page's
// escaping and `tables`' vacuum figures. The browser and Prometheus tests
// are tests/shell/serve_page.sh and serve_prometheus.sh.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "figures.hpp"
#include "harness.hpp"
#include "health.hpp"
#include "html.hpp"
#include "metrics.hpp"
#include "pg.hpp"
#include "status_page.hpp"

namespace megaforce::client::test {
namespace {

using nlohmann::json;

std::string fixture(const std::string& name) {
  std::string here = __FILE__;
  std::ifstream in(here.substr(0, here.rfind("/tests/")) + "/tests/fixtures/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A database at head filled by tests/fixtures/serve_fill.sql (its header
// says what it holds).
std::string filled_database(const std::string& name) {
  fresh_database(name, head_version());
  sql(name, fixture("serve_fill.sql"));
  return name;
}

const json& check(const json& report, const char* name) { return report["checks"][name][0]; }

// A megaforce serve in the background, stopped (SIGTERM) when it goes.
class Server {
 public:
  // `megaforce --dsn DSN serve --listen ... OPTIONS...`
  explicit Server(const std::string& dsn, const std::vector<std::string>& options = {}) : port_(free_port()) {
    std::vector<std::string> args = {"--dsn", dsn, "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    args.insert(args.end(), options.begin(), options.end());
    pid_ = start_megaforce(args, temp_dir() + "/serve.log");
  }
  ~Server() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  std::string get(const std::string& path, int* status, std::string* type) const {
    return http_get(port_, path, status, type);
  }

 private:
  int port_;
  int pid_;
};

// "name{labels}" -> value, of every sample line.
std::map<std::string, double> samples(const std::string& exposition) {
  std::map<std::string, double> out;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string::size_type space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// --- health: the new checks and their thresholds ------------------------------------

TEST(HealthChecks, AHeldTransactionWithAnXidTurnsHealthToWarn) {
  std::string db = "mf_cl_obs_xact";
  fresh_database(db, head_version());
  CliRun run = mf(db, {"health", "--json", "--warn-xact-age", "0"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  json j = json::parse(run.out);
  EXPECT_EQ(check(j, "postgres:oldestTransactionAge")["observedValue"], 0);
  EXPECT_EQ(check(j, "postgres:oldestTransactionAge")["observedUnit"], "s");

  Connection holder = Connection::open(dsn_for(db), "holder");
  holder.exec("BEGIN");
  holder.exec("SELECT 1");  // idle in transaction, no XID and no snapshot: vacuum is not held back
  EXPECT_EQ(json::parse(mf(db, {"health", "--json", "--warn-xact-age", "0"}).out)["status"], "pass");

  holder.exec("SELECT pg_current_xact_id()");  // now it has an XID
  usleep(300 * 1000);
  run = mf(db, {"health", "--json", "--warn-xact-age", "0.2"});
  EXPECT_EQ(run.exit_code, 1) << run.all();
  j = json::parse(run.out);
  EXPECT_EQ(j["status"], "warn");
  EXPECT_EQ(check(j, "postgres:oldestTransactionAge")["status"], "warn");
  EXPECT_GT(check(j, "postgres:oldestTransactionAge")["observedValue"].get<double>(), 0.2);
  EXPECT_NE(j["output"].get<std::string>().find("vacuum"), std::string::npos) << j["output"];
  // Below the threshold (the default, 300 s) it passes.
  run = mf(db, {"health", "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  EXPECT_EQ(check(json::parse(run.out), "postgres:oldestTransactionAge")["status"], "pass");
  // The text form names it and says warn.
  run = mf(db, {"health", "--warn-xact-age", "0.2"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("postgres:oldestTransactionAge"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(warn)"), std::string::npos) << run.out;
  // serve's /health: the same check, warn is still 200.
  {
    Server server(dsn_for(db), {"--warn-xact-age", "0.2"});
    int status = 0;
    std::string type;
    json body = json::parse(server.get("/health", &status, &type));
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body["status"], "warn");
    EXPECT_EQ(check(body, "postgres:oldestTransactionAge")["status"], "warn");
  }
  holder.exec("ROLLBACK");
  EXPECT_EQ(mf(db, {"health", "--warn-xact-age", "0"}).exit_code, 0) << "back to pass once it ends";
}

TEST(HealthChecks, APreparedTransactionCountsToo) {
  std::string db = "mf_cl_obs_prepared";
  fresh_database(db, head_version());
  sql(db, "BEGIN; CREATE TABLE held (x int); PREPARE TRANSACTION 'mf_obs_held'");
  usleep(300 * 1000);
  json j = json::parse(mf(db, {"health", "--json", "--warn-xact-age", "0.2"}).out);
  sql(db, "ROLLBACK PREPARED 'mf_obs_held'");
  EXPECT_EQ(check(j, "postgres:oldestTransactionAge")["status"], "warn") << j.dump(2);
}

TEST(HealthChecks, AStalledQueueTurnsHealthToWarn) {
  std::string db = filled_database("mf_cl_obs_queue");
  CliRun run = mf(db, {"health", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.all();
  json j = json::parse(run.out);
  EXPECT_EQ(j["status"], "warn");
  const json& age = check(j, "runs:oldestQueuedAge");
  EXPECT_EQ(age["status"], "warn") << "10 minutes is over the default 300 s";
  EXPECT_EQ(age["observedUnit"], "s");
  EXPECT_GE(age["observedValue"].get<double>(), 600);
  EXPECT_LT(age["observedValue"].get<double>(), 900);
  EXPECT_NE(j["output"].get<std::string>().find("workers"), std::string::npos) << j["output"];
  EXPECT_EQ(check(j, "runs:queued")["observedValue"], 21);
  EXPECT_EQ(check(j, "runs:running")["observedValue"], 5);
  EXPECT_EQ(check(j, "runs:expiredLeases")["observedValue"], 2);

  run = mf(db, {"health", "--json", "--warn-queued-age", "3600"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  EXPECT_EQ(check(json::parse(run.out), "runs:oldestQueuedAge")["status"], "pass");

  // A run due in the future is not waiting: with only that one, the age is 0.
  sql(db, "UPDATE megaforce.runs SET run_after = now() + interval '1 day' WHERE status = 'queued'");
  j = json::parse(mf(db, {"health", "--json"}).out);
  EXPECT_EQ(check(j, "runs:oldestQueuedAge")["observedValue"], 0);
  EXPECT_EQ(check(j, "runs:oldestQueuedAge")["status"], "pass");
  EXPECT_EQ(mf(db, {"health", "--warn-queued-age", "-1"}).exit_code, 3) << "a negative threshold is refused";
}

// --- /metrics -----------------------------------------------------------------------------

TEST(Metrics, ValuesMatchTheDatabase) {
  std::string db = filled_database("mf_cl_obs_metrics");
  Server server(dsn_for(db));
  int status = 0;
  std::string type;
  std::string body = server.get("/metrics", &status, &type);
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(type, "text/plain; version=0.0.4; charset=utf-8");
  std::map<std::string, double> m = samples(body);
  std::string head = head_version();
  EXPECT_EQ(m["megaforce_up"], 1) << body;
  EXPECT_EQ(m["megaforce_schema_info{installed=\"" + head + "\",head=\"" + head + "\"}"], 1) << body;
  EXPECT_EQ(m["megaforce_runs{status=\"queued\"}"], 21) << body;
  EXPECT_EQ(m["megaforce_runs{status=\"running\"}"], 5);
  EXPECT_EQ(m["megaforce_runs_expired_leases"], 2);
  EXPECT_GE(m["megaforce_runs_oldest_queued_age_seconds"], 600);
  EXPECT_LT(m["megaforce_runs_oldest_queued_age_seconds"], 900);
  EXPECT_EQ(m["megaforce_outputs{status=\"draft\"}"], 3);
  EXPECT_EQ(m["megaforce_outputs{status=\"pending_review\"}"], 2);
  EXPECT_EQ(m["megaforce_outputs{status=\"approved\"}"], 1);
  EXPECT_EQ(m.count("megaforce_outputs{status=\"archived\"}"), 1u) << "every status, 0 included";
  EXPECT_EQ(m["megaforce_outputs{status=\"archived\"}"], 0);
  EXPECT_EQ(m["megaforce_review_backlog"], 2);
  EXPECT_GT(m["megaforce_postgres_response_seconds"], 0);
  EXPECT_LT(m["megaforce_postgres_response_seconds"], 5);
  EXPECT_EQ(m["megaforce_oldest_transaction_age_seconds"], 0);
  // Every sample has its HELP and TYPE.
  for (const auto& [sample, value] : m) {
    std::string family = sample.substr(0, sample.find('{'));
    EXPECT_NE(body.find("# TYPE " + family + " "), std::string::npos) << family;
    EXPECT_NE(body.find("# HELP " + family + " "), std::string::npos) << family;
  }

  // The figures follow the database.
  sql(db, "SELECT megaforce.claim_runs('worker-2', 3)");
  m = samples(server.get("/metrics", &status, &type));
  EXPECT_EQ(m["megaforce_runs{status=\"queued\"}"], 18);
  EXPECT_EQ(m["megaforce_runs{status=\"running\"}"], 8);

  // Finished runs are counters (finished_runs_total(), from 1.2): they match
  // the function and move by exactly the runs finished since.
  double succeeded = m["megaforce_runs_finished_total{status=\"succeeded\"}"];
  double cancelled = m["megaforce_runs_finished_total{status=\"cancelled\"}"];
  EXPECT_NE(body.find("# TYPE megaforce_runs_finished_total counter"), std::string::npos) << body;
  EXPECT_EQ(succeeded, std::stod(sql(db, "SELECT total FROM megaforce.finished_runs_total() WHERE status = 'succeeded'")));
  sql(db, "SELECT megaforce.complete_run(id, lease_token) FROM megaforce.runs WHERE claimed_by = 'worker-2'");
  sql(db, "SELECT megaforce.cancel_run(id, (SELECT id FROM megaforce.users WHERE email = 'owner@example.com')) "
          "FROM megaforce.runs WHERE status = 'queued' LIMIT 2");
  m = samples(server.get("/metrics", &status, &type));
  EXPECT_EQ(m["megaforce_runs_finished_total{status=\"succeeded\"}"], succeeded + 3);
  EXPECT_EQ(m["megaforce_runs_finished_total{status=\"cancelled\"}"], cancelled + 2);
}

TEST(Metrics, DatabaseDownIsUpZero) {
  std::string dir = temp_dir();
  Server server("host=" + dir + " port=5999 dbname=x");
  int status = 0;
  std::string type;
  std::string body = server.get("/metrics", &status, &type);
  EXPECT_EQ(status, 200) << "the scrape itself worked";
  std::map<std::string, double> m = samples(body);
  EXPECT_EQ(m["megaforce_up"], 0) << body;
  EXPECT_EQ(m.size(), 1u) << "nothing else is guessed: " << body;
}

TEST(Metrics, NotInstalledHasNoRunFigures) {
  fresh_database("mf_cl_obs_none", std::nullopt);
  Connection conn = Connection::open(dsn_for("mf_cl_obs_none"), "test");
  std::map<std::string, double> m = samples(metrics_text(take_snapshot(&conn, "", Detail::kMetrics)));
  EXPECT_EQ(m["megaforce_up"], 1);
  EXPECT_EQ(m["megaforce_schema_info{installed=\"\",head=\"" + head_version() + "\"}"], 1);
  EXPECT_EQ(m.count("megaforce_runs{status=\"queued\"}"), 0u);
}

// --- the scrape's cost: plan shape and rows visited -------------------------------------

// Walks an EXPLAIN (ANALYZE, FORMAT JSON) plan: approval_history must not
// appear at all; runs only through partial indexes (queued or running), and
// no node on runs may visit more than `bound` rows.
void walk(const json& node, const std::set<std::string>& partial_indexes, double bound,
          std::vector<std::string>& problems) {
  std::string type = node.value("Node Type", "");
  std::string relation = node.value("Relation Name", "");
  std::string index = node.value("Index Name", "");
  if (relation == "approval_history" || index.rfind("approval_history", 0) == 0)
    problems.push_back(type + " of approval_history");
  if (relation == "runs" || index.rfind("runs_", 0) == 0) {
    bool through_partial = partial_indexes.count(index) > 0;
    if (type == "Seq Scan" || type == "Tid Scan" || type == "Sample Scan") problems.push_back(type + " of runs");
    if ((type == "Index Scan" || type == "Index Only Scan" || type == "Bitmap Index Scan") && !through_partial)
      problems.push_back(type + " of runs through " + index + ", which indexes finished runs too");
    double visited = node.value("Actual Rows", 0.0) * node.value("Actual Loops", 1.0) +
                     node.value("Rows Removed by Filter", 0.0) + node.value("Rows Removed by Index Recheck", 0.0);
    if (visited > bound) problems.push_back(type + " of runs visits " + std::to_string(visited) + " rows");
  }
  if (node.contains("Plans"))
    for (const json& child : node["Plans"]) walk(child, partial_indexes, bound, problems);
}

std::vector<std::string> plan_problems(const Connection& conn, const std::string& statement, double bound) {
  std::set<std::string> partial;
  Result indexes = conn.exec(
      "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
      "WHERE i.indrelid = 'megaforce.runs'::regclass AND i.indpred IS NOT NULL "
      "  AND pg_get_expr(i.indpred, i.indrelid) ~ '''(queued|running)'''");
  for (int i = 0; i < indexes.rows(); ++i) partial.insert(indexes.text(i, 0));
  json plan = json::parse(conn.exec("EXPLAIN (ANALYZE, FORMAT JSON) " + statement).text(0, 0));
  std::vector<std::string> problems;
  walk(plan[0]["Plan"], partial, bound, problems);
  return problems;
}

TEST(ScrapeCost, NoTableScanOfRunsOrHistoryAndRowsBoundedByLiveRuns) {
  std::string db = filled_database("mf_cl_obs_cost");
  // 100,000 finished runs and 20,000 history rows, written with the triggers
  // off (replica role) so the fill is quick; then statistics, so the planner
  // knows what it plans for.
  sql(db,
      "SET session_replication_role = replica; "
      "INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, run_after, queued_at, started_at, "
      "                            finished_at, lease_token, claimed_by) "
      "SELECT (ARRAY(SELECT id FROM megaforce.input_sources ORDER BY id))[1 + i % 30], "
      "       CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 1, 3, now() - interval '2 days', "
      "       now() - interval '2 days', now() - interval '2 days', now() - interval '1 day', gen_random_uuid(), 'w' "
      "FROM generate_series(1, 100000) AS i; "
      "INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision) "
      "OVERRIDING SYSTEM VALUE "
      "SELECT o.id, 'draft', 'pending_review', o.owner_id, 1 FROM megaforce.output_schemas o, "
      "       generate_series(1, 3400) AS i");
  sql(db, "VACUUM ANALYZE megaforce.runs");
  sql(db, "ANALYZE megaforce.approval_history");
  Connection conn = Connection::open(dsn_for(db), "test");
  ASSERT_GT(std::stoll(conn.exec("SELECT count(*) FROM megaforce.runs").text(0, 0)), 100000);
  double live = std::stod(conn.exec("SELECT count(*) FROM megaforce.runs WHERE status IN ('queued', 'running')").text(0, 0));

  // The walker finds what it is looking for: a count of every run scans them.
  EXPECT_FALSE(plan_problems(conn, "SELECT count(*) FROM megaforce.runs", live).empty());
  EXPECT_FALSE(plan_problems(conn, "SELECT count(*) FROM megaforce.approval_history", live).empty());

  for (const std::string& statement : scrape_statements()) {
    std::vector<std::string> problems = plan_problems(conn, statement, live);
    std::string listed;
    for (const std::string& p : problems) listed += "\n  " + p;
    EXPECT_TRUE(problems.empty()) << statement << listed;
  }
  // And the scrape still reads right on the bigger table.
  Snapshot snap = take_snapshot(&conn, "", Detail::kMetrics);
  EXPECT_TRUE(snap.measured()) << (snap.errors.empty() ? "" : snap.errors[0]);
  EXPECT_EQ(snap.queue.queued, 21);
  EXPECT_EQ(snap.queue.running, 5);
}

// --- the status page -------------------------------------------------------------------

TEST(StatusPage, EscapesEveryValue) {
  EXPECT_EQ(html("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
  Snapshot snap;
  snap.connected = true;
  snap.time = "<t>";
  snap.server_version = "15 <em>";
  snap.installed = "1.2\"><script>";
  snap.head = "1.2";
  snap.failed_runs.push_back({"<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "2026-01-01 <i>", 1});
  snap.migrations.push_back({std::nullopt, "<u>", "now", "</td><script>"});
  snap.outputs["draft"] = 1;
  std::string page = status_page(snap, health_report(snap, {}), "db <script>");
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<em>"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_EQ(page.find("<u>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg")) << "no external asset";
  EXPECT_EQ(page.find("src="), page.find("src=x")) << "no external asset";
}

TEST(StatusPage, ServedWithTheFiguresAndADatabaseDownView) {
  std::string db = filled_database("mf_cl_obs_page");
  Server server(dsn_for(db));
  int status = 0;
  std::string type;
  std::string page = server.get("/", &status, &type);
  EXPECT_EQ(status, 200) << page;
  EXPECT_EQ(type, "text/html; charset=utf-8");
  EXPECT_NE(page.find("<svg id=\"runs-chart\""), std::string::npos);
  EXPECT_NE(page.find("id=\"queued\"><b>21</b>"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("10 min"), std::string::npos) << "the oldest queued run's age";

  Server down("host=" + temp_dir() + " port=5999 dbname=x password=hunter2");
  page = down.get("/", &status, &type);
  EXPECT_EQ(status, 503);
  EXPECT_NE(page.find("Database down"), std::string::npos) << page;
  EXPECT_EQ(page.find("hunter2"), std::string::npos);
}

TEST(StatusPage, HumanAges) {
  EXPECT_EQ(human_age(0), "0 s");
  EXPECT_EQ(human_age(59.9), "59 s");
  EXPECT_EQ(human_age(600.4), "10 min 00 s");
  EXPECT_EQ(human_age(7500), "2 h 05 min");
  EXPECT_EQ(human_age(90000), "1 d 01 h");
}

// --- tables: vacuum and analyze figures ----------------------------------------------------

TEST(TablesUpkeep, DeadTuplesAndLastVacuumAndAnalyze) {
  std::string db = "mf_cl_obs_tables";
  fresh_database(db, head_version());
  sql(db, "INSERT INTO megaforce.users (email) SELECT 'u' || i || '@example.com' FROM generate_series(1, 5) i");
  sql(db, "DELETE FROM megaforce.users WHERE email <> 'u1@example.com' AND email <> 'u2@example.com'");
  sql(db, "ANALYZE megaforce.personas");
  sql(db, "VACUUM megaforce.documents");
  json tables = json::parse(mf(db, {"tables", "--json"}).out);
  std::map<std::string, json> by_name;
  for (const json& t : tables) by_name[t["table"]] = t;
  ASSERT_EQ(by_name.count("megaforce.users"), 1u) << tables.dump(2);
  EXPECT_EQ(by_name["megaforce.users"]["dead_tuples"], 3);
  for (const char* key : {"last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze"})
    EXPECT_TRUE(by_name["megaforce.users"].contains(key)) << key;
  EXPECT_TRUE(by_name["megaforce.personas"]["last_analyze"].is_string());
  EXPECT_TRUE(by_name["megaforce.personas"]["last_vacuum"].is_null());
  EXPECT_TRUE(by_name["megaforce.documents"]["last_vacuum"].is_string());

  CliRun run = mf(db, {"tables"});
  EXPECT_EQ(run.exit_code, 0) << run.all();
  for (const char* header : {"dead", "last vacuum", "last analyze"})
    EXPECT_NE(run.out.find(header), std::string::npos) << header;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("megaforce.users ", 0) == 0) {
      EXPECT_NE(line.find(" 3 "), std::string::npos) << line;
    }
    if (line.rfind("megaforce.documents ", 0) == 0) {
      EXPECT_NE(line.find("20"), std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace megaforce::client::test
