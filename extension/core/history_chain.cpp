// Canonical encoding and chain checks of approval_history (see the header).
#include "core/history_chain.hpp"

#include <utility>

namespace megaforce {
namespace {

constexpr char kDomain[] = "megaforce.approval_history.v1";

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put_field(std::string& out, const void* bytes, std::size_t size) {
  out.push_back('\x01');
  put_u32(out, static_cast<std::uint32_t>(size));
  out.append(static_cast<const char*>(bytes), size);
}

void put_null(std::string& out) { out.push_back('\x00'); }

void put_int(std::string& out, std::uint64_t value, int bytes) {
  char buffer[8];
  for (int i = 0; i < bytes; ++i) buffer[i] = static_cast<char>((value >> (8 * (bytes - 1 - i))) & 0xff);
  put_field(out, buffer, static_cast<std::size_t>(bytes));
}

template <typename Bytes>
void put_optional_bytes(std::string& out, const std::optional<Bytes>& value) {
  if (value) put_field(out, value->data(), value->size());
  else put_null(out);
}

std::string describe(const std::optional<std::string>& status) {
  return status ? *status : std::string("NULL");
}

}  // namespace

std::string history_row_encoding(const std::optional<Sha256Digest>& previous,
                                 const HistoryRow& row) {
  std::string out(kDomain, sizeof kDomain);  // includes the terminating 0x00
  put_optional_bytes(out, previous);
  put_int(out, static_cast<std::uint64_t>(row.id), 8);
  put_optional_bytes(out, row.output_id);
  put_optional_bytes(out, row.from_status);
  put_optional_bytes(out, row.to_status);
  put_optional_bytes(out, row.actor_id);
  put_optional_bytes(out, row.comment);
  if (row.revision) put_int(out, static_cast<std::uint32_t>(*row.revision), 4);
  else put_null(out);
  if (row.created_at) put_int(out, static_cast<std::uint64_t>(*row.created_at), 8);
  else put_null(out);
  return out;
}

Sha256Digest history_row_hash(const std::optional<Sha256Digest>& previous, const HistoryRow& row) {
  return sha256(history_row_encoding(previous, row));
}

void HistoryChainChecker::report(std::optional<std::int64_t> history_id, std::string problem) {
  problems_.push_back(HistoryProblem{output_id_, history_id, std::move(problem)});
}

void HistoryChainChecker::add_row(const HistoryRow& row,
                                  const std::optional<Sha256Digest>& stored_hash,
                                  bool hash_present) {
  if (first_) {
    if (row.from_status)
      report(row.id, "chain does not start with the creation row (from_status is " +
                         *row.from_status + ", expected NULL)");
  } else {
    if (!row.from_status)
      report(row.id, "creation row in the middle of the chain");
    else if (previous_to_status_ && *row.from_status != *previous_to_status_)
      report(row.id, "from_status " + *row.from_status +
                         " does not follow the previous row's to_status " +
                         describe(previous_to_status_));
    if (previous_revision_ && row.revision && *row.revision != *previous_revision_ + 1)
      report(row.id, "revision gap: revision " + std::to_string(*row.revision) +
                         " follows revision " + std::to_string(*previous_revision_));
  }
  if (!hash_present) {
    report(row.id, "row_hash is missing");
  } else if (!stored_hash || *stored_hash != history_row_hash(previous_hash_, row)) {
    report(row.id, "row_hash does not match the row and the previous row_hash");
  }
  first_ = false;
  previous_hash_ = stored_hash;
  previous_to_status_ = row.to_status;
  previous_revision_ = row.revision;
  last_id_ = row.id;
}

std::vector<HistoryProblem> HistoryChainChecker::finish() {
  if (first_) {
    report(std::nullopt, "output has no history rows");
  } else if (previous_revision_ && *previous_revision_ != output_revision_) {
    report(last_id_, "output revision " + std::to_string(output_revision_) +
                         " is not its last history row's revision " +
                         std::to_string(*previous_revision_) +
                         (output_revision_ > *previous_revision_ ? " (history tail deleted)" : ""));
  }
  return std::move(problems_);
}

}  // namespace megaforce
