// Prometheus exposition of a snapshot (see metrics.hpp).
#include "metrics.hpp"

#include <fmt/format.h>

namespace megaforce::client {
namespace {

// A label value: backslash, double quote and line feed escaped.
std::string label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(const char* name, double value, const std::string& labels = "") {
    if (labels.empty()) text_ += fmt::format("{} {}\n", name, value);
    else text_ += fmt::format("{}{{{}}} {}\n", name, labels, value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string label(const char* key, const std::string& value) {
  return fmt::format("{}=\"{}\"", key, label_value(value));
}

}  // namespace

std::string metrics_text(const Snapshot& snap) {
  Exposition out;
  out.family("megaforce_up", "gauge", "1 when the database answered every query of this scrape, else 0.");
  out.sample("megaforce_up", snap.measured() ? 1 : 0);
  if (!snap.connected) return out.take();

  out.family("megaforce_postgres_response_seconds", "gauge", "Round trip of SELECT 1 on the kept connection.");
  out.sample("megaforce_postgres_response_seconds", snap.response_ms / 1000);
  out.family("megaforce_oldest_transaction_age_seconds", "gauge",
             "Age of the oldest transaction of the database that holds back vacuum (0: none).");
  out.sample("megaforce_oldest_transaction_age_seconds", snap.oldest_transaction_age);
  if (!snap.head && !snap.installed) return out.take();

  out.family("megaforce_schema_info", "gauge", "Installed megaforce version and the server's head version (1).");
  out.sample("megaforce_schema_info", 1,
             label("installed", snap.installed.value_or("")) + "," + label("head", snap.head.value_or("")));
  if (!snap.installed) return out.take();

  out.family("megaforce_runs", "gauge", "Runs waiting (queued) and working (running), exact.");
  out.sample("megaforce_runs", static_cast<double>(snap.queue.queued), label("status", "queued"));
  out.sample("megaforce_runs", static_cast<double>(snap.queue.running), label("status", "running"));
  out.family("megaforce_runs_expired_leases", "gauge", "Running runs whose lease has expired (the reaper requeues them).");
  out.sample("megaforce_runs_expired_leases", static_cast<double>(snap.queue.expired_leases));
  out.family("megaforce_runs_oldest_queued_age_seconds", "gauge",
             "How long the oldest due queued run has waited (0: none due).");
  out.sample("megaforce_runs_oldest_queued_age_seconds", snap.queue.oldest_queued_age);
  if (snap.finished_exact) {
    out.family("megaforce_runs_finished_total", "counter", "Runs that finished, by final status, since install.");
    for (const auto& [status, total] : snap.finished)
      out.sample("megaforce_runs_finished_total", static_cast<double>(total), label("status", status));
  }

  if (!snap.outputs.empty()) {
    out.family("megaforce_outputs", "gauge", "Outputs by workflow status, exact.");
    for (const char* status : kOutputStatuses)
      out.sample("megaforce_outputs", static_cast<double>(snap.outputs.at(status)), label("status", status));
    out.family("megaforce_review_backlog", "gauge", "Outputs waiting for review (pending_review).");
    out.sample("megaforce_review_backlog", static_cast<double>(snap.review_backlog));
  }
  return out.take();
}

}  // namespace megaforce::client
