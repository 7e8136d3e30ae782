// PostgreSQL's own tz database (the one AT TIME ZONE uses) behind the cron
// core's TimeZone interface, and timestamptz <-> Unix seconds.
#pragma once

extern "C" {
#include "postgres.h"
#include "pgtime.h"
#include "utils/timestamp.h"
}

#include <string>

#include "core/cron.hpp"

namespace megaforce::pg {

class PgTimeZone final : public cron::TimeZone {
 public:
  // Throws 22023 for an unknown zone name.
  explicit PgTimeZone(const std::string& name);
  std::int64_t utc_offset(cron::UnixSeconds t) const override;

 private:
  pg_tz* zone_;
};

// Throws 22023 for an infinite timestamp.
cron::UnixSeconds unix_seconds(TimestampTz ts);
TimestampTz timestamptz_from_unix(cron::UnixSeconds seconds);

// The next fire of `schedule` after `after` in zone `zone_name`; every error
// is megaforce::Error 22023 naming the bad field or zone.
TimestampTz next_fire(const std::string& schedule, TimestampTz after, const std::string& zone_name);

}  // namespace megaforce::pg
