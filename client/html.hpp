// Text into HTML: every value the status page shows goes through html().
#pragma once

#include <string>

namespace megaforce::client {

// & < > " ' as character references: safe in element text and in quoted
// attribute values.
std::string html(const std::string& text);

}  // namespace megaforce::client
