// pre_restore() / post_restore() (SPEC §8, issue 20): see pg/restore.hpp.
//
// megaforce.restoring is SUSET: a session cannot switch the triggers' checks
// off by itself. The two functions are SECURITY DEFINER (owned by the
// superuser who installed megaforce) and let in only the database owner (or a
// superuser), so the owner restores without being superuser: the setting is
// made with ALTER DATABASE (pg_restore's sessions start with it) and in the
// calling session.
extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/restore.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

using megaforce::Error;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;

namespace megaforce::pg {

void refuse_restore(const std::string& what) {
  throw Error(sqlstate::kObjectNotInPrerequisiteState,
              "megaforce: this looks like a restore of a megaforce database outside restore mode; "
              "run SELECT megaforce.pre_restore() before pg_restore and SELECT megaforce.post_restore() after it",
              what,
              "As the database owner, where megaforce is installed: SELECT megaforce.pre_restore(); then "
              "pg_restore --single-transaction (leaving out the dump's megaforce schema and extension entries, "
              "which exist already: README \"Backup and restore\"); then SELECT * FROM megaforce.post_restore(); "
              "which lists any problem in the restored rows. A superuser restoring into a fresh database may "
              "instead run pg_restore with PGOPTIONS='-c megaforce.restoring=on', then post_restore().");
}

bool database_restore_mode() {
  static KeptPlan set_for_database{
      "SELECT 1 FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) c "
      "WHERE s.setdatabase = $1 AND s.setrole = 0 AND pg_catalog.split_part(c, '=', 1) = 'megaforce.restoring' "
      "AND pg_catalog.substr(c, 21)::pg_catalog.bool",
      1, {OIDOID}};
  static LocalTransactionId checked_in = InvalidLocalTransactionId;
  static bool on = false;
  if (MyProc->lxid != checked_in) {
    Datum database = ObjectIdGetDatum(MyDatabaseId);
    on = with_spi([&] { return execute(set_for_database, &database, nullptr, true, 1); }) > 0;
    checked_in = MyProc->lxid;
  }
  return on;
}

bool statement_is_copy() {
  const char* sql = debug_query_string;
  if (!sql) return false;
  while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r') ++sql;
  return pg_strncasecmp(sql, "copy", 4) == 0 && (sql[4] == ' ' || sql[4] == '\t' || sql[4] == '\n');
}

}  // namespace megaforce::pg

namespace {

// The caller (the role outside this SECURITY DEFINER function) must own the
// database, or be a member of its owner, or a superuser.
void require_database_owner(const char* function) {
  Oid caller = GetOuterUserId();
  bool allowed = mpg::pg_call([&] { return pg_database_ownercheck(MyDatabaseId, caller); });
  if (!allowed)
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string("megaforce.") + function + "() is for the owner of the database", {},
                "Connect as the database owner (or a member of its role) to restore.");
}

// ALTER DATABASE <this one> SET/RESET megaforce.restoring, and the same for
// this session.
void set_restoring(bool on) {
  std::string database = mpg::pg_call([] { return get_database_name(MyDatabaseId); });
  std::string quoted = mpg::pg_call([&] { return quote_identifier(database.c_str()); });
  std::string alter = "ALTER DATABASE " + quoted +
                      (on ? " SET megaforce.restoring = on" : " RESET megaforce.restoring");
  mpg::with_spi([&] {
    mpg::pg_call([&] {
      if (SPI_execute(alter.c_str(), false, 0) < 0) elog(ERROR, "megaforce: %s failed", alter.c_str());
      if (SPI_execute(on ? "SELECT pg_catalog.set_config('megaforce.restoring', 'on', false)"
                         : "SELECT pg_catalog.set_config('megaforce.restoring', 'off', false)",
                      false, 0) < 0)
        elog(ERROR, "megaforce: setting megaforce.restoring failed");
    });
    return 0;
  });
}

// What restore mode did not check, one row per problem: the run invariants
// (one queued and one running run per source; each status with the state
// columns it implies), the workflow columns of each output status, the
// schedules, and every history chain (verify_history()).
mpg::KeptPlan g_problems{
    "SELECT 'runs'::text, input_source_id::text, "
    "       'input source has ' || count(*) || ' ' || status || ' runs (at most one)' "
    "FROM megaforce.runs WHERE status IN ('queued', 'running') GROUP BY input_source_id, status "
    "HAVING count(*) > 1 "
    "UNION ALL "
    "SELECT 'runs', id::text, problem FROM ("
    "  SELECT id, CASE "
    "    WHEN status = 'queued' AND (finished_at IS NOT NULL OR lease_token IS NOT NULL "
    "         OR lease_expires_at IS NOT NULL OR claimed_by IS NOT NULL) "
    "      THEN 'queued run with a finish time, a lease or a worker' "
    "    WHEN status = 'running' AND (started_at IS NULL OR finished_at IS NOT NULL OR lease_token IS NULL "
    "         OR lease_expires_at IS NULL OR attempt < 1) "
    "      THEN 'running run without a start, a lease or an attempt, or with a finish time' "
    "    WHEN status IN ('succeeded', 'failed') AND (started_at IS NULL OR finished_at IS NULL "
    "         OR finished_at < started_at OR lease_expires_at IS NOT NULL OR attempt < 1) "
    "      THEN status || ' run without a start or finish time (or finished before it started), "
    "with a live lease or without an attempt' "
    "    WHEN status = 'cancelled' AND (finished_at IS NULL OR lease_expires_at IS NOT NULL) "
    "      THEN 'cancelled run without a finish time or with a live lease' "
    "    END AS problem "
    "  FROM megaforce.runs) r WHERE problem IS NOT NULL "
    "UNION ALL "
    "SELECT 'output_schemas', id::text, problem FROM ("
    "  SELECT id, CASE "
    "    WHEN status = 'pending_review' AND submitted_at IS NULL THEN 'pending_review output without submitted_at' "
    "    WHEN status IN ('approved', 'changes_requested', 'rejected') "
    "         AND (reviewed_at IS NULL OR reviewed_by IS NULL) "
    "      THEN status || ' output without reviewed_at or reviewed_by' "
    "    WHEN status = 'published' AND published_at IS NULL THEN 'published output without published_at' "
    "    END AS problem "
    "  FROM megaforce.output_schemas) o WHERE problem IS NOT NULL "
    "UNION ALL "
    "SELECT 'input_sources', id::text, 'active scheduled source without next_run_at (it would never fire)' "
    "FROM megaforce.input_sources WHERE trigger = 'schedule' AND is_active AND next_run_at IS NULL "
    "UNION ALL "
    "SELECT 'approval_history', output_id::text, "
    "       coalesce('history row ' || history_id || ': ', '') || problem "
    "FROM megaforce.verify_history() "
    "ORDER BY 1, 2, 3",
    0, {}};

}  // namespace

// pre_restore() returns void: restore mode on for this database.
MF_WRITE_FUNCTION(megaforce_pre_restore, "pre_restore") {
  require_database_owner("pre_restore");
  set_restoring(true);
  mpg::pg_call([] {
    ereport(NOTICE, (errmsg("megaforce is in restore mode for this database: its triggers accept restored rows "
                            "as they are"),
                     errhint("Run pg_restore now (in new sessions), then SELECT * FROM megaforce.post_restore();")));
  });
  PG_RETURN_VOID();
}

// post_restore() returns table (table_name text, row_id text, problem text):
// restore mode off; then every problem found in the restored rows.
MF_WRITE_FUNCTION(megaforce_post_restore, "post_restore") {
  require_database_owner("post_restore");
  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  set_restoring(false);
  mpg::with_spi([&] {
    uint64 rows = mpg::execute(g_problems, nullptr, nullptr, true);
    for (uint64 i = 0; i < rows; ++i) {
      Datum values[3];
      bool nulls[3];
      for (int c = 0; c < 3; ++c)
        values[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
      mpg::pg_call([&] { tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls); });
    }
    return 0;
  });
  return Datum(0);
}
