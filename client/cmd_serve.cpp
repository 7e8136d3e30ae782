// megaforce serve [--listen 127.0.0.1:8000]: GET /health over HTTP, the
// health JSON with Content-Type application/health+json, 200 for pass and
// warn, 503 for fail. Keeps one connection, reconnects when it breaks,
// starts while the database is down, stops cleanly on SIGINT/SIGTERM.
#include <fmt/format.h>
#include <httplib.h>

#include <csignal>
#include <iostream>
#include <mutex>
#include <optional>

#include "cli_error.hpp"
#include "context.hpp"
#include "health.hpp"

namespace megaforce::client {
namespace {

httplib::Server* g_server = nullptr;

extern "C" void stop_server(int) {
  if (g_server) g_server->stop();
}

// The connection the server keeps: (re)opened when missing or broken.
class HealthSource {
 public:
  explicit HealthSource(const Context& ctx) : ctx_(ctx) {}

  nlohmann::json report() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (conn_ && PQstatus(conn_->get()) != CONNECTION_OK) conn_.reset();
    std::string error;
    if (!conn_) {
      try {
        conn_.emplace(ctx_.connect());
      } catch (const CliError& e) {
        error = e.what();
      }
    }
    nlohmann::json report = health_report(conn_ ? &*conn_ : nullptr, error);
    // A query that failed on a dropped connection: try once more on a new one.
    if (conn_ && PQstatus(conn_->get()) != CONNECTION_OK) {
      conn_.reset();
      try {
        conn_.emplace(ctx_.connect());
        report = health_report(&*conn_, "");
      } catch (const CliError& e) {
        report = health_report(nullptr, e.what());
      }
    }
    return report;
  }

 private:
  const Context& ctx_;
  std::mutex mutex_;
  std::optional<Connection> conn_;
};

}  // namespace

void add_serve(CLI::App& app, Context& ctx) {
  auto listen = std::make_shared<std::string>("127.0.0.1:8000");
  CLI::App* cmd = app.add_subcommand("serve", "serve GET /health over HTTP (application/health+json)");
  cmd->add_option("--listen", *listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8000)");
  cmd->footer("Example: megaforce serve --listen 0.0.0.0:8000 & curl -i localhost:8000/health");
  cmd->callback([&ctx, listen] {
    ctx.action = [&ctx, listen] {
      std::string::size_type colon = listen->rfind(':');
      int port = 0;
      try {
        port = colon == std::string::npos ? -1 : std::stoi(listen->substr(colon + 1));
      } catch (...) {
        port = -1;
      }
      if (port < 0 || port > 65535)
        throw CliError(kBadInvocation, fmt::format("bad --listen {}: use ADDRESS:PORT, e.g. 127.0.0.1:8000", *listen));
      std::string host = listen->substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

      HealthSource source(ctx);
      httplib::Server server;
      server.Get("/health", [&source](const httplib::Request&, httplib::Response& res) {
        nlohmann::json report = source.report();
        res.status = report["status"] == "fail" ? 503 : 200;
        res.set_header("Cache-Control", "no-store");
        res.set_content(report.dump(2) + "\n", "application/health+json");
      });
      g_server = &server;
      std::signal(SIGINT, stop_server);
      std::signal(SIGTERM, stop_server);
      std::signal(SIGPIPE, SIG_IGN);
      if (!server.bind_to_port(host.c_str(), port))
        throw CliError(kFailed, fmt::format("cannot listen on {}: address in use or not available", *listen));
      std::cerr << fmt::format("megaforce: serving GET /health on http://{}/health (database: {})\n", *listen,
                               ctx.target().display);
      server.listen_after_bind();
      g_server = nullptr;
      std::cerr << "megaforce: stopped\n";
      return kOk;
    };
  });
}

}  // namespace megaforce::client
