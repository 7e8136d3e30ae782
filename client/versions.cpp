// Version catalog of the server (see versions.hpp).
#include "versions.hpp"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>

#include "cli_error.hpp"

namespace megaforce::client {
namespace {

std::vector<long> parts(const std::string& version) {
  std::vector<long> out;
  std::istringstream in(version);
  std::string part;
  while (std::getline(in, part, '.')) out.push_back(std::strtol(part.c_str(), nullptr, 10));
  return out;
}

}  // namespace

bool version_less(const std::string& a, const std::string& b) {
  std::vector<long> pa = parts(a), pb = parts(b);
  if (pa != pb) return pa < pb;
  return a < b;
}

VersionState VersionState::load(const Connection& conn) {
  VersionState state;
  Result head = conn.exec("SELECT default_version, installed_version FROM pg_catalog.pg_available_extensions "
                          "WHERE name = 'megaforce'");
  if (head.rows() == 0)
    throw CliError(kFailed, "the server has no megaforce extension files; install them there (make -f Makefile.pgxs install)");
  state.head = head.text(0, 0);
  state.installed = head.optional_text(0, 1);
  Result versions = conn.exec("SELECT version FROM pg_catalog.pg_available_extension_versions WHERE name = 'megaforce'");
  for (int i = 0; i < versions.rows(); ++i) state.versions.push_back(versions.text(i, 0));
  std::sort(state.versions.begin(), state.versions.end(), version_less);
  Result steps = conn.exec("SELECT source, target FROM pg_catalog.pg_extension_update_paths('megaforce') "
                           "WHERE path = source || '--' || target");
  for (int i = 0; i < steps.rows(); ++i) state.steps.emplace_back(steps.text(i, 0), steps.text(i, 1));
  std::sort(state.steps.begin(), state.steps.end(), [](const auto& x, const auto& y) {
    if (x.first != y.first) return version_less(x.first, y.first);
    return version_less(x.second, y.second);
  });
  return state;
}

int VersionState::index_of(const std::string& version) const {
  auto it = std::find(versions.begin(), versions.end(), version);
  return it == versions.end() ? -1 : static_cast<int>(it - versions.begin());
}

const std::string& VersionState::known(const std::string& version) const {
  if (index_of(version) < 0)
    throw CliError(kFailed, fmt::format("unknown version {}; the server has {}", version, fmt::join(versions, ", ")));
  return version;
}

int parse_step_count(const std::string& target, char sign) {
  std::string usage = fmt::format("bad step count {}: use {}N with N >= 1", target, sign);
  if (target.size() < 2 || target[0] != sign) throw CliError(kBadInvocation, usage);
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(target.substr(1), &used);
  } catch (...) {
    throw CliError(kBadInvocation, usage);
  }
  if (n < 1 || used != target.size() - 1) throw CliError(kBadInvocation, usage);
  return n;
}

std::vector<std::string> VersionState::path(const Connection& conn, const std::string& from,
                                            const std::string& to) const {
  if (from == to) return {from};
  Result path = conn.exec("SELECT path FROM pg_catalog.pg_extension_update_paths('megaforce') "
                          "WHERE source = $1 AND target = $2",
                          {from, to});
  if (path.rows() == 0 || path.is_null(0, 0))
    throw CliError(kFailed, fmt::format("no update scripts lead from megaforce {} to {}", from, to));
  std::vector<std::string> out;
  std::string text = path.text(0, 0);
  std::string::size_type start = 0;
  for (;;) {
    std::string::size_type sep = text.find("--", start);
    out.push_back(text.substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 2;
  }
  return out;
}

}  // namespace megaforce::client
