// One row read through an index without SPI, for the lookups every workflow
// step makes (the acting user, the last link of a history chain). A kept SPI
// plan still pays for executor start-up, a plan check and a nested SPI
// connection on each call; this is a direct index scan.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/uuid.hpp"

namespace megaforce::pg {

struct IndexLookup {
  const char* table;  // in schema megaforce
  const char* index;  // its first column is a uuid, matched for equality
  bool last;          // take the last matching index entry instead of the first
};

// Which rows a lookup sees: those of a new statement (like SPI: the command
// counter is advanced, then the transaction snapshot taken; under REPEATABLE
// READ and SERIALIZABLE that is the transaction's snapshot), or the latest
// committed state (and this transaction's own rows), whatever the isolation.
enum class Visibility { kStatement, kLatestCommitted };

// Finds the first (or last) row of lookup.table visible as `visibility` says
// whose index key starts with `key`, and copies its columns `names` into
// values/nulls (by-reference values palloc'd in the current memory context).
// Returns false when there is no such row. Through pg_call.
bool lookup_row(const IndexLookup& lookup, const Uuid& key, const char* const* names, int count,
                Datum* values, bool* nulls, Visibility visibility = Visibility::kStatement);

}  // namespace megaforce::pg
