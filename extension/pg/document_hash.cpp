// set_content_sha256(): BEFORE INSERT OR UPDATE row trigger on documents that
// keeps content_sha256 the SHA-256 of content whenever content is present
// (a document without stored content keeps the fingerprint it was given).
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

#include <string>
#include <string_view>

#include "core/sha256.hpp"
#include "pg/boundary.hpp"
#include "pg/restore.hpp"
#include "pg/row_trigger.hpp"

namespace {

// Hex digest of `content` as a palloc'd text. The std::string is live while
// PostgreSQL allocates, so the allocation goes through pg_call().
text* content_digest(text* content) {
  std::string_view bytes(VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content));
  std::string hex = megaforce::to_hex(megaforce::sha256(bytes));
  return megaforce::pg::pg_call(
      [&] { return cstring_to_text_with_len(hex.data(), static_cast<int>(hex.size())); });
}

}  // namespace

MF_FUNCTION(megaforce_set_content_sha256) {
  TriggerData* trigger = megaforce::pg::row_trigger(fcinfo, "set_content_sha256");
  HeapTuple row = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) ? trigger->tg_newtuple
                                                              : trigger->tg_trigtuple;
  TupleDesc desc = trigger->tg_relation->rd_att;
  // Restore mode (issue 20): a restored document keeps its fingerprint.
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event) && megaforce::pg::restore_mode()) return PointerGetDatum(row);
  int content_column = SPI_fnumber(desc, "content");
  int digest_column = SPI_fnumber(desc, "content_sha256");
  if (content_column <= 0 || digest_column <= 0)
    throw megaforce::Error(megaforce::sqlstate::kInternalError,
                           "set_content_sha256(): table has no content/content_sha256 column");
  bool content_null = false;
  Datum content = heap_getattr(row, content_column, desc, &content_null);
  if (content_null) return PointerGetDatum(row);
  text* detoasted = megaforce::pg::pg_call([&] { return DatumGetTextPP(content); });
  Datum digest = PointerGetDatum(content_digest(detoasted));
  bool digest_null = false;
  return PointerGetDatum(megaforce::pg::pg_call(
      [&] { return heap_modify_tuple_by_cols(row, desc, 1, &digest_column, &digest, &digest_null); }));
}
