// Retention (SPEC §4 "Retention", issue 20): prune_runs() and the
// scheduler's pruning on its ticks.
//
// Finished runs are found per status through runs_finished_idx, (status,
// finished_at) WHERE status is finished: each status is one index range read
// oldest first, so a batch reads its rows and the referenced runs before
// them, never the queue. Runs that a document or an output references are
// kept (they are provenance); the candidates are locked FOR UPDATE SKIP
// LOCKED and checked again under the lock, so a run retried or referenced
// meanwhile stays, and pruning never waits for a worker.
//
// The scheduler remembers, per status, where the runs before the cutoff were
// all kept (referenced): later ticks start there, less five minutes (a run
// finished in a transaction that started earlier commits late), instead of
// reading the kept runs again. It forgets that every hour, so a run whose
// document went meanwhile is pruned too, and whenever the settings are
// reloaded or a tick was skipped (restore mode, a migration).
extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

#include <algorithm>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/run_prune.hpp"
#include "pg/run_queue.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

namespace mpg = megaforce::pg;

namespace {

constexpr int32 kMaxRows = 100000;

// The oldest prunable runs of one status: finished before $1, at or after
// $2, not referenced; at most $3, oldest first.
#define MF_PRUNE_CANDIDATES(status)                                                            \
  "SELECT r.id, r.finished_at FROM megaforce.runs r "                                          \
  "WHERE r.status = '" status "' AND r.finished_at < $1 AND r.finished_at >= $2 "              \
  "AND NOT EXISTS (SELECT FROM megaforce.documents d WHERE d.run_id = r.id) "                  \
  "AND NOT EXISTS (SELECT FROM megaforce.output_schemas o WHERE o.run_id = r.id) "             \
  "ORDER BY r.finished_at LIMIT $3"
mpg::KeptPlan g_candidates[] = {
    {MF_PRUNE_CANDIDATES("succeeded"), 3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID}},
    {MF_PRUNE_CANDIDATES("cancelled"), 3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID}},
    {MF_PRUNE_CANDIDATES("failed"), 3, {TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID}},
};
#undef MF_PRUNE_CANDIDATES

// The chosen candidates, locked without waiting and checked again under the
// lock (still finished before the cutoff, still unreferenced), deleted.
mpg::KeptPlan g_delete{
    "WITH doomed AS ("
    "  SELECT r.id FROM megaforce.runs r "
    "  WHERE r.id = ANY ($1) AND r.status IN ('succeeded', 'failed', 'cancelled') AND r.finished_at < $2 "
    "  AND NOT EXISTS (SELECT FROM megaforce.documents d WHERE d.run_id = r.id) "
    "  AND NOT EXISTS (SELECT FROM megaforce.output_schemas o WHERE o.run_id = r.id) "
    "  FOR UPDATE SKIP LOCKED) "
    "DELETE FROM megaforce.runs r USING doomed WHERE r.id = doomed.id",
    2, {UUIDARRAYOID, TIMESTAMPTZOID}};

struct Candidate {
  TimestampTz finished_at;
  Datum id;        // uuid, in the caller's memory context
  int status = 0;  // StatusIndex, for the scheduler's watermarks
};

// One status's range read (inside SPI): appends its candidates; returns
// whether the range held fewer than `limit` (it is exhausted).
bool read_candidates(mpg::KeptPlan& plan, TimestampTz cutoff, TimestampTz from, int32 limit,
                     std::vector<Candidate>* out) {
  Datum args[3] = {TimestampTzGetDatum(cutoff), TimestampTzGetDatum(from), Int32GetDatum(limit)};
  uint64 rows = mpg::execute(plan, args, nullptr, false);
  for (uint64 i = 0; i < rows; ++i) {
    bool is_null = false;
    HeapTuple row = SPI_tuptable->vals[i];
    TupleDesc desc = SPI_tuptable->tupdesc;
    Candidate c;
    c.id = mpg::uuid_datum(mpg::uuid_of(SPI_getbinval(row, desc, 1, &is_null)));
    c.finished_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 2, &is_null));
    out->push_back(c);
  }
  return rows < static_cast<uint64>(limit);
}

// Deletes the oldest `limit` of `candidates` (inside SPI); returns how many went.
int64 delete_oldest(std::vector<Candidate>& candidates, TimestampTz cutoff, int32 limit) {
  if (candidates.empty()) return 0;
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.finished_at < b.finished_at; });
  if (candidates.size() > static_cast<size_t>(limit)) candidates.resize(limit);
  std::vector<Datum> ids;
  ids.reserve(candidates.size());
  for (const Candidate& c : candidates) ids.push_back(c.id);
  ArrayType* array = mpg::pg_call([&] {
    return construct_array(ids.data(), static_cast<int>(ids.size()), UUIDOID, 16, false, TYPALIGN_CHAR);
  });
  Datum args[2] = {PointerGetDatum(array), TimestampTzGetDatum(cutoff)};
  return static_cast<int64>(mpg::execute(g_delete, args, nullptr, false));
}

enum StatusIndex { kSucceeded = 0, kCancelled = 1, kFailed = 2 };

// Where the scheduler's next read of each status starts (see the top).
TimestampTz g_watermark[3] = {DT_NOBEGIN, DT_NOBEGIN, DT_NOBEGIN};
TimestampTz g_watermarks_since = 0;
constexpr int64 kWatermarkLifetimeUsec = USECS_PER_HOUR;
constexpr int64 kWatermarkSlackUsec = 5 * USECS_PER_MINUTE;

}  // namespace

// prune_runs(older_than interval default '30 days', max_rows int default
// 10000) returns integer: the oldest finished, unreferenced runs that
// finished before now() - older_than, at most max_rows; how many went.
MF_WRITE_FUNCTION(megaforce_prune_runs, "prune_runs") {
  const Interval* older_than = PG_GETARG_INTERVAL_P(0);
  int32 max_rows = PG_GETARG_INT32(1);
  int64 usec = mpg::runq::interval_usec(older_than);
  if (usec < 0) throw megaforce::invalid_parameter("older_than must not be negative");
  if (max_rows < 1 || max_rows > kMaxRows)
    throw megaforce::invalid_parameter("max_rows must lie between 1 and 100000, not " + std::to_string(max_rows));
  TimestampTz cutoff = GetCurrentTransactionStartTimestamp() - usec;
  int64 deleted = mpg::with_spi([&] {
    std::vector<Candidate> candidates;
    for (mpg::KeptPlan& plan : g_candidates) read_candidates(plan, cutoff, DT_NOBEGIN, max_rows, &candidates);
    return delete_oldest(candidates, cutoff, max_rows);
  });
  PG_RETURN_INT32(static_cast<int32>(deleted));
}

namespace megaforce::pg {

void prune_forget() { g_watermarks_since = 0; }

int64 prune_batch(int32 max_rows, bool* more, bool* far_behind) {
  return guarded_call([&]() -> int64 {
    *more = false;
    *far_behind = false;
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    if (g_watermarks_since == 0 || now - g_watermarks_since > kWatermarkLifetimeUsec) {
      std::fill(std::begin(g_watermark), std::end(g_watermark), DT_NOBEGIN);
      g_watermarks_since = now;
    }
    struct Class {
      int64 retention_usec;
      std::vector<int> statuses;
    };
    const Class classes[] = {{run_retention_usec(), {kSucceeded, kCancelled}},
                             {failed_run_retention_usec(), {kFailed}}};
    int64 deleted = 0;
    // What SET search_path does for the SQL functions: the worker's own
    // path must not decide which operators these plans use.
    int nest = pg_call([] {
      int level = NewGUCNestLevel();
      set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
                        0, false);
      return level;
    });
    with_spi([&] {
      for (const Class& c : classes) {
        if (c.retention_usec <= 0) continue;  // 0: kept forever
        TimestampTz cutoff = now - c.retention_usec;
        std::vector<Candidate> candidates;
        TimestampTz next_watermark[3];
        bool exhausted[3] = {false, false, false};
        for (int s : c.statuses) {
          size_t first = candidates.size();
          exhausted[s] = read_candidates(g_candidates[s], cutoff, g_watermark[s], max_rows, &candidates);
          for (size_t i = first; i < candidates.size(); ++i) candidates[i].status = s;
          // Everything before the first candidate is kept.
          next_watermark[s] = first < candidates.size() ? candidates[first].finished_at : g_watermark[s];
        }
        size_t read_of[3] = {0, 0, 0};
        for (const Candidate& k : candidates) ++read_of[k.status];
        size_t taken = std::min(candidates.size(), static_cast<size_t>(max_rows));
        if (candidates.size() > taken) *more = true;
        int64 gone = delete_oldest(candidates, cutoff, max_rows);  // sorts, keeps the taken
        if (gone > 0 && cutoff - candidates.front().finished_at > c.retention_usec) *far_behind = true;
        // The candidates taken are gone too (when all went, below): the next
        // read starts at the last of them; a status that held fewer than
        // asked for, and all taken, starts at the cutoff (less the slack).
        size_t taken_of[3] = {0, 0, 0};
        for (size_t i = 0; i < taken; ++i) {
          next_watermark[candidates[i].status] = candidates[i].finished_at;
          ++taken_of[candidates[i].status];
        }
        for (int s : c.statuses)
          if (exhausted[s] && taken_of[s] == read_of[s]) next_watermark[s] = cutoff - kWatermarkSlackUsec;
        if (gone == max_rows) *more = true;
        // A candidate left (locked by someone, or changed meanwhile) is read
        // again next time: the watermarks move only when every one went.
        if (static_cast<size_t>(gone) == taken)
          for (int s : c.statuses) g_watermark[s] = next_watermark[s];
        deleted += gone;
      }
      return 0;
    });
    pg_call([&] { AtEOXact_GUC(true, nest); });
    return deleted;
  });
}

}  // namespace megaforce::pg
