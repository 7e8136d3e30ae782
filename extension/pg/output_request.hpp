// What a workflow function (transition_output and its named forms) asks of
// the output_schemas trigger: the function runs `UPDATE ... SET status` and
// the trigger, the one enforcement point, finds the function's actor, comment
// and expected revision here instead of in megaforce.actor_id /
// megaforce.comment. A request applies only to the row it names, and only
// while the function runs (OutputRequestScope clears it, also on error).
#pragma once

#include <optional>
#include <string>

#include "core/uuid.hpp"

namespace megaforce::pg {

struct OutputRequest {
  Uuid output_id{};
  std::string to_status;
  std::optional<Uuid> actor;
  std::string comment;
  std::optional<int> expected_revision;
};

// The request in force for `output_id`, or nullptr.
const OutputRequest* request_for(const Uuid& output_id);

class OutputRequestScope {
 public:
  explicit OutputRequestScope(OutputRequest request);
  ~OutputRequestScope();
  OutputRequestScope(const OutputRequestScope&) = delete;
  OutputRequestScope& operator=(const OutputRequestScope&) = delete;

 private:
  std::optional<OutputRequest> previous_;
};

}  // namespace megaforce::pg
