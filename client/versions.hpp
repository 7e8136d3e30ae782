// What the server knows about megaforce's versions: the ones it has scripts
// for, the steps between them (pg_extension_update_paths), head (the control
// file's default_version) and the installed one (pg_extension).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg.hpp"

namespace megaforce::client {

// "1.10" after "1.9": versions compare by their numeric parts.
bool version_less(const std::string& a, const std::string& b);

struct VersionState {
  std::vector<std::string> versions;                       // oldest first
  std::vector<std::pair<std::string, std::string>> steps;  // direct steps (from, to)
  std::string head;
  std::optional<std::string> installed;

  static VersionState load(const Connection& conn);  // CliError when the server lacks megaforce
  bool is_head() const { return installed && *installed == head; }
  // The versions walked from `from` to `to`, both included, along the
  // server's update scripts (a CliError when there is no way).
  std::vector<std::string> path(const Connection& conn, const std::string& from, const std::string& to) const;
  int index_of(const std::string& version) const;  // -1 when unknown
  // `version`, when the server has scripts for it; else a CliError listing them.
  const std::string& known(const std::string& version) const;
};

// N of "+N" / "-N" (the sign given); a CliError (bad invocation) otherwise.
int parse_step_count(const std::string& target, char sign);

}  // namespace megaforce::client
