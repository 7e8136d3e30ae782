// What every command shares: the global options and the connection.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "connection_settings.hpp"
#include "pg.hpp"

namespace megaforce::client {

struct Context {
  std::optional<std::string> dsn;  // --dsn
  bool json = false;               // --json
  std::function<int()> action;     // the chosen command, run after parsing

  ConnectionTarget target() const;
  Connection connect() const;  // CliError(kNoConnection) with one line when it cannot
};

// One per command (client/cmd_*.cpp): adds the subcommand to `app`; its
// callback sets ctx.action.
void add_current(CLI::App& app, Context& ctx);
void add_history(CLI::App& app, Context& ctx);
void add_upgrade(CLI::App& app, Context& ctx);
void add_downgrade(CLI::App& app, Context& ctx);
void add_tables(CLI::App& app, Context& ctx);
void add_health(CLI::App& app, Context& ctx);
void add_serve(CLI::App& app, Context& ctx);
void add_check(CLI::App& app, Context& ctx);
void add_reset(CLI::App& app, Context& ctx);

}  // namespace megaforce::client
