extern "C" {
#include "postgres.h"
#include "miscadmin.h"
#include "utils/datetime.h"
#include "utils/guc.h"
}

#include <exception>

#include "core/database_list.hpp"
#include "pg/boundary.hpp"
#include "pg/run_queue.hpp"
#include "pg/settings.hpp"

namespace megaforce::pg {

namespace {
bool g_notify = true;
char* g_actor_id = nullptr;
char* g_comment = nullptr;
char* g_databases = nullptr;
int g_tick_interval_ms = 1000;

// megaforce.databases is checked when it is set, so a bad list stops the
// server at startup with a clear message instead of starting no scheduler.
// A GUC hook is called from C: no exception leaves it, and the detail is
// reported (which allocates, and may raise) only once the exception is gone.
bool check_databases(char** value, void**, GucSource) {
  char problem[512] = "";
  try {
    megaforce::parse_database_list(*value ? *value : "");
  } catch (const std::exception& e) {
    detail::copy_text(problem, sizeof problem, e.what());
  } catch (...) {
    detail::copy_text(problem, sizeof problem, "unknown error");
  }
  if (problem[0] == '\0') return true;
  GUC_check_errdetail("%s", problem);
  return false;
}
}  // namespace

// Retention and restore (issue 20) ------------------------------------------
namespace {
char* g_run_retention = nullptr;
char* g_failed_run_retention = nullptr;
int64 g_run_retention_usec = 0;
int64 g_failed_run_retention_usec = 0;
bool g_restoring = false;
int g_restoring_source = PGC_S_DEFAULT;  // where megaforce.restoring's value came from

// megaforce.restoring remembers its source (the assign hook gets none): a
// value from ALTER DATABASE is checked against the catalog (pg/restore.cpp).
bool check_restoring(bool*, void** extra, GucSource source) {
  auto* stored = static_cast<int*>(malloc(sizeof(int)));  // GUC extra: malloc, freed by guc.c
  if (!stored) return false;
  *stored = source;
  *extra = stored;
  return true;
}
void assign_restoring(bool, void* extra) { g_restoring_source = extra ? *static_cast<int*>(extra) : PGC_S_DEFAULT; }

// An interval setting ('30 days', '1 min', 'P90D'; '0' = keep forever),
// parsed without ereport (the check hook also runs in the postmaster): its
// length in microseconds, a month counting 30 days, goes to *extra.
bool check_retention(char** value, void** extra, GucSource) {
  const char* text = *value ? *value : "";
  char work[MAXDATELEN + 1];
  char* fields[MAXDATEFIELDS];
  int types[MAXDATEFIELDS];
  int count = 0, type = 0;
  struct pg_itm_in itm;
  Interval span;
  int error = ParseDateTime(text, work, sizeof work, fields, types, MAXDATEFIELDS, &count);
  if (error == 0) error = DecodeInterval(fields, types, count, INTERVAL_FULL_RANGE, &type, &itm);
  if (error == DTERR_BAD_FORMAT) error = DecodeISO8601Interval(const_cast<char*>(text), &type, &itm);
  if (error != 0 || type != DTK_DELTA || itmin2interval(&itm, &span) != 0) {
    GUC_check_errdetail("\"%s\" is not an interval (for example '30 days'; '0' keeps runs forever).", text);
    return false;
  }
  int64 usec = runq::interval_usec(&span);
  if (usec < 0) {
    GUC_check_errdetail("A retention cannot be negative ('0' keeps runs forever).");
    return false;
  }
  auto* stored = static_cast<int64*>(malloc(sizeof(int64)));  // GUC extra: malloc, freed by guc.c
  if (!stored) return false;
  *stored = usec;
  *extra = stored;
  return true;
}
void assign_run_retention(const char*, void* extra) { g_run_retention_usec = *static_cast<int64*>(extra); }
void assign_failed_run_retention(const char*, void* extra) {
  g_failed_run_retention_usec = *static_cast<int64*>(extra);
}

void define_retention_settings() {
  DefineCustomStringVariable("megaforce.run_retention",
                             "How long succeeded and cancelled runs are kept (an interval; 0 = forever).",
                             "The scheduler deletes older ones in short batches (docs/operations.md, Retention).",
                             &g_run_retention, "30 days", PGC_SUSET, 0, check_retention,
                             assign_run_retention, nullptr);
  DefineCustomStringVariable("megaforce.failed_run_retention",
                             "How long failed runs are kept (an interval; 0 = forever).",
                             "The scheduler deletes older ones in short batches (docs/operations.md, Retention).",
                             &g_failed_run_retention, "90 days", PGC_SUSET, 0, check_retention,
                             assign_failed_run_retention, nullptr);
  // Set by megaforce.pre_restore() for the database (ALTER DATABASE ... SET),
  // so that pg_restore's own sessions see it; SUSET so that no session can
  // switch the triggers' checks off by itself.
  DefineCustomBoolVariable("megaforce.restoring",
                           "The triggers accept restored rows as they were (set by megaforce.pre_restore()).",
                           "Ended by megaforce.post_restore(), which checks what the triggers did not.",
                           &g_restoring, false, PGC_SUSET, 0, check_restoring, assign_restoring, nullptr);
}
}  // namespace

int64 run_retention_usec() { return g_run_retention_usec; }
int64 failed_run_retention_usec() { return g_failed_run_retention_usec; }
bool restoring() { return g_restoring; }
bool restoring_from_database() { return g_restoring_source == PGC_S_DATABASE; }

void define_settings() {
  DefineCustomBoolVariable(
      "megaforce.notify",
      "Sends NOTIFY megaforce_outputs / megaforce_runs for committed changes.",
      "Turn off for sessions nobody listens to: PostgreSQL serializes the "
      "commits of notifying transactions.",
      &g_notify, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  // The actor and comment of a plain UPDATE of output_schemas (SPEC §3),
  // meant to be set with SET LOCAL; validated where they are used, so that a
  // bad value is refused with the workflow's SQLSTATE (42501), not at SET.
  DefineCustomStringVariable("megaforce.actor_id",
                             "The user (uuid) acting in this transaction's workflow changes.",
                             nullptr, &g_actor_id, "", PGC_USERSET, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomStringVariable("megaforce.comment",
                             "The comment recorded with this transaction's workflow changes.",
                             nullptr, &g_comment, "", PGC_USERSET, 0, nullptr, nullptr,
                             nullptr);
  // The scheduler (pg/scheduler.cpp). Its database list can only be read
  // at server start, and PostgreSQL allows a PGC_POSTMASTER setting to be
  // defined only then: it exists when megaforce is in shared_preload_libraries.
  if (process_shared_preload_libraries_in_progress)
    DefineCustomStringVariable("megaforce.databases",
                               "Databases whose schedules and leases the megaforce scheduler keeps (comma list).",
                               "One background worker per database; needs megaforce in shared_preload_libraries.",
                               &g_databases, "", PGC_POSTMASTER, 0, check_databases, nullptr, nullptr);
  DefineCustomIntVariable("megaforce.tick_interval",
                          "How often the scheduler enqueues due runs and reaps expired leases.", nullptr,
                          &g_tick_interval_ms, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr,
                          nullptr);
  define_retention_settings();
  MarkGUCPrefixReserved("megaforce");
}

bool notify_enabled() { return g_notify; }
const char* actor_id_setting() { return g_actor_id ? g_actor_id : ""; }
const char* comment_setting() { return g_comment ? g_comment : ""; }
const char* databases_setting() { return g_databases ? g_databases : ""; }
int tick_interval_ms() { return g_tick_interval_ms; }

}  // namespace megaforce::pg
