// megaforce serve [--listen 127.0.0.1:8000]: over HTTP, GET /health (the
// health JSON, application/health+json, 200 for pass and warn, 503 for
// fail), GET /metrics (Prometheus text 0.0.4) and GET / (the status page).
// Keeps one connection, reconnects when it breaks, starts while the
// database is down, stops cleanly on SIGINT/SIGTERM.
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "cli_error.hpp"
#include "context.hpp"
#include "health.hpp"
#include "metrics.hpp"
#include "status_page.hpp"

namespace megaforce::client {
namespace {

httplib::Server* g_server = nullptr;

extern "C" void stop_server(int) {
  if (g_server) g_server->stop();
}

// The connection the server keeps: (re)opened when missing or broken. One
// request measures at a time.
class SnapshotSource {
 public:
  explicit SnapshotSource(const Context& ctx) : ctx_(ctx) {}

  Snapshot take(Detail detail) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string error = ensure_connection();
    Snapshot snap = take_snapshot(conn_ ? &*conn_ : nullptr, error, detail);
    // A query that failed on a dropped connection: try once more on a new one.
    if (conn_ && PQstatus(conn_->get()) != CONNECTION_OK) {
      conn_.reset();
      error = ensure_connection();
      snap = take_snapshot(conn_ ? &*conn_ : nullptr, error, detail);
    }
    return snap;
  }

 private:
  std::string ensure_connection() {
    if (conn_ && PQstatus(conn_->get()) != CONNECTION_OK) conn_.reset();
    if (conn_) return "";
    try {
      conn_.emplace(ctx_.connect());
      return "";
    } catch (const CliError& e) {
      return e.what();
    }
  }

  const Context& ctx_;
  std::mutex mutex_;
  std::optional<Connection> conn_;
};

// A handler that also reports its own duration (Server-Timing: app;dur=MS),
// which bench/serve.sh reads.
httplib::Server::Handler timed(httplib::Server::Handler handler) {
  return [handler](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    handler(req, res);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    res.set_header("Server-Timing", fmt::format("app;dur={:.3f}", ms));
  };
}

int parse_port(const std::string& listen, std::string::size_type colon) {
  try {
    return colon == std::string::npos ? -1 : std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return -1;
  }
}

}  // namespace

void add_serve(CLI::App& app, Context& ctx) {
  auto listen = std::make_shared<std::string>("127.0.0.1:8000");
  auto thresholds = std::make_shared<HealthThresholds>();
  CLI::App* cmd = app.add_subcommand("serve", "serve GET /health, GET /metrics and the status page GET / over HTTP");
  cmd->add_option("--listen", *listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8000)");
  add_threshold_options(*cmd, *thresholds);
  cmd->footer(
      "GET /health   the health JSON (megaforce health --json), 200 pass/warn, 503 fail\n"
      "GET /metrics  Prometheus text format 0.0.4 (megaforce_up, megaforce_runs{status}, ...)\n"
      "GET /         status page for people (refreshes itself every 10 s)\n"
      "--warn-queued-age (default 300 s) and --warn-xact-age (default 300 s) as in megaforce health.\n"
      "Example: megaforce serve --listen 0.0.0.0:8000 & curl -i localhost:8000/health");
  cmd->callback([&ctx, listen, thresholds] {
    ctx.action = [&ctx, listen, thresholds] {
      std::string::size_type colon = listen->rfind(':');
      int port = parse_port(*listen, colon);
      if (port < 0 || port > 65535)
        throw CliError(kBadInvocation, fmt::format("bad --listen {}: use ADDRESS:PORT, e.g. 127.0.0.1:8000", *listen));
      std::string host = listen->substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

      SnapshotSource source(ctx);
      std::string target = ctx.target().display;
      httplib::Server server;
      server.Get("/health", timed([&](const httplib::Request&, httplib::Response& res) {
        nlohmann::json report = health_report(source.take(Detail::kHealth), *thresholds);
        res.status = report["status"] == "fail" ? 503 : 200;
        res.set_header("Cache-Control", "no-store");
        res.set_content(report.dump(2) + "\n", "application/health+json");
      }));
      server.Get("/metrics", timed([&](const httplib::Request&, httplib::Response& res) {
        res.set_header("Cache-Control", "no-store");
        res.set_content(metrics_text(source.take(Detail::kMetrics)), kMetricsContentType);
      }));
      server.Get("/", timed([&](const httplib::Request&, httplib::Response& res) {
        Snapshot snap = source.take(Detail::kPage);
        nlohmann::json report = health_report(snap, *thresholds);
        res.status = report["status"] == "fail" ? 503 : 200;
        res.set_header("Cache-Control", "no-store");
        res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
        res.set_content(status_page(snap, report, target), "text/html; charset=utf-8");
      }));
      g_server = &server;
      std::signal(SIGINT, stop_server);
      std::signal(SIGTERM, stop_server);
      std::signal(SIGPIPE, SIG_IGN);
      if (!server.bind_to_port(host.c_str(), port))
        throw CliError(kFailed, fmt::format("cannot listen on {}: address in use or not available", *listen));
      std::cerr << fmt::format("megaforce: serving http://{}/ (GET /, /health, /metrics; database: {})\n", *listen,
                               target);
      server.listen_after_bind();
      g_server = nullptr;
      std::cerr << "megaforce: stopped\n";
      return kOk;
    };
  });
}

}  // namespace megaforce::client
