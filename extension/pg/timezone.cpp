#include "pg/timezone.hpp"

#include "core/error.hpp"
#include "pg/boundary.hpp"

namespace megaforce::pg {

namespace {
constexpr std::int64_t kUnixEpochInPgSeconds =
    static_cast<std::int64_t>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

PgTimeZone::PgTimeZone(const std::string& name) : zone_(nullptr) {
  if (!name.empty()) zone_ = pg_call([&] { return pg_tzset(name.c_str()); });
  if (zone_ == nullptr)
    throw invalid_parameter("unknown time zone \"" + name + "\"",
                            "Use an IANA zone name such as UTC, Europe/Berlin or America/New_York.");
}

std::int64_t PgTimeZone::utc_offset(cron::UnixSeconds t) const {
  pg_time_t when = t;
  struct pg_tm* tm = pg_localtime(&when, zone_);
  return tm ? tm->tm_gmtoff : 0;
}

cron::UnixSeconds unix_seconds(TimestampTz ts) {
  if (TIMESTAMP_NOT_FINITE(ts)) throw invalid_parameter("timestamp must be finite");
  std::int64_t seconds = ts / USECS_PER_SEC;
  if (ts < 0 && ts % USECS_PER_SEC != 0) --seconds;  // floor
  return seconds + kUnixEpochInPgSeconds;
}

TimestampTz timestamptz_from_unix(cron::UnixSeconds seconds) {
  return (seconds - kUnixEpochInPgSeconds) * USECS_PER_SEC;
}

TimestampTz next_fire(const std::string& schedule, TimestampTz after, const std::string& zone_name) {
  cron::Schedule parsed = cron::Schedule::parse(schedule);
  PgTimeZone zone(zone_name);
  return timestamptz_from_unix(parsed.next_after(unix_seconds(after), zone));
}

}  // namespace megaforce::pg
