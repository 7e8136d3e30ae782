// The measurements shared by health, /metrics and the status page (see
// figures.hpp).
#include "figures.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>

namespace megaforce::client {

const char* const kRunStatuses[5] = {"queued", "running", "succeeded", "failed", "cancelled"};
const char* const kOutputStatuses[7] = {"draft",    "pending_review", "changes_requested", "approved",
                                        "rejected", "published",      "archived"};

namespace {

const char* const kServerSql =
    "SELECT pg_catalog.current_setting('server_version'), pg_catalog.pg_is_in_recovery(), "
    "       (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'megaforce'), "
    "       (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce')";

// The oldest transaction of this database that holds back vacuum: it has a
// transaction id or a snapshot (an idle session in READ COMMITTED holds
// neither). Prepared transactions count too; autovacuum's own do not (other
// vacuums ignore them). Other roles' sessions are visible with pg_monitor.
const char* const kOldestTransactionSql =
    "SELECT COALESCE(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - LEAST("
    "         (SELECT pg_catalog.min(a.xact_start) FROM pg_catalog.pg_stat_activity a "
    "          WHERE a.datname = pg_catalog.current_database() AND a.pid <> pg_catalog.pg_backend_pid() "
    "            AND (a.backend_xid IS NOT NULL OR a.backend_xmin IS NOT NULL) "
    "            AND a.backend_type NOT LIKE 'autovacuum%'), "
    "         (SELECT pg_catalog.min(p.prepared) FROM pg_catalog.pg_prepared_xacts p "
    "          WHERE p.database = pg_catalog.current_database()))), 0)::float8";

// Queued and running runs through their partial indexes: exact, and bounded
// by the runs waiting or working, whatever the number of finished runs.
const char* const kQueueSql =
    "SELECT q.n, GREATEST(COALESCE(EXTRACT(epoch FROM pg_catalog.now() - q.oldest), 0), 0)::float8, "
    "       r.n, r.expired "
    "FROM (SELECT pg_catalog.count(*) AS n, "
    "             pg_catalog.min(run_after) FILTER (WHERE run_after <= pg_catalog.now()) AS oldest "
    "      FROM megaforce.runs WHERE status = 'queued') q, "
    "     (SELECT pg_catalog.count(*) AS n, "
    "             pg_catalog.count(*) FILTER (WHERE lease_expires_at < pg_catalog.now()) AS expired "
    "      FROM megaforce.runs WHERE status = 'running') r";

// Outputs by status, exact: one pass over output_schemas_status_idx (an
// index-only scan once vacuum has marked the pages all-visible). Outputs are
// made and reviewed by people, far fewer than runs; bench/serve.sh measures
// it with 25,000 outputs.
const char* const kOutputsSql = "SELECT status, pg_catalog.count(*) FROM megaforce.output_schemas GROUP BY status";

// How long the oldest output waiting for review has waited: it reads every
// pending output's row (no index has submitted_at), so only the status page
// asks, not a scrape.
const char* const kReviewAgeSql =
    "SELECT GREATEST(COALESCE(EXTRACT(epoch FROM pg_catalog.now() - pg_catalog.min(submitted_at)), 0), 0)::float8 "
    "FROM megaforce.output_schemas WHERE status = 'pending_review'";

const char* const kHasFinishedCountersSql =
    "SELECT pg_catalog.to_regprocedure('megaforce.finished_runs_total()') IS NOT NULL";

const char* const kFinishedCountersSql = "SELECT status, total FROM megaforce.finished_runs_total()";

// Without the counters: the planner's estimate (the most common values of
// runs.status times the table's row estimate), no table access at all.
const char* const kFinishedEstimateSql =
    "SELECT v.status, pg_catalog.round(v.freq * GREATEST(c.reltuples, 0))::bigint "
    "FROM pg_catalog.pg_stats s "
    "JOIN pg_catalog.pg_class c ON c.oid = 'megaforce.runs'::pg_catalog.regclass "
    "CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(s.most_common_vals::text::text[]), "
    "                              pg_catalog.unnest(s.most_common_freqs)) AS v(status, freq) "
    "WHERE s.schemaname = 'megaforce' AND s.tablename = 'runs' AND s.attname = 'status' "
    "  AND v.status IN ('succeeded', 'failed', 'cancelled')";

const char* const kMigrationsSql =
    "SELECT from_version, to_version, "
    "       pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', applied_by "
    "FROM megaforce.migration_log ORDER BY id DESC LIMIT 5";

const char* const kFailedRunsSql =
    "SELECT s.name, r.attempt, pg_catalog.left(COALESCE(r.error, ''), 500), "
    "       pg_catalog.to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
    "FROM megaforce.runs r JOIN megaforce.input_sources s ON s.id = r.input_source_id "
    "WHERE r.status = 'failed' ORDER BY r.finished_at DESC LIMIT 10";

// Runs `step`; a failed query is noted and ends nothing but itself.
void attempt(Snapshot& snap, const Connection& conn, const std::function<void()>& step) {
  if (!conn.ok()) return;
  try {
    step();
  } catch (const DbError& e) {
    snap.errors.push_back(e.what());
  } catch (const std::exception& e) {
    snap.errors.push_back(e.what());
  }
}

}  // namespace

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(ms));
}

std::vector<std::string> scrape_statements() {
  return {kServerSql, kOldestTransactionSql, kQueueSql, kOutputsSql, kFinishedEstimateSql};
}

Snapshot take_snapshot(const Connection* conn, const std::string& connect_error, Detail detail) {
  Snapshot snap;
  snap.time = now_rfc3339();
  if (!conn || !conn->ok()) {
    snap.connect_error = connect_error.empty() ? "no connection" : connect_error;
    return snap;
  }
  // A query on a connection that just broke fails: that is "not connected".
  try {
    auto start = std::chrono::steady_clock::now();
    conn->exec("SELECT 1");
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    snap.response_ms = std::round(ms * 1000) / 1000;
  } catch (const DbError& e) {
    snap.connect_error = e.what();
    return snap;
  }
  snap.connected = true;

  attempt(snap, *conn, [&] {
    Result server = conn->exec(kServerSql);
    snap.server_version = server.text(0, 0);
    snap.recovery = server.boolean(0, 1);
    snap.head = server.optional_text(0, 2);
    snap.installed = server.optional_text(0, 3);
  });
  attempt(snap, *conn, [&] { snap.oldest_transaction_age = conn->exec(kOldestTransactionSql).number(0, 0); });
  if (!snap.installed) return snap;

  attempt(snap, *conn, [&] {
    Result queue = conn->exec(kQueueSql);
    snap.queue = {queue.integer(0, 0), queue.integer(0, 2), queue.integer(0, 3), queue.number(0, 1)};
  });
  if (detail == Detail::kHealth) return snap;

  attempt(snap, *conn, [&] {
    for (const char* status : kOutputStatuses) snap.outputs[status] = 0;
    Result outputs = conn->exec(kOutputsSql);
    for (int i = 0; i < outputs.rows(); ++i) snap.outputs[outputs.text(i, 0)] = outputs.integer(i, 1);
    snap.review_backlog = snap.outputs["pending_review"];
  });
  attempt(snap, *conn, [&] {
    snap.finished_exact = conn->exec(kHasFinishedCountersSql).boolean(0, 0);
    for (const char* status : {"succeeded", "failed", "cancelled"}) snap.finished[status] = 0;
    Result finished = conn->exec(snap.finished_exact ? kFinishedCountersSql : kFinishedEstimateSql);
    for (int i = 0; i < finished.rows(); ++i) snap.finished[finished.text(i, 0)] = finished.integer(i, 1);
  });
  if (detail == Detail::kMetrics) return snap;

  attempt(snap, *conn, [&] { snap.review_oldest_age = conn->exec(kReviewAgeSql).number(0, 0); });
  attempt(snap, *conn, [&] {
    Result log = conn->exec(kMigrationsSql);
    for (int i = 0; i < log.rows(); ++i)
      snap.migrations.push_back({log.optional_text(i, 0), log.text(i, 1), log.text(i, 2), log.text(i, 3)});
  });
  attempt(snap, *conn, [&] {
    Result failed = conn->exec(kFailedRunsSql);
    for (int i = 0; i < failed.rows(); ++i)
      snap.failed_runs.push_back({failed.text(i, 0), failed.text(i, 2), failed.text(i, 3), failed.integer(i, 1)});
  });
  return snap;
}

}  // namespace megaforce::client
