// GET /metrics: a snapshot in the Prometheus text exposition format 0.0.4.
#pragma once

#include <string>

#include "figures.hpp"

namespace megaforce::client {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The exposition of a snapshot taken with at least Detail::kMetrics. Not
// connected: megaforce_up 0 and nothing else that would be a guess.
std::string metrics_text(const Snapshot& snapshot);

}  // namespace megaforce::client
