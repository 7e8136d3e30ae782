// Users (SPEC §5): create_user, set_password, authenticate.
extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/uuid.h"
}

#include <optional>
#include <string>

#include "core/approval.hpp"
#include "core/email.hpp"
#include "core/error.hpp"
#include "core/password.hpp"
#include "core/uuid.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/standby.hpp"
#include "pg/spi.hpp"

using megaforce::Error;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;
namespace pw = megaforce::password;

namespace {

mpg::KeptPlan g_email_taken{
    "SELECT 1 FROM megaforce.users WHERE pg_catalog.lower(email) = pg_catalog.lower($1)", 1, {TEXTOID}};
mpg::KeptPlan g_insert_user{
    "INSERT INTO megaforce.users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) "
    "RETURNING id",
    4, {TEXTOID, TEXTOID, TEXTOID, TEXTOID}};
mpg::KeptPlan g_set_password{
    "UPDATE megaforce.users SET password_hash = $2 WHERE id = $1", 2, {UUIDOID, TEXTOID}};
mpg::KeptPlan g_find_login{
    "SELECT id, password_hash, is_active FROM megaforce.users "
    "WHERE pg_catalog.lower(email) = pg_catalog.lower($1)",
    1, {TEXTOID}};
mpg::KeptPlan g_record_login{
    "UPDATE megaforce.users SET last_login_at = pg_catalog.now(), "
    "password_hash = COALESCE($2, password_hash) WHERE id = $1",
    2, {UUIDOID, TEXTOID}};

}  // namespace

// create_user(email, display_name, role default 'editor', password default null) returns uuid
MF_WRITE_FUNCTION(megaforce_create_user, "create_user") {
  std::string email(megaforce::email::trim(mpg::required_text_arg(fcinfo, 0, "email")));
  std::string problem = megaforce::email::problem(email);
  if (!problem.empty())
    throw megaforce::invalid_parameter("invalid email \"" + email + "\": " + problem);
  std::optional<std::string> display_name = mpg::optional_text_arg(fcinfo, 1);
  std::string role = mpg::required_text_arg(fcinfo, 2, "role");
  if (!megaforce::approval::parse_role(role))
    throw megaforce::invalid_parameter("unknown role \"" + role + "\"", "Roles: admin, editor, reviewer, viewer.");
  std::optional<std::string> password_hash;
  if (!PG_ARGISNULL(3)) {
    std::string password = mpg::text_of(PG_GETARG_DATUM(3));
    pw::check_acceptable(password);
    password_hash = pw::hash(password);
  }

  mpg::spi_connect();
  Datum email_arg[1] = {mpg::text_datum(email)};
  if (mpg::execute(g_email_taken, email_arg, nullptr, false, 1) > 0)
    throw Error(sqlstate::kUniqueViolation, "a user with email \"" + email + "\" already exists");
  Datum args[4] = {email_arg[0], display_name ? mpg::text_datum(*display_name) : Datum(0),
                   mpg::text_datum(role), password_hash ? mpg::text_datum(*password_hash) : Datum(0)};
  char nulls[4] = {' ', display_name ? ' ' : 'n', ' ', password_hash ? ' ' : 'n'};
  mpg::execute(g_insert_user, args, nulls, false);
  bool is_null = false;
  megaforce::Uuid id = mpg::uuid_of(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
  mpg::spi_finish();
  return mpg::uuid_datum(id);
}

// set_password(user_id, password): argon2id, at least 8 characters.
MF_WRITE_FUNCTION(megaforce_set_password, "set_password") {
  megaforce::Uuid user_id = mpg::required_uuid_arg(fcinfo, 0, "user_id");
  std::string password = mpg::required_text_arg(fcinfo, 1, "password");
  pw::check_acceptable(password);
  std::string phc = pw::hash(password);
  mpg::spi_connect();
  Datum args[2] = {mpg::uuid_datum(user_id), mpg::text_datum(phc)};
  uint64 updated = mpg::execute(g_set_password, args, nullptr, false);
  mpg::spi_finish();
  if (updated == 0)
    throw Error(sqlstate::kNoDataFound, "user " + megaforce::to_string(user_id) + " does not exist");
  PG_RETURN_VOID();
}

// authenticate(email, password) returns uuid, or null for a wrong password,
// an unknown email or an inactive user, each after one argon2id verification
// (so they take the same time). STRICT: a null argument gives null.
MF_WRITE_FUNCTION(megaforce_authenticate, "authenticate") {
  std::string email(megaforce::email::trim(mpg::text_of(PG_GETARG_DATUM(0))));
  std::string password = mpg::text_of(PG_GETARG_DATUM(1));
  if (password.empty()) PG_RETURN_NULL();

  mpg::spi_connect();
  Datum email_arg[1] = {mpg::text_datum(email)};
  std::optional<megaforce::Uuid> id;
  std::string phc = pw::dummy_hash();
  bool active = false;
  if (mpg::execute(g_find_login, email_arg, nullptr, false, 1) > 0) {
    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool id_null = false, hash_null = false, active_null = false;
    id = mpg::uuid_of(SPI_getbinval(row, desc, 1, &id_null));
    Datum hash = SPI_getbinval(row, desc, 2, &hash_null);
    if (!hash_null) phc = mpg::text_of(hash);
    active = DatumGetBool(SPI_getbinval(row, desc, 3, &active_null)) && !hash_null;
  }
  bool matches = pw::verify(phc, password);
  bool ok = id && active && matches;
  if (ok) {
    std::optional<std::string> rehashed;
    if (pw::needs_rehash(phc)) rehashed = pw::hash(password);
    Datum args[2] = {mpg::uuid_datum(*id), rehashed ? mpg::text_datum(*rehashed) : Datum(0)};
    char nulls[2] = {' ', rehashed ? ' ' : 'n'};
    mpg::execute(g_record_login, args, nulls, false);
  }
  mpg::spi_finish();
  if (!ok) PG_RETURN_NULL();
  return mpg::uuid_datum(*id);
}
