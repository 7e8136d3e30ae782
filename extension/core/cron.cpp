#include "core/cron.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "core/error.hpp"

namespace megaforce::cron {

namespace {

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;
// A UTC offset never changes by more than this at one transition, so local
// candidates further than this past the best instant found cannot beat it.
constexpr std::int64_t kMaxShift = 3 * kHour;
// Every satisfiable schedule fires within 28 years (the weekday cycle of
// leap days); search a little longer.
constexpr std::int64_t kHorizonDays = 366 * 30;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // 3-letter names for min.., or nullptr
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr},
    {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},
    {"month", 1, 12, kMonthNames},
    // 7 is Sunday too: parsed as 0..7 and folded.
    {"day-of-week", 0, 7, kDayNames},
};

[[noreturn]] void bad_field(std::string_view expression, const FieldSpec& field, const std::string& why) {
  throw invalid_parameter("invalid cron schedule \"" + std::string(expression) + "\": " + field.name +
                          " field: " + why);
}

int parse_value(std::string_view expression, const FieldSpec& field, std::string_view token) {
  if (token.empty()) bad_field(expression, field, "empty value");
  if (field.names && token.size() == 3 && std::isalpha(static_cast<unsigned char>(token[0]))) {
    std::string lower;
    for (char c : token) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    int count = field.max - field.min + 1 - (field.names == kDayNames ? 1 : 0);
    for (int i = 0; i < count; ++i)
      if (lower == field.names[i]) return field.min + i;
    bad_field(expression, field, "unknown name \"" + std::string(token) + "\"");
  }
  int value = 0;
  for (char c : token) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      bad_field(expression, field, "\"" + std::string(token) + "\" is not a number");
    value = value * 10 + (c - '0');
    if (value > 1000) break;
  }
  if (value < field.min || value > field.max)
    bad_field(expression, field,
              std::to_string(value) + " is out of range " + std::to_string(field.min) + "-" +
                  std::to_string(field.max));
  return value;
}

// One field: a comma list of `*`, `N`, `N-M`, each optionally `/S`.
// Returns the set of values and whether the field starts with '*'.
template <std::size_t N>
bool parse_field(std::string_view expression, const FieldSpec& field, std::string_view text,
                 std::bitset<N>* out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                : comma - start);
    if (item.empty()) bad_field(expression, field, "empty list element");
    std::string_view range = item;
    int step = 1;
    bool has_step = false;
    if (std::size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      if (step_text.empty()) bad_field(expression, field, "missing step after '/'");
      step = 0;
      for (char c : step_text) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
          bad_field(expression, field, "step \"" + std::string(step_text) + "\" is not a number");
        step = step * 10 + (c - '0');
        if (step > 1000) break;
      }
      if (step == 0) bad_field(expression, field, "step 0");
      has_step = true;
    }
    int low = 0, high = 0;
    if (range == "*") {
      low = field.min;
      high = field.max == 7 ? 6 : field.max;
    } else if (std::size_t dash = range.find('-'); dash != std::string_view::npos) {
      low = parse_value(expression, field, range.substr(0, dash));
      high = parse_value(expression, field, range.substr(dash + 1));
      if (low > high)
        bad_field(expression, field,
                  "reversed range " + std::to_string(low) + "-" + std::to_string(high));
    } else {
      low = parse_value(expression, field, range);
      // Vixie cron: "N/S" runs from N to the field's maximum by S.
      high = has_step ? (field.max == 7 ? 6 : field.max) : low;
      if (has_step && low > high) high = low;
    }
    for (int v = low; v <= high; v += step) out->set(field.max == 7 && v == 7 ? 0 : v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return !text.empty() && text.front() == '*';
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int* year, int* month, int* day) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int weekday(std::int64_t days) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<int>(((days % 7) + 7 + 4) % 7);
}

Schedule Schedule::parse(std::string_view expression) {
  constexpr std::size_t kMaxExpression = 1000;
  if (expression.size() > kMaxExpression)
    throw invalid_parameter("cron expression is too long: at most " + std::to_string(kMaxExpression) + " characters");
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < expression.size()) {
    while (i < expression.size() && std::isspace(static_cast<unsigned char>(expression[i]))) ++i;
    if (i >= expression.size()) break;
    std::size_t j = i;
    while (j < expression.size() && !std::isspace(static_cast<unsigned char>(expression[j]))) ++j;
    fields.push_back(expression.substr(i, j - i));
    i = j;
  }
  if (fields.size() == 1 && !fields[0].empty() && fields[0][0] == '@')
    throw invalid_parameter("invalid cron schedule \"" + std::string(expression) +
                            "\": nicknames such as " + std::string(fields[0]) +
                            " are not supported; write the five fields (minute hour day-of-month month day-of-week)");
  if (fields.size() != 5)
    throw invalid_parameter("invalid cron schedule \"" + std::string(expression) + "\": expected 5 fields " +
                            "(minute hour day-of-month month day-of-week), got " +
                            std::to_string(fields.size()));
  Schedule s;
  bool minute_star = parse_field(expression, kFields[0], fields[0], &s.minutes_);
  bool hour_star = parse_field(expression, kFields[1], fields[1], &s.hours_);
  s.dom_star_ = parse_field(expression, kFields[2], fields[2], &s.days_of_month_);
  parse_field(expression, kFields[3], fields[3], &s.months_);
  s.dow_star_ = parse_field(expression, kFields[4], fields[4], &s.days_of_week_);
  s.every_instant_ = minute_star || hour_star;

  // A schedule that can never fire: with one day field unrestricted, a day
  // must match both, so some chosen day-of-month must exist in some chosen
  // month (February 29 counts: leap years come).
  if (s.dom_star_ || s.dow_star_) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      if (!s.months_[m]) continue;
      int max_day = m == 2 ? 29 : days_in_month(2001, m);
      for (int d = 1; d <= max_day; ++d)
        if (s.days_of_month_[d]) { possible = true; break; }
    }
    if (!possible)
      throw invalid_parameter("invalid cron schedule \"" + std::string(expression) +
                              "\": day-of-month field: no chosen day exists in the chosen months, so the schedule never fires");
  }
  return s;
}

bool Schedule::day_matches(int year, int month, int day) const {
  if (!months_[month]) return false;
  bool dom = days_of_month_[day];
  bool dow = days_of_week_[weekday(days_from_civil(year, month, day))];
  // Vixie cron: if either day field starts with '*', a day must match both;
  // otherwise (both restricted) either.
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

bool Schedule::matches_local(std::int64_t local) const {
  std::int64_t days = floor_div(local, kDay);
  std::int64_t secs = local - days * kDay;
  int y, m, d;
  civil_from_days(days, &y, &m, &d);
  return day_matches(y, m, d) && hours_[secs / kHour] && minutes_[(secs % kHour) / kMinute];
}

std::int64_t Schedule::next_local_match(std::int64_t local) const {
  // Round up to a whole minute.
  local = floor_div(local + kMinute - 1, kMinute) * kMinute;
  std::int64_t days = floor_div(local, kDay);
  int start_minute_of_day = static_cast<int>((local - days * kDay) / kMinute);
  for (std::int64_t n = 0; n < kHorizonDays; ++n, ++days, start_minute_of_day = 0) {
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (!months_[m]) {  // jump to the first day of the next month
      days += days_in_month(y, m) - d;
      continue;
    }
    if (!day_matches(y, m, d)) continue;
    for (int h = start_minute_of_day / 60; h < 24; ++h) {
      if (!hours_[h]) continue;
      int first = h == start_minute_of_day / 60 ? start_minute_of_day % 60 : 0;
      for (int mi = first; mi < 60; ++mi)
        if (minutes_[mi]) return days * kDay + h * kHour + mi * kMinute;
    }
  }
  return -1;
}

UnixSeconds Schedule::next_after(UnixSeconds after, const TimeZone& zone) const {
  std::optional<UnixSeconds> best;
  // Local candidates start at `after`'s local time, or a little before it
  // near a transition: in a repeated hour an earlier local time can map to a
  // later instant.
  std::int64_t o_now = zone.utc_offset(after);
  std::int64_t o_min = std::min({o_now, zone.utc_offset(after - kMaxShift), zone.utc_offset(after + kMaxShift)});
  std::int64_t o_max = std::max({o_now, zone.utc_offset(after - kMaxShift), zone.utc_offset(after + kMaxShift)});
  std::int64_t local = after + o_min - (o_max - o_min);
  for (;;) {
    std::int64_t candidate = next_local_match(local);
    if (candidate < 0) break;
    if (best && candidate > *best + zone.utc_offset(*best) + kMaxShift) break;
    // The instants whose local time is `candidate`: t = candidate - offset
    // for an offset in force around then.
    std::int64_t before = zone.utc_offset(candidate - kDay);
    std::int64_t later = zone.utc_offset(candidate + kDay);
    std::array<std::int64_t, 2> offsets = {std::max(before, later), std::min(before, later)};
    std::vector<UnixSeconds> instants;
    for (std::size_t k = 0; k < offsets.size(); ++k) {
      if (k == 1 && offsets[1] == offsets[0]) break;
      UnixSeconds t = candidate - offsets[k];
      if (zone.utc_offset(t) == offsets[k]) instants.push_back(t);
    }
    std::sort(instants.begin(), instants.end());
    if (instants.empty()) {
      // A gap (the clock jumped forward over `candidate`): an every-instant
      // schedule has no such instant; any other fires when the gap ends,
      // the first instant whose offset is the new one.
      if (!every_instant_) {
        UnixSeconds lo = candidate - std::max(before, later), hi = candidate - std::min(before, later);
        while (hi - lo > 1) {
          UnixSeconds mid = lo + (hi - lo) / 2;
          (zone.utc_offset(mid) == later ? hi : lo) = mid;
        }
        instants.push_back(floor_div(hi + kMinute - 1, kMinute) * kMinute);
      }
    } else if (instants.size() == 2 && !every_instant_) {
      instants.pop_back();  // a repeated hour: the first pass only
    }
    for (UnixSeconds t : instants)
      if (t > after && (!best || t < *best)) best = t;
    // Far from any transition, local order is instant order: done.
    if (best && zone.utc_offset(*best - kMaxShift) == zone.utc_offset(*best + kMaxShift)) break;
    local = candidate + kMinute;
  }
  if (!best) throw invalid_parameter("cron schedule never fires");
  return *best;
}

}  // namespace megaforce::cron
