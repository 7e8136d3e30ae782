// Cron schedules (SPEC §4): Vixie cron's five fields, evaluated in an IANA
// time zone with the daylight-saving rules of the SPEC. Plain C++: the zone
// is an interface, implemented over PostgreSQL's tz database by the glue
// (extension/pg/cron_functions.cpp) and by fixed rules in the unit tests.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

namespace megaforce::cron {

// Seconds since 1970-01-01 00:00:00 UTC.
using UnixSeconds = std::int64_t;

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  // Local time minus UTC, in seconds, at the instant `t`.
  virtual std::int64_t utc_offset(UnixSeconds t) const = 0;
};

class FixedZone final : public TimeZone {
 public:
  explicit FixedZone(std::int64_t offset = 0) : offset_(offset) {}
  std::int64_t utc_offset(UnixSeconds) const override { return offset_; }

 private:
  std::int64_t offset_;
};

class Schedule {
 public:
  // Parses "minute hour day-of-month month day-of-week"; throws
  // megaforce::Error 22023 naming the bad field, also for a schedule that
  // can never fire (e.g. "0 0 30 2 *").
  static Schedule parse(std::string_view expression);

  // The first fire strictly after `after`: a whole minute. Local times are
  // those of `zone`. A schedule whose minute or hour field starts with '*'
  // fires at every instant whose local time matches; any other fires once in
  // a repeated hour (the first pass) and, for a local time inside a gap, at
  // the instant the gap ends.
  UnixSeconds next_after(UnixSeconds after, const TimeZone& zone) const;

  // Whether the (naive, zone-less) local time matches.
  bool matches_local(std::int64_t local_seconds) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0..6, Sunday = 0
  bool dom_star_ = false;          // the field starts with '*'
  bool dow_star_ = false;
  bool every_instant_ = false;     // the minute or hour field starts with '*'

  bool day_matches(int year, int month, int day) const;
  // The first matching local minute at or after `local_seconds`, or -1 when
  // none comes within the search horizon.
  std::int64_t next_local_match(std::int64_t local_seconds) const;
};

// Civil calendar helpers (proleptic Gregorian), exposed for the tests.
std::int64_t days_from_civil(int year, int month, int day);
void civil_from_days(std::int64_t days, int* year, int* month, int* day);
int days_in_month(int year, int month);
int weekday(std::int64_t days);  // 0 = Sunday

}  // namespace megaforce::cron
