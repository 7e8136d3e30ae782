// megaforce.databases parsing (core/database_list).
#include "core/database_list.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using megaforce::parse_database_list;
using Names = std::vector<std::string>;

TEST(DatabaseList, SplitsTrimsAndDeduplicates) {
  EXPECT_EQ(parse_database_list(""), Names{});
  EXPECT_EQ(parse_database_list("megaforce"), Names{"megaforce"});
  EXPECT_EQ(parse_database_list(" app , worker,,app, "), (Names{"app", "worker"}));
  EXPECT_EQ(parse_database_list("\"my db\", \"a,b\", \"q\"\"x\""), (Names{"my db", "a,b", "q\"x"}));
}

TEST(DatabaseList, RefusesBadLists) {
  EXPECT_THROW(parse_database_list("\"open"), megaforce::Error);
  EXPECT_THROW(parse_database_list(std::string(64, 'x')), megaforce::Error);
  EXPECT_EQ(parse_database_list(std::string(63, 'x')).size(), 1u);
}
