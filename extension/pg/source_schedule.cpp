// Input-source schedules in SQL (SPEC §4): next_fire_time(), and the
// input_sources trigger that validates schedule and timezone on every write
// and keeps next_run_at. (The worker that fires them is scheduler.cpp.)
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"
}

#include <optional>
#include <string>

#include "core/cron.hpp"
#include "core/error.hpp"
#include "pg/boundary.hpp"
#include "pg/restore.hpp"
#include "pg/row_access.hpp"
#include "pg/spi.hpp"
#include "pg/timezone.hpp"
#include "pg/row_trigger.hpp"

namespace mpg = megaforce::pg;


// next_fire_time(schedule text, after timestamptz, timezone text default 'UTC')
MF_FUNCTION(megaforce_next_fire_time) {
  std::string schedule = mpg::text_of(PG_GETARG_DATUM(0));
  TimestampTz after = PG_GETARG_TIMESTAMPTZ(1);
  std::string zone = mpg::text_of(PG_GETARG_DATUM(2));
  PG_RETURN_TIMESTAMPTZ(mpg::next_fire(schedule, after, zone));
}

// BEFORE INSERT OR UPDATE on input_sources: schedule and timezone are valid;
// next_run_at is the first fire after now() for a scheduled source (unless
// the statement sets it), recomputed when schedule, timezone or trigger
// change, and null for an unscheduled source.
MF_FUNCTION(megaforce_source_schedule) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "source_schedule");
  TupleDesc desc = trigger->tg_relation->rd_att;
  bool is_update = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event);
  HeapTuple row = is_update ? trigger->tg_newtuple : trigger->tg_trigtuple;
  HeapTuple old_row = is_update ? trigger->tg_trigtuple : nullptr;
  if (!is_update && mpg::restore_mode()) return PointerGetDatum(row);  // restored as it was (issue 20)

  std::optional<std::string> schedule = mpg::text_column(row, desc, "schedule");
  std::string zone_name = mpg::text_column(row, desc, "timezone").value_or("");
  bool scheduled = mpg::text_column(row, desc, "trigger").value_or("") == "schedule";
  mpg::PgTimeZone zone(zone_name);  // validates the zone (22023)
  std::optional<megaforce::cron::Schedule> parsed;
  if (schedule) parsed = megaforce::cron::Schedule::parse(*schedule);  // 22023 naming the field

  bool next_null = false;
  Datum next = mpg::column(row, desc, "next_run_at", &next_null);
  bool statement_sets_next = is_update ? !mpg::same_column(old_row, row, desc, "next_run_at") : !next_null;
  bool inputs_changed = !is_update || !mpg::same_column(old_row, row, desc, "schedule") ||
                        !mpg::same_column(old_row, row, desc, "timezone") ||
                        !mpg::same_column(old_row, row, desc, "trigger");
  if (!scheduled) {
    next_null = true;
  } else if (parsed && inputs_changed && !statement_sets_next) {
    megaforce::cron::UnixSeconds now = mpg::unix_seconds(GetCurrentTransactionStartTimestamp());
    next = TimestampTzGetDatum(mpg::timestamptz_from_unix(parsed->next_after(now, zone)));
    next_null = false;
  } else {
    return PointerGetDatum(row);
  }
  int column = mpg::column_number(desc, "next_run_at");
  return PointerGetDatum(mpg::pg_call(
      [&] { return heap_modify_tuple_by_cols(row, desc, 1, &column, &next, &next_null); }));
}
