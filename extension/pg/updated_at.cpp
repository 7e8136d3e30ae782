// touch_updated_at(): BEFORE UPDATE row trigger keeping `updated_at` (SPEC §2).
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include "pg/boundary.hpp"
#include "pg/row_access.hpp"
#include "pg/row_trigger.hpp"

// Sets updated_at to the transaction's timestamp (what `now()` returns, the
// column's default), whatever the UPDATE wrote there.
MF_FUNCTION(megaforce_touch_updated_at) {
  TriggerData* trigger = megaforce::pg::row_trigger(fcinfo, "touch_updated_at");
  if (!TRIGGER_FIRED_BEFORE(trigger->tg_event) || !TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
    throw megaforce::Error(megaforce::sqlstate::kInternalError,
                           "touch_updated_at() must fire BEFORE UPDATE FOR EACH ROW");
  TupleDesc desc = trigger->tg_relation->rd_att;
  int column = SPI_fnumber(desc, "updated_at");
  if (column <= 0)
    throw megaforce::Error(megaforce::sqlstate::kInternalError,
                           "touch_updated_at(): table has no updated_at column");
  Datum value = megaforce::pg::transaction_now_datum();
  bool is_null = false;
  HeapTuple changed = megaforce::pg::pg_call(
      [&] { return heap_modify_tuple_by_cols(trigger->tg_newtuple, desc, 1, &column, &value, &is_null); });
  return PointerGetDatum(changed);
}
