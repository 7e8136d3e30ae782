// Parsing megaforce.databases (see the header).
#include "core/database_list.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace megaforce {
namespace {

constexpr std::size_t kMaxNameBytes = 63;  // NAMEDATALEN - 1

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::vector<std::string> parse_database_list(const std::string& list) {
  std::vector<std::string> names;
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && is_space(list[i])) ++i;
    std::string name;
    if (i < list.size() && list[i] == '"') {
      ++i;
      bool closed = false;
      while (i < list.size()) {
        if (list[i] == '"') {
          if (i + 1 < list.size() && list[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        name += list[i++];
      }
      if (!closed) throw invalid_parameter("megaforce.databases: unterminated quoted name");
      while (i < list.size() && list[i] != ',') ++i;
    } else {
      while (i < list.size() && list[i] != ',') name += list[i++];
      while (!name.empty() && is_space(name.back())) name.pop_back();
    }
    if (i < list.size() && list[i] == ',') ++i;
    if (name.empty()) continue;
    if (name.size() > kMaxNameBytes)
      throw invalid_parameter("megaforce.databases: database name longer than 63 bytes: " + name);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace megaforce
