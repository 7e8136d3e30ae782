#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/password.hpp"

namespace pw = megaforce::password;

TEST(Password, HashIsArgon2idWithInteractiveLimits) {
  std::string phc = pw::hash("correct horse");
  EXPECT_EQ(phc.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << phc;
  EXPECT_TRUE(pw::verify(phc, "correct horse"));
  EXPECT_FALSE(pw::verify(phc, "correct horsE"));
  EXPECT_FALSE(pw::needs_rehash(phc));
  EXPECT_NE(pw::hash("correct horse"), phc) << "each hash has its own salt";
}

TEST(Password, DummyHashHasTheSameParametersAndMatchesNothingUsual) {
  EXPECT_EQ(pw::dummy_hash().rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u);
  EXPECT_FALSE(pw::needs_rehash(pw::dummy_hash()));
  EXPECT_FALSE(pw::verify(pw::dummy_hash(), "password"));
  EXPECT_FALSE(pw::verify(pw::dummy_hash(), ""));
}

TEST(Password, MalformedHashNeverVerifies) {
  EXPECT_FALSE(pw::verify("", "password"));
  EXPECT_FALSE(pw::verify("$argon2id$garbage", "password"));
  EXPECT_TRUE(pw::needs_rehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
}

TEST(Password, AtLeastEightCharactersCountingCodePoints) {
  EXPECT_NO_THROW(pw::check_acceptable("12345678"));
  EXPECT_THROW(pw::check_acceptable("1234567"), megaforce::Error);
  EXPECT_THROW(pw::check_acceptable(""), megaforce::Error);
  // Seven characters of two bytes each are 14 bytes but still too short.
  EXPECT_THROW(pw::check_acceptable("ééééééé"), megaforce::Error);
  EXPECT_NO_THROW(pw::check_acceptable("éééééééé"));
}
