// libFuzzer target: cron expressions are untrusted text (input_sources.schedule,
// next_fire_time). Parsing must either succeed or throw megaforce::Error; a
// parsed schedule must give a next fire time after any instant, in a zone
// with or without an offset.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/cron.hpp"
#include "core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  std::int64_t after = 0;
  std::memcpy(&after, data, 8);
  after %= 4102444800;  // keep within ~±130 years of 1970
  std::string_view expression(reinterpret_cast<const char*>(data + 8), size - 8);
  try {
    megaforce::cron::Schedule schedule = megaforce::cron::Schedule::parse(expression);
    megaforce::cron::FixedZone utc(0), plus(5 * 3600 + 1800), minus(-8 * 3600);
    for (const megaforce::cron::TimeZone* zone : {static_cast<const megaforce::cron::TimeZone*>(&utc),
                                                  static_cast<const megaforce::cron::TimeZone*>(&plus),
                                                  static_cast<const megaforce::cron::TimeZone*>(&minus)}) {
      megaforce::cron::UnixSeconds next = schedule.next_after(after, *zone);
      if (next <= after || next % 60 != 0) __builtin_trap();
    }
  } catch (const megaforce::Error& e) {
    if (std::strcmp(e.sqlstate(), "22023") != 0) __builtin_trap();
  }
  return 0;
}
