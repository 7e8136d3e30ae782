// The one enforcement point of the run state machine (SPEC §4): row triggers
// on runs, for the queue functions and plain INSERT/UPDATE alike.
//
//  run_state_before (BEFORE INSERT OR UPDATE): a new run is queued, for an
//    active source, with the source's max_attempts unless given; a status
//    change must be legal (extension/core/runs) and keeps the state columns
//    (attempt, started_at, finished_at, the lease); without a status change
//    those columns keep their values, the others change freely; updated_at
//    is kept here as well.
//  run_state_after (AFTER INSERT, and from 1.2 AFTER UPDATE): NOTIFY for a
//    new run and for a run's state change, and from 1.2 the counter of
//    finished runs (run_counters), once the row is written: an
//    INSERT ... ON CONFLICT DO NOTHING may skip the insert, and a later
//    BEFORE trigger (a user's) may skip the update by returning NULL.
//
// Versions 1.0 and 1.1 have no AFTER UPDATE trigger on runs: there the
// BEFORE trigger notifies of state changes itself. From 1.2 it is created
// with the argument 'after_update_notifies' and leaves that to the AFTER
// UPDATE trigger runs_state_after_update.
extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <cstring>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/runs.hpp"
#include "core/uuid.hpp"
#include "pg/boundary.hpp"
#include "pg/restore.hpp"
#include "pg/row_access.hpp"
#include "pg/run_counters.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/row_trigger.hpp"
#include "pg/strong_random.hpp"

namespace rs = megaforce::runs;
using megaforce::Error;
using megaforce::Uuid;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;

namespace {

// The default lease of a run set running without one (a plain UPDATE).
constexpr int64 kDefaultLeaseUsec = 5 * USECS_PER_MINUTE;

mpg::KeptPlan g_source{"SELECT is_active, max_attempts FROM megaforce.input_sources WHERE id = $1", 1,
                       {UUIDOID}};

Uuid fresh_token() {
  Uuid token{};
  mpg::strong_random(token.data(), token.size());
  token[6] = (token[6] & 0x0f) | 0x40;  // version 4
  token[8] = (token[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return token;
}

void notify(const Uuid& run, const Uuid& source, std::optional<rs::Status> from, rs::Status to) {
  if (!mpg::notify_enabled()) return;
  std::string payload =
      rs::notification(megaforce::to_string(run), megaforce::to_string(source), from, to);
  mpg::pg_call([&] { Async_Notify("megaforce_runs", payload.c_str()); });
}

HeapTuple before_insert(HeapTuple row, TupleDesc desc) {
  std::string status = mpg::text_column(row, desc, "status").value_or("queued");
  // Outside restore mode (issue 20), a run that already ran, as a dump
  // carries it, is refused with what to run instead.
  bool started_null = true, finished_null = true;
  mpg::column(row, desc, "started_at", &started_null);
  mpg::column(row, desc, "finished_at", &finished_null);
  if (status != "queued" && !(started_null && finished_null))
    mpg::refuse_restore("run " + megaforce::to_string(mpg::uuid_column(row, desc, "id").value_or(Uuid{})) +
                        " arrives " + status + " with its timestamps, as a dump carries it");
  if (status != "queued")
    throw Error(sqlstate::kObjectNotInPrerequisiteState, "a new run starts as queued, not " + status, {},
                "Use enqueue_run(), or INSERT with status queued (the default).");
  std::optional<Uuid> source = mpg::uuid_column(row, desc, "input_source_id");
  mpg::RowChanges changes(desc);
  if (source) {
    bool found = mpg::with_spi([&] {
      Datum args[1] = {mpg::uuid_datum(*source)};
      if (mpg::execute(g_source, args, nullptr, false, 1) == 0) return false;
      bool is_null = false;
      bool active = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
      if (!active)
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "input source " + megaforce::to_string(*source) + " is inactive");
      if (!mpg::int_column(row, desc, "max_attempts"))
        changes.set("max_attempts", SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &is_null));
      return true;
    });
    if (!found)
      throw Error(sqlstate::kForeignKeyViolation,
                  "input source " + megaforce::to_string(*source) + " does not exist");
  }
  changes.set("attempt", Int32GetDatum(0));
  for (const char* name : {"started_at", "finished_at", "lease_token", "lease_expires_at", "claimed_by"})
    changes.set_null(name);
  return changes.apply(row);
}

// Whether the runs trigger calling run_state_before leaves the notification
// of state changes to the AFTER UPDATE trigger (from 1.2).
bool after_update_notifies(const Trigger* trigger) {
  return trigger->tgnargs >= 1 && std::strcmp(trigger->tgargs[0], "after_update_notifies") == 0;
}

HeapTuple before_update(HeapTuple old_row, HeapTuple new_row, TupleDesc desc, bool notify_here) {
  mpg::RowChanges changes(desc);
  // updated_at too: one trigger call per row instead of two on the queue's hot path.
  changes.set("updated_at", mpg::transaction_now_datum());
  std::string old_status = mpg::text_column(old_row, desc, "status").value_or("");
  std::string new_status = mpg::text_column(new_row, desc, "status").value_or("");
  if (new_status == old_status) {
    // Not a state change: the state columns keep their values.
    for (const char* name : {"attempt", "started_at", "finished_at", "lease_token", "claimed_by"})
      changes.copy_from(old_row, name);
    return changes.apply(new_row);
  }
  Uuid id = *mpg::uuid_column(old_row, desc, "id");
  std::optional<rs::Status> from = rs::parse_status(old_status);
  if (!from) throw Error(sqlstate::kInternalError, "run " + megaforce::to_string(id) + " has no valid status");
  rs::Status to = rs::check_transition(megaforce::to_string(id), *from, new_status);

  int32 attempt = mpg::int_column(old_row, desc, "attempt").value_or(0);
  switch (to) {
    case rs::Status::kRunning: {
      changes.set("attempt", Int32GetDatum(attempt + 1));
      changes.set("started_at", mpg::transaction_now_datum());
      changes.set_null("finished_at");
      changes.set("lease_token", mpg::uuid_datum(fresh_token()));
      bool lease_null = false;
      mpg::column(new_row, desc, "lease_expires_at", &lease_null);
      if (lease_null || mpg::same_column(old_row, new_row, desc, "lease_expires_at"))
        changes.set("lease_expires_at",
                    TimestampTzGetDatum(GetCurrentTransactionStartTimestamp() + kDefaultLeaseUsec));
      break;
    }
    case rs::Status::kQueued:
      if (*from == rs::Status::kFailed) changes.set("attempt", Int32GetDatum(0));  // a manual retry
      changes.set("queued_at", mpg::transaction_now_datum());
      changes.set_null("finished_at");
      for (const char* name : {"lease_token", "lease_expires_at", "claimed_by"}) changes.set_null(name);
      break;
    case rs::Status::kSucceeded:
    case rs::Status::kFailed:
    case rs::Status::kCancelled:
      // The token stays: presenting it again is refused as "already finished".
      changes.copy_from(old_row, "lease_token");
      changes.set("finished_at", mpg::transaction_now_datum());
      changes.set_null("lease_expires_at");
      break;
  }
  if (notify_here) notify(id, *mpg::uuid_column(new_row, desc, "input_source_id"), *from, to);
  return changes.apply(new_row);
}

}  // namespace

MF_FUNCTION(megaforce_run_state_before) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "run_state_before");
  TupleDesc desc = trigger->tg_relation->rd_att;
  // Restore mode (issue 20): restored rows are kept as they were.
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event) && mpg::restore_mode())
    return PointerGetDatum(trigger->tg_trigtuple);
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event))
    return PointerGetDatum(before_insert(trigger->tg_trigtuple, desc));
  if (TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
    return PointerGetDatum(before_update(trigger->tg_trigtuple, trigger->tg_newtuple, desc,
                                         !after_update_notifies(trigger->tg_trigger)));
  throw Error(sqlstate::kInternalError, "run_state_before() fires on INSERT or UPDATE only");
}

// The AFTER row trigger of the run state machine: what follows a written row.
MF_FUNCTION(megaforce_run_state_after) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "run_state_after");
  if (!TRIGGER_FIRED_AFTER(trigger->tg_event))
    throw Error(sqlstate::kInternalError, "run_state_after() must be an AFTER trigger");
  TupleDesc desc = trigger->tg_relation->rd_att;
  if (mpg::restore_mode()) return PointerGetDatum(nullptr);  // a restored run is not news (issue 20)
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event)) {
    HeapTuple row = trigger->tg_trigtuple;
    notify(*mpg::uuid_column(row, desc, "id"), *mpg::uuid_column(row, desc, "input_source_id"), std::nullopt,
           rs::Status::kQueued);
  } else if (TRIGGER_FIRED_BY_UPDATE(trigger->tg_event)) {
    // The BEFORE trigger has checked the transition; this only reports it.
    HeapTuple old_row = trigger->tg_trigtuple;
    HeapTuple new_row = trigger->tg_newtuple;
    std::optional<rs::Status> from = rs::parse_status(mpg::text_column(old_row, desc, "status").value_or(""));
    std::optional<rs::Status> to = rs::parse_status(mpg::text_column(new_row, desc, "status").value_or(""));
    if (from && to && *from != *to) {
      notify(*mpg::uuid_column(new_row, desc, "id"), *mpg::uuid_column(new_row, desc, "input_source_id"), *from,
             *to);
      mpg::pg_call([&] { mpg::count_finished_run(*to); });
    }
  } else {
    throw Error(sqlstate::kInternalError, "run_state_after() fires on INSERT or UPDATE only");
  }
  return PointerGetDatum(nullptr);
}
