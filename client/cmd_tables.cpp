// megaforce tables: the extension's tables with row estimates, sizes, dead
// tuples and when each was last vacuumed and analyzed (by hand or by
// autovacuum), from the statistics: nothing here reads a table.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"

namespace megaforce::client {
namespace {

nlohmann::json text_or_null(const Result& r, int row, int column) {
  return r.is_null(row, column) ? nlohmann::json(nullptr) : nlohmann::json(r.text(row, column));
}

// The later of a manual and an automatic run, as "YYYY-MM-DD HH:MM (auto)".
std::string last_of(const Result& r, int row, int manual, int automatic) {
  if (r.is_null(row, manual) && r.is_null(row, automatic)) return "never";
  bool auto_later = r.is_null(row, manual) || (!r.is_null(row, automatic) && r.text(row, automatic) > r.text(row, manual));
  return r.text(row, auto_later ? automatic : manual).substr(0, 16) + (auto_later ? " (auto)" : "");
}

}  // namespace

void add_tables(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand(
      "tables", "the extension's tables: row estimates, sizes, dead tuples, last (auto)vacuum and (auto)analyze");
  cmd->footer(
      "Times are UTC. \"(auto)\": autovacuum did it, else a manual VACUUM / ANALYZE.\n"
      "Examples:\n  megaforce tables\n  megaforce tables --json");
  cmd->callback([&ctx] {
    ctx.action = [&ctx] {
      Connection conn = ctx.connect();
      // Members of the extension only; reltuples is the planner's estimate
      // (-1 until the table was first vacuumed or analyzed).
      Result tables = conn.exec(
          "SELECT c.relname, c.reltuples::bigint, pg_catalog.pg_total_relation_size(c.oid), "
          "       pg_catalog.pg_relation_size(c.oid), pg_catalog.pg_indexes_size(c.oid), "
          "       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)), "
          "       COALESCE(s.n_dead_tup, 0), "
          "       pg_catalog.to_char(s.last_vacuum AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
          "       pg_catalog.to_char(s.last_autovacuum AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
          "       pg_catalog.to_char(s.last_analyze AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
          "       pg_catalog.to_char(s.last_autoanalyze AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
          "FROM pg_catalog.pg_class c "
          "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
          "     AND d.objid = c.oid AND d.deptype = 'e' "
          "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'megaforce' "
          "LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid "
          "WHERE c.relkind IN ('r', 'p') ORDER BY c.relname");
      if (tables.rows() == 0 &&
          conn.exec("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'megaforce'").rows() == 0)
        throw CliError(kFailed, fmt::format("megaforce is not installed in database {}; megaforce upgrade installs it",
                                            conn.database()));
      if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (int i = 0; i < tables.rows(); ++i) {
          long long estimate = tables.integer(i, 1);
          out.push_back({{"table", "megaforce." + tables.text(i, 0)},
                         {"rows_estimate", estimate < 0 ? nlohmann::json(nullptr) : nlohmann::json(estimate)},
                         {"total_bytes", tables.integer(i, 2)},
                         {"table_bytes", tables.integer(i, 3)},
                         {"index_bytes", tables.integer(i, 4)},
                         {"dead_tuples", tables.integer(i, 6)},
                         {"last_vacuum", text_or_null(tables, i, 7)},
                         {"last_autovacuum", text_or_null(tables, i, 8)},
                         {"last_analyze", text_or_null(tables, i, 9)},
                         {"last_autoanalyze", text_or_null(tables, i, 10)}});
        }
        std::cout << out.dump(2) << "\n";
        return kOk;
      }
      std::cout << fmt::format("{:<28} {:>12} {:>10} {:>10}  {:<23} {}\n", "table", "rows (est.)", "size",
                               "dead", "last vacuum", "last analyze");
      for (int i = 0; i < tables.rows(); ++i) {
        long long estimate = tables.integer(i, 1);
        std::cout << fmt::format("{:<28} {:>12} {:>10} {:>10}  {:<23} {}\n", "megaforce." + tables.text(i, 0),
                                 estimate < 0 ? std::string("-") : std::to_string(estimate), tables.text(i, 5),
                                 tables.integer(i, 6), last_of(tables, i, 7, 8), last_of(tables, i, 9, 10));
      }
      return kOk;
    };
  });
}

}  // namespace megaforce::client
