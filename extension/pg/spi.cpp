#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "utils/builtins.h"
}

#include <cstring>

#include "core/error.hpp"
#include "pg/boundary.hpp"

namespace megaforce::pg {

namespace {

// The kept plan of `plan`, prepared on first use (call inside pg_call).
SPIPlanPtr prepared(KeptPlan& plan) {
  if (plan.plan == nullptr) {
    // Generic plans: every kept statement looks rows up by key, so a plan
    // made once serves every call; a custom plan per call would re-plan.
    SPIPlanPtr made = SPI_prepare_cursor(plan.sql, plan.nargs, plan.argtypes, CURSOR_OPT_GENERIC_PLAN);
    if (made == nullptr)
      elog(ERROR, "megaforce: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), plan.sql);
    if (SPI_keepplan(made) != 0) elog(ERROR, "megaforce: SPI_keepplan failed");
    plan.plan = made;
  }
  return plan.plan;
}

}  // namespace

uint64 execute(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only, long limit) {
  return pg_call([&]() -> uint64 {
    prepared(plan);
    int rc = SPI_execute_plan(plan.plan, const_cast<Datum*>(values), nulls, read_only, limit);
    if (rc < 0)
      elog(ERROR, "megaforce: SPI_execute_plan failed (%s) for: %s", SPI_result_code_string(rc),
           plan.sql);
    return SPI_processed;
  });
}

Portal open_cursor(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only) {
  return pg_call([&] {
    return SPI_cursor_open(nullptr, prepared(plan), const_cast<Datum*>(values), nulls, read_only);
  });
}

void spi_connect() {
  pg_call([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "megaforce: SPI_connect failed");
  });
}

void spi_finish() {
  pg_call([] { SPI_finish(); });
}

Datum first_result_column() {
  return pg_call([] {
    bool is_null = false;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return SPI_datumTransfer(value, false, -1);
  });
}

int column_number(TupleDesc desc, const char* name) {
  int number = SPI_fnumber(desc, name);
  if (number <= 0)
    throw Error(sqlstate::kInternalError, std::string("megaforce: no column \"") + name + "\"");
  return number;
}

Datum column(HeapTuple tuple, TupleDesc desc, const char* name, bool* is_null) {
  return heap_getattr(tuple, column_number(desc, name), desc, is_null);
}

std::string text_of(Datum value) {
  text* detoasted = pg_call([&] { return DatumGetTextPP(value); });
  return std::string(VARDATA_ANY(detoasted), VARSIZE_ANY_EXHDR(detoasted));
}

Datum text_datum(const std::string& value) {
  return pg_call([&] {
    return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size())));
  });
}

Uuid uuid_of(Datum value) {
  Uuid out{};
  std::memcpy(out.data(), DatumGetUUIDP(value)->data, out.size());
  return out;
}

Datum uuid_datum(const Uuid& value) {
  auto* uuid = static_cast<pg_uuid_t*>(pg_call([] { return palloc(sizeof(pg_uuid_t)); }));
  std::memcpy(uuid->data, value.data(), value.size());
  return UUIDPGetDatum(uuid);
}

}  // namespace megaforce::pg
