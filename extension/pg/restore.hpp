// Restore mode (SPEC §8, issue 20): megaforce.pre_restore() sets
// megaforce.restoring for the database, so that pg_restore's sessions see it,
// and the row triggers then accept the dumped rows as they were (foreign keys,
// CHECK constraints and unique indexes stay checked); megaforce.post_restore()
// ends the mode and reports what the triggers did not check.
//
// Outside restore mode a trigger that meets a row only a dump carries (a run
// that already ran, an output deep in the workflow, history rows copied in
// with their hashes) refuses it with refuse_restore(), whose message names
// megaforce and what to run, instead of a state-machine error.
#pragma once

#include <string>

#include "pg/settings.hpp"

namespace megaforce::pg {

// Whether the database is still in restore mode (megaforce.restoring=on in
// its ALTER DATABASE settings); read once per transaction.
bool database_restore_mode();

// Whether the row triggers accept rows as they are (megaforce.restoring). A
// session that took the setting from the database at connection start (one
// opened during a restore) leaves restore mode once post_restore() ended it.
inline bool restore_mode() { return restoring() && (!restoring_from_database() || database_restore_mode()); }

// Throws 55000: "megaforce: this looks like a restore ...: run SELECT
// megaforce.pre_restore() before pg_restore and SELECT
// megaforce.post_restore() after it"; `what` (the row seen) is the detail.
[[noreturn]] void refuse_restore(const std::string& what);

// Whether the statement being run is a COPY (how pg_restore loads rows).
bool statement_is_copy();

}  // namespace megaforce::pg
