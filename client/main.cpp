// megaforce: the operator's command line for the megaforce extension
// (SPEC §7). One file per command (cmd_*.cpp); this file wires them to CLI11
// and turns failures into one line on stderr and an exit code.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_error.hpp"
#include "context.hpp"

namespace mc = megaforce::client;

namespace megaforce::client {

ConnectionTarget Context::target() const {
  return resolve_target(dsn, [](const char* name) -> const char* { return std::getenv(name); });
}

Connection Context::connect() const {
  ConnectionTarget t = target();
  return Connection::open(t.conninfo, t.display);
}

}  // namespace megaforce::client

namespace {

void load_dotenv() {
  std::ifstream file(".env");
  if (!file) return;
  std::stringstream text;
  text << file.rdbuf();
  mc::apply_dotenv(mc::parse_dotenv(text.str()));
}

// One line for a bad invocation: what was wrong and where help is. CLI11
// reports a word that is no command as "A subcommand is required", so that
// case (and no command at all) names the word and the commands instead.
std::string invocation_error(CLI::App& app, const CLI::ParseError& error) {
  std::vector<CLI::App*> chosen = app.get_subcommands();
  if (!chosen.empty())
    return fmt::format("{}; see megaforce {} --help", error.what(), chosen.front()->get_name());
  std::vector<std::string> commands;
  for (const CLI::App* command : app.get_subcommands({})) commands.push_back(command->get_name());
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front().rfind('-', 0) == 0)
    return fmt::format("unknown option \"{}\"; see megaforce --help", rest.front());
  if (!rest.empty())
    return fmt::format("unknown command \"{}\"; the commands are {}; see megaforce --help", rest.front(),
                       fmt::join(commands, ", "));
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr)
    return fmt::format("no command given; the commands are {}; see megaforce --help", fmt::join(commands, ", "));
  return fmt::format("{}; see megaforce --help", error.what());
}

}  // namespace

int main(int argc, char** argv) {
  load_dotenv();
  mc::Context ctx;
  CLI::App app{"megaforce: migrations, tables and health of the megaforce PostgreSQL extension"};
  app.name("megaforce");
  app.fallthrough();  // --dsn and --json also after the command
  app.require_subcommand(1);
  app.add_option("--dsn", ctx.dsn,
                 "connection URL or libpq string (default: MEGAFORCE_DATABASE_URL, DATABASE_URL, "
                 "SUPABASE_DATABASE_URL, then libpq's PG* defaults; a .env file fills these)");
  app.add_flag("--json", ctx.json, "machine-readable output");
  app.footer(
      "Examples:\n"
      "  megaforce current\n"
      "  megaforce upgrade --sql\n"
      "  megaforce --dsn postgresql://app@db/megaforce health --json\n"
      "Exit codes: 0 ok, 1 failed (connected), 2 no connection, 3 bad invocation.");
  mc::add_current(app, ctx);
  mc::add_history(app, ctx);
  mc::add_upgrade(app, ctx);
  mc::add_downgrade(app, ctx);
  mc::add_tables(app, ctx);
  mc::add_health(app, ctx);
  mc::add_serve(app, ctx);
  mc::add_check(app, ctx);
  mc::add_reset(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help
      app.exit(e);
      return mc::kOk;
    }
    std::cerr << "megaforce: " << invocation_error(app, e) << "\n";
    return mc::kBadInvocation;
  }
  try {
    return ctx.action ? ctx.action() : mc::kBadInvocation;
  } catch (const mc::CliError& e) {
    std::cerr << "megaforce: " << e.what() << "\n";
    return e.exit_code();
  } catch (const mc::DbError& e) {
    std::cerr << fmt::format("megaforce: {} (SQLSTATE {})\n", e.what(), e.sqlstate());
    return mc::kFailed;
  } catch (const std::exception& e) {
    std::cerr << "megaforce: " << e.what() << "\n";
    return mc::kFailed;
  }
}
