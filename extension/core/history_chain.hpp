// The tamper-evident hash chain of approval_history (version 1.1).
//
// Every history row carries row_hash = SHA-256 over the previous row's hash of
// the same output and this row's fields, so the rows of one output form a
// chain: changing, inserting or removing a row in the middle breaks the link
// to the row after it.
//
// Canonical encoding (version 1), the bytes that are hashed:
//   "megaforce.approval_history.v1" followed by one 0x00 byte, then ten fields
//   in this order: previous row_hash, id, output_id, from_status, to_status,
//   actor_id, comment, revision, created_at. Each field is
//     0x00                                   when it is NULL (or, for the
//                                            previous hash, the first row), or
//     0x01, length (uint32 big-endian), bytes otherwise,
//   where the bytes are: the 32-byte previous hash; id as int64 big-endian;
//   uuids as their 16 bytes; texts as their UTF-8 bytes; revision as int32
//   big-endian; created_at as PostgreSQL's timestamptz, int64 big-endian
//   microseconds since 2000-01-01 00:00:00 UTC.
// Everything is length-prefixed, so no two different rows encode alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/sha256.hpp"
#include "core/uuid.hpp"

namespace megaforce {

struct HistoryRow {
  std::int64_t id = 0;
  std::optional<Uuid> output_id;
  std::optional<std::string> from_status;  // NULL on the creation row
  std::optional<std::string> to_status;
  std::optional<Uuid> actor_id;
  std::optional<std::string> comment;
  std::optional<std::int32_t> revision;
  std::optional<std::int64_t> created_at;  // microseconds since 2000-01-01 UTC
};

// The bytes hashed for `row` after `previous` (nullopt for an output's first row).
std::string history_row_encoding(const std::optional<Sha256Digest>& previous,
                                 const HistoryRow& row);
Sha256Digest history_row_hash(const std::optional<Sha256Digest>& previous,
                              const HistoryRow& row);

// A problem verify_history() reports: the output, the history row (nullopt
// for a problem of the output as a whole) and what is wrong.
struct HistoryProblem {
  Uuid output_id;
  std::optional<std::int64_t> history_id;
  std::string problem;
};

// Walks the chain of one output, row by row in id order. Each link is checked
// against the stored hash of the row before it, so one altered row is
// reported once, where it is, and not every row after it.
class HistoryChainChecker {
 public:
  HistoryChainChecker(const Uuid& output_id, std::int32_t output_revision)
      : output_id_(output_id), output_revision_(output_revision) {}

  // `stored_hash` is the row's row_hash column (nullopt when NULL or not 32 bytes).
  void add_row(const HistoryRow& row, const std::optional<Sha256Digest>& stored_hash,
               bool hash_present);
  // Checks that end the chain (the output's revision is its last row's); call once.
  std::vector<HistoryProblem> finish();

 private:
  void report(std::optional<std::int64_t> history_id, std::string problem);

  Uuid output_id_;
  std::int32_t output_revision_;
  std::vector<HistoryProblem> problems_;
  bool first_ = true;
  std::optional<Sha256Digest> previous_hash_;
  std::optional<std::string> previous_to_status_;
  std::optional<std::int32_t> previous_revision_;
  std::int64_t last_id_ = 0;
};

}  // namespace megaforce
