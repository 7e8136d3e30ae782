// A test-only library (never installed) that exercises the guarded boundary
// of extension/pg/boundary.hpp from SQL:
//   selftest_throw(depth, sqlstate, message): a megaforce::Error thrown under
//       `depth` frames that each hold heap-owning C++ objects;
//   selftest_pg_error(depth): a PostgreSQL ereport raised under those frames
//       through pg_call(), which must come back out as the original error;
//   selftest_std_exception(kind): std::bad_alloc / std::runtime_error / int;
//   selftest_live_objects(): how many of those C++ objects are alive (0 after
//       every call proves no destructor was skipped);
//   selftest_heap_in_use(): bytes malloc has handed out and not got back
//       (memory contexts included), for leak tests: unlike RssAnon it does
//       not count freed memory that glibc keeps for reuse;
//   selftest_context_bytes(): what all memory contexts of the backend have
//       allocated (cheap enough to sample from a row trigger).
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_MODULE_MAGIC;
}

#include <malloc.h>

#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "pg/boundary.hpp"

namespace {

long g_live_objects = 0;

// Owns heap memory and counts itself, so a skipped destructor is visible both
// as a leak and in selftest_live_objects().
struct Tracked {
  std::vector<char> payload = std::vector<char>(256, 'x');
  std::unique_ptr<std::string> label = std::make_unique<std::string>(100, 'y');
  Tracked() { ++g_live_objects; }
  ~Tracked() { --g_live_objects; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
};

[[noreturn]] void throw_below(int depth, const std::string& state, const std::string& message) {
  Tracked frame_object;
  if (depth <= 1) {
    // SQLSTATE must outlive the exception: Error keeps a pointer to it.
    static thread_local std::string kept_state;
    kept_state = state;
    throw megaforce::Error(kept_state.c_str(), message + " (depth reached)", "thrown from C++");
  }
  throw_below(depth - 1, state, message);
}

int pg_error_below(int depth) {
  Tracked frame_object;
  if (depth <= 1) {
    // int4in ereports 22P02 for this input: a longjmp that pg_call catches.
    return megaforce::pg::pg_call(
        [] { return DatumGetInt32(DirectFunctionCall1(int4in, CStringGetDatum("not a number"))); });
  }
  return pg_error_below(depth - 1);
}

text* std_text(const std::string& s) {
  return megaforce::pg::pg_call([&] { return cstring_to_text_with_len(s.data(), s.size()); });
}

// Argument `n` as a std::string; the detoasting goes through pg_call, since
// the caller may already hold strings.
std::string text_arg(FunctionCallInfo fcinfo, int n) {
  text* value = megaforce::pg::pg_call([&] { return PG_GETARG_TEXT_PP(n); });
  return std::string(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

}  // namespace

MF_FUNCTION(mf_selftest_throw) {
  int depth = PG_GETARG_INT32(0);
  std::string state = text_arg(fcinfo, 1);
  std::string message = text_arg(fcinfo, 2);
  throw_below(depth, state, message);
}

MF_FUNCTION(mf_selftest_pg_error) {
  PG_RETURN_INT32(pg_error_below(PG_GETARG_INT32(0)));
}

MF_FUNCTION(mf_selftest_std_exception) {
  std::string kind = text_arg(fcinfo, 0);
  Tracked frame_object;
  if (kind == "bad_alloc") throw std::bad_alloc();
  if (kind == "runtime_error") throw std::runtime_error("something broke");
  if (kind == "int") throw 42;
  PG_RETURN_TEXT_P(std_text("no exception: " + kind));
}

MF_FUNCTION(mf_selftest_live_objects) { PG_RETURN_INT64(g_live_objects); }

// mallinfo2: uordblks is the arena memory in use, hblkhd the mmapped chunks.
MF_FUNCTION(mf_selftest_heap_in_use) {
  struct mallinfo2 info = mallinfo2();
  PG_RETURN_INT64(static_cast<int64>(info.uordblks + info.hblkhd));
}

MF_FUNCTION(mf_selftest_context_bytes) {
  PG_RETURN_INT64(megaforce::pg::pg_call(
      [] { return static_cast<int64>(MemoryContextMemAllocated(TopMemoryContext, true)); }));
}
