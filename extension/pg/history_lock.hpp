// The output-row lock the approval-history hash chain (pg/history_chain.cpp)
// may rely on: the workflow trigger says it already holds it.
#pragma once

#include "core/uuid.hpp"

namespace megaforce::pg {

// While alive, history rows written for `output_id` need not lock the output
// row again: the workflow trigger writing them has it locked by its UPDATE.
class OutputLockedForHistory {
 public:
  explicit OutputLockedForHistory(const Uuid& output_id);
  ~OutputLockedForHistory();
  OutputLockedForHistory(const OutputLockedForHistory&) = delete;
  OutputLockedForHistory& operator=(const OutputLockedForHistory&) = delete;

 private:
  const Uuid* previous_;
};

}  // namespace megaforce::pg
