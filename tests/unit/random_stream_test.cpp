#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <set>
#include <vector>

#include "core/random_stream.hpp"

namespace megaforce {
namespace {

std::array<std::uint8_t, RandomStream::kSeedBytes> seed(std::uint8_t first) {
  std::array<std::uint8_t, RandomStream::kSeedBytes> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(first + i);
  return out;
}

std::vector<std::uint8_t> draw(RandomStream& stream, std::size_t size) {
  std::vector<std::uint8_t> out(size);
  stream.fill(out.data(), out.size());
  return out;
}

// The stream as the header describes it, computed with libsodium directly:
// each 512-byte ChaCha20 block (zero nonce) gives its first 32 bytes to the
// next key and the other 480 to the caller.
std::vector<std::uint8_t> reference(std::array<std::uint8_t, 32> key, std::size_t size) {
  std::vector<std::uint8_t> out;
  std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
  while (out.size() < size) {
    std::array<std::uint8_t, 512> block{};
    crypto_stream_chacha20(block.data(), block.size(), nonce.data(), key.data());
    std::copy_n(block.begin(), 32, key.begin());
    out.insert(out.end(), block.begin() + 32, block.end());
  }
  out.resize(size);
  return out;
}

TEST(RandomStream, IsChaCha20WithFastKeyErasure) {
  ASSERT_GE(sodium_init(), 0);
  RandomStream stream;
  stream.reseed(seed(7));
  EXPECT_EQ(draw(stream, 2000), reference(seed(7), 2000));  // across four blocks
}

TEST(RandomStream, GivesTheSameBytesHoweverTheyAreAskedFor) {
  RandomStream whole, pieces;
  whole.reseed(seed(1));
  pieces.reseed(seed(1));
  std::vector<std::uint8_t> expected = draw(whole, 1500), got;
  for (std::size_t size : {16u, 1u, 463u, 480u, 16u, 524u}) {
    std::vector<std::uint8_t> piece = draw(pieces, size);
    got.insert(got.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(got, expected);
}

TEST(RandomStream, DiffersBySeedAndStartsOverOnReseed) {
  RandomStream a, b;
  EXPECT_FALSE(a.seeded());
  a.reseed(seed(1));
  b.reseed(seed(2));
  EXPECT_TRUE(a.seeded());
  std::vector<std::uint8_t> first = draw(a, 64);
  EXPECT_NE(first, draw(b, 64));
  a.reseed(seed(1));
  EXPECT_EQ(draw(a, 64), first);
}

// Fast key erasure: the state keeps nothing from which bytes already handed
// out could be read or computed again, neither the bytes nor a key that made
// them (here the seed, the key of the first block).
TEST(RandomStream, KeepsNothingItHandedOut) {
  RandomStream stream;
  stream.reseed(seed(5));
  std::vector<std::vector<std::uint8_t>> tokens;
  for (int i = 0; i < 40; ++i) tokens.push_back(draw(stream, 16));  // 30 tokens a block: two blocks
  const auto* object = reinterpret_cast<const std::uint8_t*>(&stream);
  std::vector<std::uint8_t> state(object, object + sizeof stream);
  auto holds = [&](const auto& bytes) {
    return std::search(state.begin(), state.end(), bytes.begin(), bytes.end()) != state.end();
  };
  for (const std::vector<std::uint8_t>& token : tokens) EXPECT_FALSE(holds(token));
  EXPECT_FALSE(holds(seed(5)));
}

TEST(RandomStream, TokensDoNotRepeat) {
  RandomStream stream;
  stream.reseed(seed(3));
  std::set<std::vector<std::uint8_t>> tokens;
  for (int i = 0; i < 100000; ++i) tokens.insert(draw(stream, 16));
  EXPECT_EQ(tokens.size(), 100000u);
}

}  // namespace
}  // namespace megaforce
