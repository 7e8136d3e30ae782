// The run state machine (SPEC §4) as data, and the queue's plain rules:
// argument checks, retry backoff, notification payloads. No PostgreSQL here;
// the trigger in extension/pg/run_trigger.cpp enforces it for every path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace megaforce::runs {

enum class Status : std::uint8_t { kQueued, kRunning, kSucceeded, kFailed, kCancelled };

std::optional<Status> parse_status(std::string_view text);
const char* name(Status status);

// queued -> running (claim); running -> succeeded | failed | queued (retry,
// expired lease); queued | running -> cancelled; failed -> queued (retry).
bool transition_allowed(Status from, Status to);

// Throws 22023 for an unknown target status, 55000 for an illegal step.
Status check_transition(std::string_view run_id, Status from, std::string_view to);

bool is_finished(Status status);

// Seconds before a failed attempt is retried: 30 s x 2^(attempt - 1), at most 1 h.
std::int64_t retry_backoff_seconds(int attempt);

// claim_runs arguments (22023): a worker name that is not blank, at least one
// run, a positive lease (in microseconds).
// Limits of the queue's arguments: what is beyond them is a mistake, not a
// request (a year-long lease, a million runs in one claim).
inline constexpr std::size_t kMaxWorkerLength = 200;                 // bytes
inline constexpr int kMaxClaimBatch = 1000;                          // runs per claim_runs call
inline constexpr std::int64_t kMaxLeaseUsec = 24LL * 3600 * 1000000;  // one day
inline constexpr std::int64_t kMaxPriority = 1000;                   // priority in [-1000, 1000]

void check_claim_arguments(std::string_view worker, int max_runs, std::int64_t lease_usec);
void check_lease(std::int64_t lease_usec);
void check_priority(std::int64_t priority);

// Run triggers: manual, schedule, webhook, retry (22023 otherwise).
void check_trigger(std::string_view trigger);

// The NOTIFY megaforce_runs payload: {"id","input_source_id","from","to"}.
std::string notification(std::string_view run_id, std::string_view source_id,
                         std::optional<Status> from, Status to);

}  // namespace megaforce::runs
