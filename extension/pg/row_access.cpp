#include "pg/row_access.hpp"

extern "C" {
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

bool same_column(HeapTuple a, HeapTuple b, TupleDesc desc, const char* name) {
  int number = column_number(desc, name);
  bool a_null = false, b_null = false;
  Datum av = heap_getattr(a, number, desc, &a_null);
  Datum bv = heap_getattr(b, number, desc, &b_null);
  if (a_null || b_null) return a_null == b_null;
  Form_pg_attribute att = TupleDescAttr(desc, number - 1);
  return pg_call([&] { return datumIsEqual(av, bv, att->attbyval, att->attlen); });
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
