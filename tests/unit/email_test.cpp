#include <gtest/gtest.h>

#include <string>

#include "core/email.hpp"

using megaforce::email::is_valid;
using megaforce::email::trim;

TEST(Email, AcceptsOrdinaryAddresses) {
  EXPECT_TRUE(is_valid("ada@example.com"));
  EXPECT_TRUE(is_valid("Ada.Lovelace+news@Mail.Example.co.uk"));
  EXPECT_TRUE(is_valid("a@b.c"));
}

TEST(Email, RefusesMalformedAddresses) {
  for (const char* bad : {"", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com",
                          "a@b@example.com", "ada @example.com", "ada@exa mple.com",
                          "ada@.example.com", "ada@example.com.", "ada@example..com",
                          "ada\t@example.com", "ada@example.com\n"}) {
    EXPECT_FALSE(is_valid(bad)) << '"' << bad << '"';
  }
}

TEST(Email, LengthLimitIs254) {
  std::string domain = "@example.com";
  std::string at_limit = std::string(254 - domain.size(), 'a') + domain;
  EXPECT_TRUE(is_valid(at_limit));
  EXPECT_FALSE(is_valid("a" + at_limit));
}

TEST(Email, ProblemNamesTheReason) {
  EXPECT_EQ(megaforce::email::problem("ada"), "email has no '@'");
  EXPECT_EQ(megaforce::email::problem("ada@example"), "email domain has no dot");
  EXPECT_EQ(megaforce::email::problem("ada@example.com"), "");
}

TEST(Email, TrimRemovesSurroundingWhiteSpaceOnly) {
  EXPECT_EQ(trim("  ada@example.com\t\n"), "ada@example.com");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim("   "), "");
}
