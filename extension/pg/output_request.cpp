#include "pg/output_request.hpp"

#include <utility>

namespace megaforce::pg {

namespace {
// One backend runs one statement at a time; a nested workflow call (a user
// trigger calling a workflow function) saves and restores the outer request.
std::optional<OutputRequest> g_request;
}  // namespace

const OutputRequest* request_for(const Uuid& output_id) {
  return g_request && g_request->output_id == output_id ? &*g_request : nullptr;
}

OutputRequestScope::OutputRequestScope(OutputRequest request) : previous_(std::move(g_request)) {
  g_request = std::move(request);
}

OutputRequestScope::~OutputRequestScope() { g_request = std::move(previous_); }

}  // namespace megaforce::pg
