// megaforce current: the installed version, "(head)" when it is head.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"
#include "versions.hpp"

namespace megaforce::client {

void add_current(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("current", "the installed version of megaforce, and (head) when it is head");
  cmd->footer("Example: megaforce current        prints e.g. \"1.1 (head)\"; exit 1 when not installed");
  cmd->callback([&ctx] {
    ctx.action = [&ctx] {
      Connection conn = ctx.connect();
      VersionState state = VersionState::load(conn);
      if (ctx.json) {
        std::cout << nlohmann::json{{"installed", state.installed ? nlohmann::json(*state.installed) : nullptr},
                                    {"head", state.head},
                                    {"is_head", state.is_head()}}.dump(2)
                  << "\n";
      } else if (state.installed) {
        std::cout << *state.installed << (state.is_head() ? " (head)" : "") << "\n";
      } else {
        std::cout << fmt::format("not installed (head is {})\n", state.head);
      }
      return state.installed ? kOk : kFailed;
    };
  });
}

}  // namespace megaforce::client
