// The cron evaluator (SPEC §4) without a server: parsing, Vixie cron's rules,
// leap days, daylight saving in rule-based Europe/Berlin and America/New_York
// zones, and a randomized comparison with a minute-by-minute oracle.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/cron.hpp"
#include "core/error.hpp"

namespace cron = megaforce::cron;
using cron::Schedule;
using cron::UnixSeconds;

namespace {

UnixSeconds utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return cron::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::string iso(UnixSeconds t) {
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int y, m, d;
  cron::civil_from_days(days, &y, &m, &d);
  std::int64_t s = t - days * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d", y, m, d, static_cast<int>(s / 3600),
                static_cast<int>(s % 3600 / 60));
  return buf;
}

// The last Sunday of a month, and the n-th Sunday.
int last_sunday(int y, int m) {
  int d = cron::days_in_month(y, m);
  while (cron::weekday(cron::days_from_civil(y, m, d)) != 0) --d;
  return d;
}
int nth_sunday(int y, int m, int n) {
  int d = 1;
  while (cron::weekday(cron::days_from_civil(y, m, d)) != 0) ++d;
  return d + 7 * (n - 1);
}
int year_of(UnixSeconds t) {
  int y, m, d;
  cron::civil_from_days(t / 86400, &y, &m, &d);
  return y;
}

// EU rules since 1996: summer time from the last Sunday of March 01:00 UTC
// to the last Sunday of October 01:00 UTC.
class Berlin : public cron::TimeZone {
 public:
  std::int64_t utc_offset(UnixSeconds t) const override {
    int y = year_of(t);
    bool summer = t >= utc(y, 3, last_sunday(y, 3), 1) && t < utc(y, 10, last_sunday(y, 10), 1);
    return summer ? 7200 : 3600;
  }
};

// US rules since 2007: from the second Sunday of March 02:00 EST (07:00 UTC)
// to the first Sunday of November 02:00 EDT (06:00 UTC).
class NewYork : public cron::TimeZone {
 public:
  std::int64_t utc_offset(UnixSeconds t) const override {
    int y = year_of(t);
    bool summer = t >= utc(y, 3, nth_sunday(y, 3, 2), 7) && t < utc(y, 11, nth_sunday(y, 11, 1), 6);
    return summer ? -4 * 3600 : -5 * 3600;
  }
};

const cron::FixedZone kUtc(0);

std::string next(const char* expr, UnixSeconds after, const cron::TimeZone& zone = kUtc) {
  return iso(Schedule::parse(expr).next_after(after, zone));
}

std::string refusal(const char* expr) {
  try {
    Schedule::parse(expr);
    return "accepted";
  } catch (const megaforce::Error& e) {
    EXPECT_STREQ(e.sqlstate(), "22023") << expr;
    return e.what();
  }
}

}  // namespace

TEST(Cron, CalendarHelpers) {
  EXPECT_EQ(cron::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(cron::weekday(cron::days_from_civil(2026, 11, 24)), 2);  // a Tuesday
  EXPECT_EQ(cron::days_in_month(2028, 2), 29);
  EXPECT_EQ(cron::days_in_month(2100, 2), 28);
  EXPECT_EQ(cron::days_in_month(2000, 2), 29);
  for (std::int64_t d = -800000; d < 800000; d += 997) {
    int y, m, dd;
    cron::civil_from_days(d, &y, &m, &dd);
    ASSERT_EQ(cron::days_from_civil(y, m, dd), d);
  }
}

TEST(Cron, EveryMinuteIsStrictlyAfter) {
  EXPECT_EQ(next("* * * * *", utc(2026, 1, 1, 12, 0, 0)), "2026-01-01 12:01");
  EXPECT_EQ(next("* * * * *", utc(2026, 1, 1, 12, 0, 30)), "2026-01-01 12:01");
  EXPECT_EQ(next("* * * * *", utc(2026, 12, 31, 23, 59, 59)), "2027-01-01 00:00");
}

TEST(Cron, FieldsListsRangesSteps) {
  UnixSeconds t = utc(2026, 6, 15, 10, 7);  // a Monday
  EXPECT_EQ(next("*/15 * * * *", t), "2026-06-15 10:15");
  EXPECT_EQ(next("5/20 * * * *", t), "2026-06-15 10:25");       // 5, 25, 45
  EXPECT_EQ(next("5/20 * * * *", utc(2026, 6, 15, 10, 45)), "2026-06-15 11:05");
  EXPECT_EQ(next("10-20/5 * * * *", t), "2026-06-15 10:10");
  EXPECT_EQ(next("1,2,3 * * * *", t), "2026-06-15 11:01");
  EXPECT_EQ(next("0 9-17/4 * * *", t), "2026-06-15 13:00");     // 9, 13, 17
  EXPECT_EQ(next("30 8 * * *", t), "2026-06-16 08:30");
  EXPECT_EQ(next("0 0 1 * *", t), "2026-07-01 00:00");
  EXPECT_EQ(next("0 0 1 1 *", t), "2027-01-01 00:00");
  EXPECT_EQ(next("59 23 31 12 *", t), "2026-12-31 23:59");
  EXPECT_EQ(next("0 12 * * 0", t), "2026-06-21 12:00");          // Sunday
  EXPECT_EQ(next("0 12 * * 7", t), "2026-06-21 12:00");          // 7 is Sunday too
  EXPECT_EQ(next("0 12 * * 5-7", t), "2026-06-19 12:00");        // Fri..Sun
  EXPECT_EQ(next("0 12 * * 1-5/2", t), "2026-06-15 12:00");      // Mon, Wed, Fri
  EXPECT_EQ(next("0 0 * * */3", t), "2026-06-17 00:00");         // Sun, Wed, Sat
}

TEST(Cron, NamesInAnyCaseAlsoInRanges) {
  UnixSeconds t = utc(2026, 6, 15, 10, 7);
  EXPECT_EQ(next("0 0 1 jan *", t), "2027-01-01 00:00");
  EXPECT_EQ(next("0 0 1 JAN-Mar *", t), "2027-01-01 00:00");
  EXPECT_EQ(next("0 0 1 jul-aug *", t), "2026-07-01 00:00");
  EXPECT_EQ(next("0 0 * * SUN", t), "2026-06-21 00:00");
  EXPECT_EQ(next("0 0 * * mon-FRI", t), "2026-06-16 00:00");
  EXPECT_EQ(next("0 0 * * sat,Sun", t), "2026-06-20 00:00");
  EXPECT_EQ(next("0 0 1 dec *", t), "2026-12-01 00:00");
}

TEST(Cron, DayFieldsFollowVixieCron) {
  // Both restricted: either matches (the 13th, or any Friday).
  UnixSeconds t = utc(2026, 6, 15);  // Monday
  EXPECT_EQ(next("0 0 13 * 5", t), "2026-06-19 00:00");   // Friday 19th
  EXPECT_EQ(next("0 0 16 * 5", t), "2026-06-16 00:00");   // the 16th first
  // A field starting with '*' is unrestricted: both must match.
  EXPECT_EQ(next("0 0 */2 * 1", t), "2026-06-29 00:00");  // odd day and Monday
  EXPECT_EQ(next("0 0 * * 1", t), "2026-06-22 00:00");
  EXPECT_EQ(next("0 0 13 * *", t), "2026-07-13 00:00");
  EXPECT_EQ(next("0 0 13 * */1", t), "2026-07-13 00:00");  // '*'-started dow: AND with all days
}

TEST(Cron, LeapDaysAndShortMonths) {
  EXPECT_EQ(next("0 0 31 * *", utc(2026, 4, 15)), "2026-05-31 00:00");
  EXPECT_EQ(next("0 0 31 * *", utc(2026, 5, 31)), "2026-07-31 00:00");
  EXPECT_EQ(next("0 0 29 2 *", utc(2026, 3, 1)), "2028-02-29 00:00");
  EXPECT_EQ(next("0 0 29 2 *", utc(2096, 3, 1)), "2104-02-29 00:00");  // 2100 is not leap
  EXPECT_EQ(next("0 0 30 * *", utc(2027, 1, 31)), "2027-03-30 00:00");
  EXPECT_EQ(next("0 0 29 2 1", utc(2026, 2, 1)), "2026-02-02 00:00");  // OR: a Monday in February
  EXPECT_EQ(next("0 0 29 2 */7", utc(2026, 1, 1)), "2032-02-29 00:00");  // AND: a Sunday Feb 29
}

TEST(Cron, BadExpressionsNameTheField) {
  EXPECT_NE(refusal("* * * *").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(refusal("* * * * * *").find("got 6"), std::string::npos);
  EXPECT_NE(refusal("").find("got 0"), std::string::npos);
  EXPECT_NE(refusal("60 * * * *").find("minute field: 60 is out of range 0-59"), std::string::npos);
  EXPECT_NE(refusal("* 24 * * *").find("hour field"), std::string::npos);
  EXPECT_NE(refusal("* * 0 * *").find("day-of-month field"), std::string::npos);
  EXPECT_NE(refusal("* * 32 * *").find("day-of-month field"), std::string::npos);
  EXPECT_NE(refusal("* * * 0 *").find("month field"), std::string::npos);
  EXPECT_NE(refusal("* * * 13 *").find("month field"), std::string::npos);
  EXPECT_NE(refusal("* * * * 8").find("day-of-week field"), std::string::npos);
  EXPECT_NE(refusal("*/0 * * * *").find("minute field: step 0"), std::string::npos);
  EXPECT_NE(refusal("* */0 * * *").find("hour field: step 0"), std::string::npos);
  EXPECT_NE(refusal("5-1 * * * *").find("minute field: reversed range 5-1"), std::string::npos);
  EXPECT_NE(refusal("* * * * fri-mon").find("day-of-week field: reversed range"), std::string::npos);
  EXPECT_NE(refusal("@daily").find("not supported"), std::string::npos);
  EXPECT_NE(refusal("@reboot").find("not supported"), std::string::npos);
  EXPECT_NE(refusal("0 0 30 2 *").find("never fires"), std::string::npos);
  EXPECT_NE(refusal("0 0 31 4,6,9,11 *").find("never fires"), std::string::npos);
  EXPECT_NE(refusal("a * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(refusal("* * * foo *").find("month field: unknown name"), std::string::npos);
  EXPECT_NE(refusal("* * * * funday").find("day-of-week field"), std::string::npos);
  EXPECT_NE(refusal("1,,2 * * * *").find("minute field: empty list element"), std::string::npos);
  EXPECT_NE(refusal("1- * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(refusal("*/ * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(refusal("*/x * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(refusal("* * * jan-foo *").find("month field"), std::string::npos);
  EXPECT_NE(refusal("99999999999 * * * *").find("minute field"), std::string::npos);
  EXPECT_EQ(refusal(" 0  0 * * * "), "accepted");  // extra white space is fine
}

TEST(Cron, BerlinSpringForwardGap) {
  Berlin berlin;
  // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 28, 12), berlin), "2026-03-29 01:00");  // when the gap ends
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 29, 1), berlin), "2026-03-30 00:30");
  EXPECT_EQ(next("15,45 2 * * *", utc(2026, 3, 28, 12), berlin), "2026-03-29 01:00");  // once
  EXPECT_EQ(next("15,45 2 * * *", utc(2026, 3, 29, 1), berlin), "2026-03-30 00:15");
  EXPECT_EQ(next("0 3 * * *", utc(2026, 3, 28, 12), berlin), "2026-03-29 01:00");
  // A '*'-started minute or hour fires only at instants whose local time matches.
  EXPECT_EQ(next("* 2 * * *", utc(2026, 3, 28, 12), berlin), "2026-03-30 00:00");
  EXPECT_EQ(next("30 * * * *", utc(2026, 3, 29, 0, 30), berlin), "2026-03-29 01:30");  // 03:30 CEST
  EXPECT_EQ(next("*/20 * * * *", utc(2026, 3, 29, 0, 50), berlin), "2026-03-29 01:00");
  EXPECT_EQ(next("0 12 * * *", utc(2026, 3, 28, 12), berlin), "2026-03-29 10:00");
}

TEST(Cron, BerlinFallBackOverlap) {
  Berlin berlin;
  // 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:xx twice.
  EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 24, 12), berlin), "2026-10-25 00:30");  // first pass
  EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 25, 0, 30), berlin), "2026-10-26 01:30");  // not again
  EXPECT_EQ(next("30 * * * *", utc(2026, 10, 25, 0, 30), berlin), "2026-10-25 01:30");  // every instant
  EXPECT_EQ(next("*/30 * * * *", utc(2026, 10, 25, 0, 45), berlin), "2026-10-25 01:00");
  EXPECT_EQ(next("* 2 * * *", utc(2026, 10, 25, 0, 59), berlin), "2026-10-25 01:00");  // second pass
  EXPECT_EQ(next("* 2 * * *", utc(2026, 10, 25, 1, 59), berlin), "2026-10-26 01:00");
  EXPECT_EQ(next("0 3 * * *", utc(2026, 10, 24, 12), berlin), "2026-10-25 02:00");
}

TEST(Cron, NewYorkTransitions) {
  NewYork ny;
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 7, 12), ny), "2026-03-08 07:00");
  EXPECT_EQ(next("30 2 * * *", utc(2026, 3, 8, 7), ny), "2026-03-09 06:30");
  EXPECT_EQ(next("0 9 * * 1-5", utc(2026, 3, 6, 15), ny), "2026-03-09 13:00");  // EDT now
  EXPECT_EQ(next("0 9 * * 1-5", utc(2026, 3, 5, 15), ny), "2026-03-06 14:00");  // still EST
  // 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00 UTC); 01:xx twice.
  EXPECT_EQ(next("30 1 * * *", utc(2026, 10, 31, 12), ny), "2026-11-01 05:30");
  EXPECT_EQ(next("30 1 * * *", utc(2026, 11, 1, 5, 30), ny), "2026-11-02 06:30");
  EXPECT_EQ(next("30 * * * *", utc(2026, 11, 1, 5, 30), ny), "2026-11-01 06:30");
  EXPECT_EQ(next("0 0 * * *", utc(2026, 10, 31, 12), ny), "2026-11-01 04:00");
  EXPECT_EQ(next("0 0 * * *", utc(2026, 11, 1, 4), ny), "2026-11-02 05:00");
}

TEST(Cron, FixedOffsets) {
  cron::FixedZone tokyo(9 * 3600), kolkata(5 * 3600 + 1800);
  EXPECT_EQ(next("0 9 * * *", utc(2026, 6, 15, 0, 0, 1), tokyo), "2026-06-16 00:00");
  EXPECT_EQ(next("0 9 * * *", utc(2026, 6, 14, 23, 59), tokyo), "2026-06-15 00:00");
  EXPECT_EQ(next("0 0 * * *", utc(2026, 6, 15, 12), kolkata), "2026-06-15 18:30");
}

// Randomized: every-instant semantics is "the first instant whose local time
// matches", which a minute-by-minute scan checks directly, in UTC and Berlin.
TEST(Cron, AgreesWithMinuteByMinuteScan) {
  const std::vector<const char*> minutes = {"*", "0", "*/7", "5-10", "15,45", "30", "*/20"};
  const std::vector<const char*> hours = {"*", "*/3", "0-6", "12", "*"};
  const std::vector<const char*> doms = {"*", "1-15", "*/2", "13", "28-31"};
  const std::vector<const char*> months = {"*", "*", "1-6", "*/2", "mar,oct"};
  const std::vector<const char*> dows = {"*", "1-5", "0", "sat,sun", "*/2"};
  std::mt19937 rng(20261124);
  Berlin berlin;
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    std::string expr = std::string(minutes[rng() % minutes.size()]) + " " + hours[rng() % hours.size()] +
                       " " + doms[rng() % doms.size()] + " " + months[rng() % months.size()] + " " +
                       dows[rng() % dows.size()];
    Schedule s = Schedule::parse(expr);
    bool every_instant = expr[0] == '*' || expr.find(" *") == expr.find(' ');
    if (!every_instant) continue;  // the oracle below is the every-instant definition
    UnixSeconds after = utc(2026, 1, 1) + static_cast<UnixSeconds>(rng() % (366u * 86400u));
    const cron::TimeZone& zone = (i % 2) ? static_cast<const cron::TimeZone&>(berlin) : kUtc;
    UnixSeconds want = -1;
    for (UnixSeconds t = (after / 60 + 1) * 60; t < after + 400LL * 86400; t += 60)
      if (s.matches_local(t + zone.utc_offset(t))) { want = t; break; }
    ASSERT_NE(want, -1) << expr;
    EXPECT_EQ(iso(s.next_after(after, zone)), iso(want)) << expr << " after " << iso(after);
    ++checked;
  }
  EXPECT_GT(checked, 150);
}
