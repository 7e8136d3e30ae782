#include "core/runs.hpp"

#include <array>

#include "core/approval.hpp"
#include "core/error.hpp"

namespace megaforce::runs {

namespace {
constexpr std::array<const char*, 5> kNames = {"queued", "running", "succeeded", "failed", "cancelled"};
constexpr std::int64_t kBaseBackoff = 30;
constexpr std::int64_t kMaxBackoff = 3600;
}  // namespace

std::optional<Status> parse_status(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (text == kNames[i]) return static_cast<Status>(i);
  return std::nullopt;
}

const char* name(Status status) { return kNames[static_cast<int>(status)]; }

bool transition_allowed(Status from, Status to) {
  switch (from) {
    case Status::kQueued: return to == Status::kRunning || to == Status::kCancelled;
    case Status::kRunning:
      return to == Status::kSucceeded || to == Status::kFailed || to == Status::kQueued ||
             to == Status::kCancelled;
    case Status::kFailed: return to == Status::kQueued;
    case Status::kSucceeded:
    case Status::kCancelled: return false;
  }
  return false;
}

Status check_transition(std::string_view run_id, Status from, std::string_view to) {
  std::optional<Status> target = parse_status(to);
  if (!target)
    throw Error(sqlstate::kInvalidParameterValue, "unknown run status \"" + std::string(to) + "\"", {},
                "Statuses: queued, running, succeeded, failed, cancelled.");
  if (!transition_allowed(from, *target))
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "cannot move run " + std::string(run_id) + " from " + name(from) + " to " + name(*target));
  return *target;
}

bool is_finished(Status status) {
  return status == Status::kSucceeded || status == Status::kFailed || status == Status::kCancelled;
}

std::int64_t retry_backoff_seconds(int attempt) {
  if (attempt < 1) attempt = 1;
  if (attempt > 20) return kMaxBackoff;  // 30 s x 2^19 is far past the cap
  std::int64_t seconds = kBaseBackoff << (attempt - 1);
  return seconds < kMaxBackoff ? seconds : kMaxBackoff;
}

void check_lease(std::int64_t lease_usec) {
  if (lease_usec <= 0) throw invalid_parameter("lease must be a positive interval");
  if (lease_usec > kMaxLeaseUsec)
    throw Error(sqlstate::kInvalidParameterValue, "lease must be at most 1 day", {},
                "A longer job keeps its lease with heartbeat_run().");
}

void check_claim_arguments(std::string_view worker, int max_runs, std::int64_t lease_usec) {
  if (approval::is_blank(worker)) throw invalid_parameter("worker must name the claiming worker");
  if (worker.size() > kMaxWorkerLength)
    throw invalid_parameter("worker name is too long: at most " + std::to_string(kMaxWorkerLength) + " bytes");
  if (max_runs < 1 || max_runs > kMaxClaimBatch)
    throw invalid_parameter("max_runs must be between 1 and " + std::to_string(kMaxClaimBatch) + ", not " +
                            std::to_string(max_runs));
  check_lease(lease_usec);
}

void check_priority(std::int64_t priority) {
  if (priority < -kMaxPriority || priority > kMaxPriority)
    throw invalid_parameter("priority must be between " + std::to_string(-kMaxPriority) + " and " +
                            std::to_string(kMaxPriority) + ", not " + std::to_string(priority));
}

void check_trigger(std::string_view trigger) {
  if (trigger != "manual" && trigger != "schedule" && trigger != "webhook" && trigger != "retry")
    throw Error(sqlstate::kInvalidParameterValue, "unknown run trigger \"" + std::string(trigger) + "\"",
                {}, "Triggers: manual, schedule, webhook, retry.");
}

std::string notification(std::string_view run_id, std::string_view source_id, std::optional<Status> from,
                         Status to) {
  std::string json = "{\"id\": \"" + std::string(run_id) + "\", \"input_source_id\": \"" +
                     std::string(source_id) + "\", \"from\": ";
  json += from ? "\"" + std::string(name(*from)) + "\"" : "null";
  json += ", \"to\": \"" + std::string(name(to)) + "\"}";
  return json;
}

}  // namespace megaforce::runs
