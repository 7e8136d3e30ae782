// The approval-history hash chain (core/history_chain): the canonical
// encoding, test vectors computed independently (Python hashlib/struct), and
// every problem verify_history() reports.
#include "core/history_chain.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace megaforce {
namespace {

Uuid uuid(const char* text) { return *parse_uuid(text); }

// Row 1 of an output: the creation row, 2025-11-24 00:00:00 UTC.
HistoryRow creation_row() {
  HistoryRow row;
  row.id = 1;
  row.output_id = uuid("11111111-2222-3333-4444-555555555555");
  row.to_status = "draft";
  row.actor_id = uuid("e0000000-0000-0000-0000-000000000001");
  row.revision = 1;
  row.created_at = 817257600000000;
  return row;
}

HistoryRow submit_row() {
  HistoryRow row = creation_row();
  row.id = 2;
  row.from_status = "draft";
  row.to_status = "pending_review";
  row.comment = "ready \xe2\x9c\x93";
  row.revision = 2;
  row.created_at = 817257600000001;
  return row;
}

TEST(HistoryChain, EncodingIsLengthPrefixedWithNullMarkers) {
  std::string encoded = history_row_encoding(std::nullopt, creation_row());
  std::string domain("megaforce.approval_history.v1\0", 30);
  ASSERT_EQ(encoded.substr(0, 30), domain);
  EXPECT_EQ(encoded[30], '\x00') << "no previous hash";
  EXPECT_EQ(encoded.substr(31, 13), std::string("\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x01", 13))
      << "id as a length-prefixed int64";
  // 30 + prev 1 + id 13 + output 21 + from 1 + to 10 + actor 21 + comment 1 + revision 9 + created 13
  EXPECT_EQ(encoded.size(), 30u + 1 + 13 + 21 + 1 + 10 + 21 + 1 + 9 + 13);
}

TEST(HistoryChain, MatchesIndependentTestVectors) {
  Sha256Digest first = history_row_hash(std::nullopt, creation_row());
  EXPECT_EQ(to_hex(first), "dfcc3c23bfb7cdd14070b15bf0da2c8206e32762552496f08e62ffbf9256f6f7");
  EXPECT_EQ(to_hex(history_row_hash(first, submit_row())),
            "ed4a5e79cebcf85ec3e2d122cef2ad6d457617104919b8b3ec17815ed71879e1");
}

TEST(HistoryChain, EveryFieldChangesTheHash) {
  Sha256Digest base = history_row_hash(std::nullopt, submit_row());
  std::vector<HistoryRow> variants(9, submit_row());
  variants[0].id = 3;
  variants[1].output_id = uuid("11111111-2222-3333-4444-555555555556");
  variants[2].from_status = std::nullopt;
  variants[3].to_status = "approved";
  variants[4].actor_id = uuid("e0000000-0000-0000-0000-000000000002");
  variants[5].comment = std::nullopt;
  variants[6].revision = 3;
  variants[7].created_at = 817257600000002;
  variants[8].comment = "";  // empty is not NULL
  for (const HistoryRow& v : variants) EXPECT_NE(history_row_hash(std::nullopt, v), base);
  EXPECT_NE(history_row_hash(base, submit_row()), base) << "the previous hash is hashed too";
}

TEST(HistoryChain, FieldBoundariesCannotShift) {
  HistoryRow a = submit_row(), b = submit_row();
  a.from_status = "draft";
  a.to_status = "x";
  b.from_status = "draftx";
  b.to_status = "";
  EXPECT_NE(history_row_hash(std::nullopt, a), history_row_hash(std::nullopt, b));
}

struct Chain {
  std::vector<HistoryRow> rows;
  std::vector<std::optional<Sha256Digest>> hashes;
  void add(HistoryRow row) {
    std::optional<Sha256Digest> previous = hashes.empty() ? std::nullopt : hashes.back();
    hashes.push_back(history_row_hash(previous, row));
    rows.push_back(row);
  }
  std::vector<HistoryProblem> check(std::int32_t output_revision) const {
    HistoryChainChecker checker(*rows.front().output_id, output_revision);
    for (std::size_t i = 0; i < rows.size(); ++i) checker.add_row(rows[i], hashes[i], hashes[i].has_value());
    return checker.finish();
  }
};

Chain intact_chain() {
  Chain chain;
  chain.add(creation_row());
  chain.add(submit_row());
  HistoryRow approve = submit_row();
  approve.id = 5;  // ids of one output need not be consecutive
  approve.from_status = "pending_review";
  approve.to_status = "approved";
  approve.comment = std::nullopt;
  approve.actor_id = uuid("a0000000-0000-0000-0000-000000000001");
  approve.revision = 3;
  chain.add(approve);
  return chain;
}

TEST(HistoryChainChecker, AnIntactChainHasNoProblems) {
  EXPECT_TRUE(intact_chain().check(3).empty());
}

TEST(HistoryChainChecker, AnAlteredRowIsReportedOnce) {
  Chain chain = intact_chain();
  chain.rows[1].comment = "forged";
  std::vector<HistoryProblem> problems = chain.check(3);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].history_id, 2);
  EXPECT_NE(problems[0].problem.find("row_hash does not match"), std::string::npos);
}

TEST(HistoryChainChecker, ARehashedRowBreaksTheNextLink) {
  Chain chain = intact_chain();
  chain.rows[1].comment = "forged";
  chain.hashes[1] = history_row_hash(chain.hashes[0], chain.rows[1]);
  std::vector<HistoryProblem> problems = chain.check(3);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].history_id, 5);
}

TEST(HistoryChainChecker, ADeletedTailIsReported) {
  Chain chain = intact_chain();
  chain.rows.pop_back();
  chain.hashes.pop_back();
  std::vector<HistoryProblem> problems = chain.check(3);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].history_id, 2);
  EXPECT_NE(problems[0].problem.find("history tail deleted"), std::string::npos);
}

TEST(HistoryChainChecker, ADeletedHeadIsReported) {
  Chain chain = intact_chain();
  chain.rows.erase(chain.rows.begin());
  chain.hashes.erase(chain.hashes.begin());
  std::vector<HistoryProblem> problems = chain.check(3);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].problem.find("does not start with the creation row"), std::string::npos);
  EXPECT_NE(problems[1].problem.find("row_hash does not match"), std::string::npos);
}

TEST(HistoryChainChecker, ADeletedMiddleRowIsARevisionGap) {
  Chain chain = intact_chain();
  chain.rows.erase(chain.rows.begin() + 1);
  chain.hashes.erase(chain.hashes.begin() + 1);
  std::vector<HistoryProblem> problems = chain.check(3);
  std::vector<std::string> texts;
  for (const HistoryProblem& p : problems) texts.push_back(p.problem);
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(texts);
  EXPECT_NE(texts[0].find("does not follow"), std::string::npos);
  EXPECT_NE(texts[1].find("revision gap"), std::string::npos);
  EXPECT_NE(texts[2].find("row_hash does not match"), std::string::npos);
}

TEST(HistoryChainChecker, MissingHashesAndMissingHistory) {
  Chain chain = intact_chain();
  chain.hashes[2] = std::nullopt;
  std::vector<HistoryProblem> problems = chain.check(3);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].problem, "row_hash is missing");

  HistoryChainChecker empty(uuid("11111111-2222-3333-4444-555555555555"), 1);
  problems = empty.finish();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_FALSE(problems[0].history_id.has_value());
  EXPECT_EQ(problems[0].problem, "output has no history rows");
}

TEST(HistoryChainChecker, ASecondCreationRowIsReported) {
  Chain chain = intact_chain();
  HistoryRow again = creation_row();
  again.id = 9;
  again.revision = 4;
  chain.add(again);
  std::vector<HistoryProblem> problems = chain.check(4);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].problem, "creation row in the middle of the chain");
}

}  // namespace
}  // namespace megaforce
