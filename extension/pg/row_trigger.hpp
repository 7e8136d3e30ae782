// row_trigger(): the check every megaforce row-trigger function starts with.
#pragma once

extern "C" {
#include "postgres.h"
#include "commands/trigger.h"
}

#include <string>

#include "core/error.hpp"

namespace megaforce::pg {

// The TriggerData of a row-level trigger call, or an error naming `function`
// when it is called any other way (directly, or FOR EACH STATEMENT).
inline TriggerData* row_trigger(FunctionCallInfo fcinfo, const char* function) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    throw Error(sqlstate::kInternalError,
                std::string(function) + "() can only be called as a trigger");
  auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (!TRIGGER_FIRED_FOR_ROW(trigger->tg_event))
    throw Error(sqlstate::kInternalError,
                std::string(function) + "() must be a FOR EACH ROW trigger");
  return trigger;
}

}  // namespace megaforce::pg
