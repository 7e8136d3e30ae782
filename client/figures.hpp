// What `health`, `serve`'s /health, /metrics and the status page measure, in
// one place: a Snapshot of the database taken over one connection. Every
// query here reads indexes and statistics only (the partial indexes of
// queued and running runs, pg_stat_activity, pg_class): the cost of a
// snapshot does not grow with finished runs or with approval_history.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pg.hpp"

namespace megaforce::client {

// How much a snapshot measures: /health needs less than the status page.
enum class Detail { kHealth, kMetrics, kPage };

struct QueueFigures {
  long long queued = 0;
  long long running = 0;
  long long expired_leases = 0;
  double oldest_queued_age = 0;  // s, the oldest due queued run (0: none due)
};

struct Migration {
  std::optional<std::string> from;
  std::string to, applied_at, applied_by;
};

struct FailedRun {
  std::string source, error, finished_at;
  long long attempt = 0;
};

struct Snapshot {
  bool connected = false;
  std::string connect_error;        // why not connected
  std::vector<std::string> errors;  // queries that failed while connected
  std::string time;                 // RFC 3339, when it was taken

  double response_ms = 0;  // one round trip of SELECT 1
  std::string server_version;
  bool recovery = false;
  std::optional<std::string> installed, head;
  double oldest_transaction_age = 0;  // s, 0 when none holds back vacuum

  // With the extension installed:
  QueueFigures queue;
  std::map<std::string, long long> outputs;  // every output status, 0 included
  long long review_backlog = 0;              // outputs in pending_review
  double review_oldest_age = 0;              // s, since the oldest was submitted (kPage)
  // Finished runs: exact counters (megaforce.finished_runs_total(), when the
  // installed version has it), else the planner's estimate from statistics.
  std::map<std::string, long long> finished;
  bool finished_exact = false;
  std::vector<Migration> migrations;  // newest first (kPage)
  std::vector<FailedRun> failed_runs; // newest first (kPage)

  bool measured() const { return connected && errors.empty(); }
};

extern const char* const kRunStatuses[5];     // queued, running, succeeded, failed, cancelled
extern const char* const kOutputStatuses[7];  // draft ... archived

// Measures over `conn`; null or broken `conn` = not connected, with
// `connect_error` saying why. Never throws for a failed query: it is noted
// in `errors`.
Snapshot take_snapshot(const Connection* conn, const std::string& connect_error, Detail detail);

// The statements a /metrics scrape runs on a database at head, for tests
// that EXPLAIN them.
std::vector<std::string> scrape_statements();

std::string now_rfc3339();

}  // namespace megaforce::client
