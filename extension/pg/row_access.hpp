// Reading and rewriting trigger rows by column name, for the row triggers.
// Every PostgreSQL call that may ereport goes through pg_call().
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "fmgr.h"
#include "utils/timestamp.h"
}

#include <optional>
#include <string>
#include <vector>

#include "core/uuid.hpp"

namespace megaforce::pg {

std::optional<std::string> text_column(HeapTuple row, TupleDesc desc, const char* name);
std::optional<Uuid> uuid_column(HeapTuple row, TupleDesc desc, const char* name);
std::optional<int32> int_column(HeapTuple row, TupleDesc desc, const char* name);
// Whether column `name` holds the same bytes in both rows (a changed
// representation of an equal value counts as a change).
bool same_column(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name);
// Whether column `name` holds equal values in both rows by `equals` (a
// type's equality function, called with the default collation). Identical
// bytes are equal without the call: an UPDATE that leaves a large value alone
// carries its TOAST pointer over, and comparing pointers saves fetching it.
bool equal_column(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name, PGFunction equals);

// now(): the transaction's timestamp, what the timestamp columns default to.
inline Datum transaction_now_datum() { return TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()); }

// Collects column replacements and applies them in one heap_modify_tuple.
class RowChanges {
 public:
  explicit RowChanges(TupleDesc desc) : desc_(desc) {}
  void set(const char* name, Datum value, bool is_null = false);
  void set_null(const char* name) { set(name, 0, true); }
  void copy_from(HeapTuple row, const char* name);
  bool empty() const { return columns_.empty(); }
  HeapTuple apply(HeapTuple row);

 private:
  TupleDesc desc_;
  std::vector<int> columns_;
  std::vector<Datum> values_;
  std::vector<char> nulls_;  // bool-sized, unlike std::vector<bool>
};

}  // namespace megaforce::pg
