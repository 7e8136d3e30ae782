#include "pg/row_access.hpp"

extern "C" {
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/datum.h"
}

#include "pg/boundary.hpp"
#include "pg/spi.hpp"

namespace megaforce::pg {

std::optional<std::string> text_column(HeapTuple row, TupleDesc desc, const char* name) {
  bool is_null = false;
  Datum value = column(row, desc, name, &is_null);
  if (is_null) return std::nullopt;
  return text_of(value);
}

std::optional<Uuid> uuid_column(HeapTuple row, TupleDesc desc, const char* name) {
  bool is_null = false;
  Datum value = column(row, desc, name, &is_null);
  if (is_null) return std::nullopt;
  return uuid_of(value);
}

std::optional<int32> int_column(HeapTuple row, TupleDesc desc, const char* name) {
  bool is_null = false;
  Datum value = column(row, desc, name, &is_null);
  if (is_null) return std::nullopt;
  return DatumGetInt32(value);
}

namespace {

// Column `name` of two rows of one relation, read once.
struct ColumnPair {
  Datum a, b;
  bool a_null = false, b_null = false;
  Form_pg_attribute attribute;
};

ColumnPair read_pair(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name) {
  int number = column_number(desc, name);
  ColumnPair pair;
  pair.a = heap_getattr(a, number, desc, &pair.a_null);
  pair.b = heap_getattr(b, number, desc, &pair.b_null);
  pair.attribute = TupleDescAttr(desc, number - 1);
  return pair;
}

bool same_bytes(const ColumnPair& pair) {
  return pg_call([&] { return datumIsEqual(pair.a, pair.b, pair.attribute->attbyval, pair.attribute->attlen); });
}

}  // namespace

bool same_column(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name) {
  ColumnPair pair = read_pair(a, b, desc, name);
  if (pair.a_null || pair.b_null) return pair.a_null == pair.b_null;
  return same_bytes(pair);
}

bool equal_column(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name, PGFunction equals) {
  ColumnPair pair = read_pair(a, b, desc, name);
  if (pair.a_null || pair.b_null) return pair.a_null == pair.b_null;
  if (same_bytes(pair)) return true;
  return pg_call([&] { return DatumGetBool(DirectFunctionCall2Coll(equals, DEFAULT_COLLATION_OID, pair.a, pair.b)); });
}

void RowChanges::set(const char* name, Datum value, bool is_null) {
  int number = column_number(desc_, name);
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == number) {  // a later change of one column wins
      values_[i] = value;
      nulls_[i] = is_null;
      return;
    }
  }
  columns_.push_back(number);
  values_.push_back(value);
  nulls_.push_back(is_null);
}

void RowChanges::copy_from(HeapTuple row, const char* name) {
  bool is_null = false;
  Datum value = column(row, desc_, name, &is_null);
  set(name, value, is_null);
}

HeapTuple RowChanges::apply(HeapTuple row) {
  if (columns_.empty()) return row;
  static_assert(sizeof(char) == sizeof(bool), "nulls_ is passed as bool*");
  return pg_call([&] {
    return heap_modify_tuple_by_cols(row, desc_, static_cast<int>(columns_.size()), columns_.data(),
                                     values_.data(), reinterpret_cast<bool*>(nulls_.data()));
  });
}

}  // namespace megaforce::pg
