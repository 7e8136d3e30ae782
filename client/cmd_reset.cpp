// megaforce reset --yes: drop the extension (every megaforce row with it)
// and create it again at head, in one transaction.
#include <fmt/format.h>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"
#include "migration.hpp"
#include "versions.hpp"

namespace megaforce::client {

void add_reset(CLI::App& app, Context& ctx) {
  auto yes = std::make_shared<bool>(false);
  auto options = std::make_shared<MigrationOptions>();
  CLI::App* cmd = app.add_subcommand("reset", "drop megaforce with all its rows and create it again at head");
  cmd->add_flag("--yes", *yes, "required: confirms that every megaforce row is deleted");
  cmd->add_option("--lock-timeout", options->lock_timeout, "lock wait limit per step (default 5s)");
  cmd->footer("Example: megaforce reset --yes   (development databases only: deletes every megaforce row)");
  cmd->callback([&ctx, yes, options] {
    ctx.action = [&ctx, yes, options] {
      if (!*yes) throw CliError(kFailed, "reset deletes every megaforce row; add --yes if that is what you want");
      Connection conn = ctx.connect();
      VersionState state = VersionState::load(conn);
      options->json = ctx.json;
      auto plan = [&](const std::optional<std::string>& installed) {
        std::vector<MigrationStep> steps;
        if (installed) steps.push_back({*installed, std::nullopt, "DROP EXTENSION megaforce CASCADE"});
        steps.push_back({std::nullopt, state.head,
                         fmt::format("CREATE EXTENSION megaforce VERSION '{}'", state.head)});
        return steps;
      };
      run_migration(conn, *options, plan);
      return kOk;
    };
  });
}

}  // namespace megaforce::client
