extern "C" {
#include "postgres.h"
#include "miscadmin.h"
#include "utils/guc.h"
}

#include <exception>

#include "core/database_list.hpp"
#include "pg/boundary.hpp"
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
  MarkGUCPrefixReserved("megaforce");
}

bool notify_enabled() { return g_notify; }
const char* actor_id_setting() { return g_actor_id ? g_actor_id : ""; }
const char* comment_setting() { return g_comment ? g_comment : ""; }
const char* databases_setting() { return g_databases ? g_databases : ""; }
int tick_interval_ms() { return g_tick_interval_ms; }

}  // namespace megaforce::pg
