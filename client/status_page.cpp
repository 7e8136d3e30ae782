// The status page (see status_page.hpp).
#include "status_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "health.hpp"
#include "html.hpp"

namespace megaforce::client {
namespace {

using nlohmann::json;

const char* const kStyle = R"(
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1f2933; }
h1 { font-size: 1.5rem; margin: .2rem 0; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #d9dee3; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
.badge { font-weight: 700; padding: .1rem .7rem; border-radius: 1rem; color: #fff; text-transform: uppercase; }
.pass { background: #16794c; } .warn { background: #b45309; } .fail { background: #b91c1c; }
.muted { color: #616e7c; } .note { background: #fff7e6; border-left: 4px solid #b45309; padding: .4rem .8rem; }
.down { background: #fdecec; border-left: 4px solid #b91c1c; padding: .6rem 1rem; }
table { border-collapse: collapse; margin: .3rem 0; } th, td { text-align: left; padding: .2rem .9rem .2rem 0; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } th { color: #52606d; font-weight: 600; }
.figures { display: flex; gap: 2rem; flex-wrap: wrap; } .figure b { display: block; font-size: 1.4rem; }
td.error { font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; word-break: break-word; max-width: 32rem; }
)";

// 1234567 -> "1,234,567"
std::string grouped(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

const char* run_colour(const std::string& status) {
  if (status == "queued") return "#2563eb";
  if (status == "running") return "#d97706";
  if (status == "succeeded") return "#16794c";
  if (status == "failed") return "#b91c1c";
  return "#7b8794";
}

struct Bar {
  std::string status;
  long long count;
  bool estimate;
};

// Horizontal bars, one per run status, with the figures written in.
std::string runs_chart(const std::vector<Bar>& bars) {
  const int label_width = 90, bar_width = 330, row = 28, width = 560;
  long long largest = 1;
  for (const Bar& b : bars) largest = std::max(largest, b.count);
  std::string svg = fmt::format(
      "<svg id=\"runs-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-labelledby=\"runs-chart-title\">"
      "<title id=\"runs-chart-title\">Runs by status</title>",
      width, row * static_cast<int>(bars.size()) + 4);
  int y = 2;
  for (const Bar& b : bars) {
    // A bar of a non-zero count is at least 2 px, so it is seen.
    double length = b.count == 0 ? 0 : std::max(2.0, bar_width * static_cast<double>(b.count) / largest);
    std::string figure = (b.estimate ? "\u2248 " : "") + grouped(b.count);
    svg += fmt::format(
        "<g class=\"bar\" data-status=\"{0}\"><text x=\"0\" y=\"{1}\" font-size=\"14\" fill=\"#1f2933\">{0}</text>"
        "<rect x=\"{2}\" y=\"{3}\" width=\"{4:.1f}\" height=\"{5}\" rx=\"3\" fill=\"{6}\"><title>{0}: {7}</title></rect>"
        "<text x=\"{8:.1f}\" y=\"{1}\" font-size=\"14\" fill=\"#1f2933\">{7}</text></g>",
        html(b.status), y + 18, label_width, y + 4, length, row - 8, run_colour(b.status), html(figure),
        label_width + length + 8);
    y += row;
  }
  return svg + "</svg>";
}

std::string figure(const std::string& id, const std::string& label, const std::string& value) {
  return fmt::format("<div class=\"figure\" id=\"{}\"><b>{}</b><span class=\"muted\">{}</span></div>", html(id),
                     html(value), html(label));
}

}  // namespace

std::string human_age(double seconds) {
  long long s = static_cast<long long>(std::floor(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02d} s", s / 60, static_cast<int>(s % 60));
  if (s < 86400) return fmt::format("{} h {:02d} min", s / 3600, static_cast<int>(s / 60 % 60));
  return fmt::format("{} d {:02d} h", s / 86400, static_cast<int>(s / 3600 % 24));
}

std::string status_page(const Snapshot& snap, const json& report, const std::string& target) {
  std::string status = report["status"].get<std::string>();
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"refresh\" content=\"{}\"><meta name=\"viewport\" content=\"width=device-width\">"
      "<title>megaforce: {}</title><style>{}</style></head><body>\n",
      kStatusPageRefreshSeconds, html(status), kStyle);
  page += fmt::format(
      "<header><h1>megaforce</h1><span class=\"badge {0}\" id=\"status\">{0}</span>"
      "<span class=\"muted\">database {1} &middot; measured {2} &middot; refreshes every {3} s</span></header>\n",
      html(status), html(target), html(snap.time), kStatusPageRefreshSeconds);

  if (!snap.connected) {
    page += fmt::format(
        "<section class=\"down\" id=\"database-down\"><h2>Database down</h2><p>The database does not answer: "
        "{}</p><p>This page keeps trying: it reconnects on every refresh.</p></section>\n",
        html(snap.connect_error));
    return page + "</body></html>\n";
  }
  if (report.contains("output"))
    page += fmt::format("<p class=\"note\" id=\"notes\">{}</p>\n", html(report["output"].get<std::string>()));

  // Versions and the last migrations.
  page += "<section id=\"versions\"><h2>Versions</h2><table>";
  page += fmt::format("<tr><th>installed</th><td id=\"installed\">{}</td></tr>",
                      html(snap.installed.value_or("not installed")));
  page += fmt::format("<tr><th>head</th><td id=\"head\">{}</td></tr>", html(snap.head.value_or("unknown")));
  page += fmt::format("<tr><th>PostgreSQL</th><td>{}{}</td></tr></table>", html(snap.server_version),
                      snap.recovery ? " (hot standby)" : "");
  if (!snap.migrations.empty()) {
    page += "<h3>Last migrations</h3><table id=\"migrations\"><tr><th>applied</th><th>step</th><th>by</th></tr>";
    for (const Migration& m : snap.migrations)
      page += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", html(m.applied_at),
                          html(m.from ? *m.from + " \u2192 " + m.to : "install " + m.to), html(m.applied_by));
    page += "</table>";
  }
  page += "</section>\n";

  if (snap.installed) {
    // Runs.
    std::vector<Bar> bars = {{"queued", snap.queue.queued, false}, {"running", snap.queue.running, false}};
    for (const char* s : {"succeeded", "failed", "cancelled"}) {
      auto it = snap.finished.find(s);
      bars.push_back({s, it == snap.finished.end() ? 0 : it->second, !snap.finished_exact});
    }
    page += "<section id=\"runs\"><h2>Runs</h2><div class=\"figures\">";
    page += figure("queued", "queued", grouped(snap.queue.queued));
    page += figure("running", "running", grouped(snap.queue.running));
    page += figure("oldest-queued", "oldest due queued run waits", human_age(snap.queue.oldest_queued_age));
    page += figure("expired-leases", "expired leases", grouped(snap.queue.expired_leases));
    page += "</div>" + runs_chart(bars);
    page += fmt::format("<p class=\"muted\">Queued and running: exact. Finished: {}.</p></section>\n",
                        snap.finished_exact ? "counted since install (megaforce.finished_runs_total())"
                                            : "\u2248 the planner's estimate from the last ANALYZE");

    // Failed runs.
    page += "<section id=\"failed-runs\"><h2>Last failed runs</h2>";
    if (snap.failed_runs.empty()) {
      page += "<p class=\"muted\">No failed runs.</p>";
    } else {
      page += "<table><tr><th>when</th><th>source</th><th>attempt</th><th>error</th></tr>";
      for (const FailedRun& r : snap.failed_runs)
        page += fmt::format("<tr><td>{}</td><td class=\"source\">{}</td><td class=\"num\">{}</td>"
                            "<td class=\"error\">{}</td></tr>",
                            html(r.finished_at), html(r.source), r.attempt, html(r.error));
      page += "</table>";
    }
    page += "</section>\n";

    // Outputs.
    page += "<section id=\"outputs\"><h2>Outputs</h2><div class=\"figures\">";
    page += figure("review-backlog", "waiting for review", grouped(snap.review_backlog));
    page += figure("review-oldest", "oldest waits", human_age(snap.review_oldest_age));
    page += "</div><table id=\"outputs-by-status\">";
    for (const char* s : kOutputStatuses) {
      auto it = snap.outputs.find(s);
      if (it != snap.outputs.end())
        page += fmt::format("<tr><th>{}</th><td class=\"num\">{}</td></tr>", html(s), grouped(it->second));
    }
    page += "</table></section>\n";
  }

  // Every health check.
  page += "<section id=\"checks\"><h2>Health checks</h2><table><tr><th>check</th><th>value</th><th>status</th></tr>";
  for (const auto& [name, measurements] : report["checks"].items())
    for (const json& m : measurements)
      page += fmt::format("<tr><td>{0}</td><td>{1}</td><td><span class=\"badge {2}\">{2}</span></td></tr>", html(name),
                          html(measurement_text(m)), html(m["status"].get<std::string>()));
  page += "</table></section>\n";
  return page + "</body></html>\n";
}

}  // namespace megaforce::client
