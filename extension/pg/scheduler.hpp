// The scheduler background workers (pg/scheduler.cpp).
#pragma once

namespace megaforce::pg {

// One worker per database in megaforce.databases; call from _PG_init while
// shared_preload_libraries are loaded.
void register_scheduler_workers();

}  // namespace megaforce::pg
