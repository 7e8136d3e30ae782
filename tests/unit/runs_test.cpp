// The run state machine against SPEC §4.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/runs.hpp"

namespace rs = megaforce::runs;

TEST(Runs, EveryPairMatchesTheSpec) {
  const std::set<std::pair<std::string, std::string>> legal = {
      {"queued", "running"},   {"running", "succeeded"}, {"running", "failed"}, {"running", "queued"},
      {"queued", "cancelled"}, {"running", "cancelled"}, {"failed", "queued"}};
  const char* statuses[] = {"queued", "running", "succeeded", "failed", "cancelled"};
  for (const char* from : statuses)
    for (const char* to : statuses) {
      bool expected = legal.count({from, to}) > 0;
      EXPECT_EQ(rs::transition_allowed(*rs::parse_status(from), *rs::parse_status(to)), expected)
          << from << " -> " << to;
      if (!expected) {
        try {
          rs::check_transition("r1", *rs::parse_status(from), to);
          ADD_FAILURE() << from << " -> " << to;
        } catch (const megaforce::Error& e) {
          EXPECT_STREQ(e.sqlstate(), "55000");
          EXPECT_EQ(std::string(e.what()), std::string("cannot move run r1 from ") + from + " to " + to);
        }
      }
    }
}

TEST(Runs, UnknownStatusIs22023) {
  try {
    rs::check_transition("r1", rs::Status::kQueued, "paused");
    FAIL();
  } catch (const megaforce::Error& e) {
    EXPECT_STREQ(e.sqlstate(), "22023");
  }
}

TEST(Runs, BackoffDoublesFrom30SecondsUpToAnHour) {
  EXPECT_EQ(rs::retry_backoff_seconds(1), 30);
  EXPECT_EQ(rs::retry_backoff_seconds(2), 60);
  EXPECT_EQ(rs::retry_backoff_seconds(3), 120);
  EXPECT_EQ(rs::retry_backoff_seconds(7), 1920);
  EXPECT_EQ(rs::retry_backoff_seconds(8), 3600);
  EXPECT_EQ(rs::retry_backoff_seconds(100), 3600);
  EXPECT_EQ(rs::retry_backoff_seconds(0), 30);
}

TEST(Runs, ClaimArguments) {
  EXPECT_NO_THROW(rs::check_claim_arguments("w1", 1, 1));
  EXPECT_THROW(rs::check_claim_arguments("", 1, 1000), megaforce::Error);
  EXPECT_THROW(rs::check_claim_arguments("  ", 1, 1000), megaforce::Error);
  EXPECT_THROW(rs::check_claim_arguments("w", 0, 1000), megaforce::Error);
  EXPECT_THROW(rs::check_claim_arguments("w", -5, 1000), megaforce::Error);
  EXPECT_THROW(rs::check_claim_arguments("w", 1, 0), megaforce::Error);
  EXPECT_THROW(rs::check_claim_arguments("w", 1, -1), megaforce::Error);
}

TEST(Runs, Triggers) {
  for (const char* ok : {"manual", "schedule", "webhook", "retry"}) EXPECT_NO_THROW(rs::check_trigger(ok));
  EXPECT_THROW(rs::check_trigger("cron"), megaforce::Error);
}

TEST(Runs, NotificationPayload) {
  EXPECT_EQ(rs::notification("r", "s", std::nullopt, rs::Status::kQueued),
            R"({"id": "r", "input_source_id": "s", "from": null, "to": "queued"})");
  EXPECT_EQ(rs::notification("r", "s", rs::Status::kQueued, rs::Status::kRunning),
            R"({"id": "r", "input_source_id": "s", "from": "queued", "to": "running"})");
}
