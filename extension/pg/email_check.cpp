// is_valid_email(text): the email rule of SPEC §5 as an SQL predicate, used by
// the CHECK constraint on users.email so plain INSERTs obey it too.
extern "C" {
#include "postgres.h"
#include "utils/builtins.h"
}

#include <string_view>

#include "core/email.hpp"
#include "pg/boundary.hpp"

MF_FUNCTION(megaforce_is_valid_email) {
  text* input = megaforce::pg::pg_call([&] { return PG_GETARG_TEXT_PP(0); });
  std::string_view address(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input));
  // Stored emails are trimmed, so surrounding white space makes a value invalid.
  bool valid = megaforce::email::trim(address) == address && megaforce::email::is_valid(address);
  PG_RETURN_BOOL(valid);
}
