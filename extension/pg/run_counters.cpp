#include "pg/run_counters.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "utils/lsyscache.h"
}

namespace megaforce::pg {

namespace {

const char* counter_name(runs::Status status) {
  switch (status) {
    case runs::Status::kSucceeded: return "runs_succeeded_total";
    case runs::Status::kFailed: return "runs_failed_total";
    case runs::Status::kCancelled: return "runs_cancelled_total";
    default: return nullptr;
  }
}

}  // namespace

void count_finished_run(runs::Status status) {
  const char* name = counter_name(status);
  if (name == nullptr) return;
  Oid schema = get_namespace_oid("megaforce", true);
  Oid counter = OidIsValid(schema) ? get_relname_relid(name, schema) : InvalidOid;
  if (!OidIsValid(counter)) return;  // a schema older than 1.2
  // The trigger counts for whoever finished the run: no privilege on the
  // counter is asked of the worker's role.
  nextval_internal(counter, false);
}

}  // namespace megaforce::pg
