// The one guarded boundary between PostgreSQL's C world and megaforce's C++.
//
// Two rules make C++ safe inside a backend:
//  1. A C++ exception must never unwind through a PostgreSQL C frame. Every
//     SQL-callable function is written with MF_FUNCTION, whose body runs inside
//     guarded(): every exception is caught there and turned into ereport(ERROR).
//  2. ereport(ERROR) is a longjmp: it must never skip a live C++ destructor.
//     C++ code that holds objects with destructors calls PostgreSQL only
//     through pg_call(), which catches the longjmp with PG_TRY and rethrows it
//     as a PgError; guarded() re-raises the original error unchanged once all
//     C++ frames are gone.
//
// Code that holds no destructible objects may call PostgreSQL directly.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace megaforce::pg {

// A PostgreSQL error caught by pg_call(), carried as a C++ exception until it
// reaches guarded(). The ErrorData lives in the memory context that was
// current when pg_call() was entered.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* edata) noexcept : edata_(edata) {}
  const char* what() const noexcept override {
    return edata_ && edata_->message ? edata_->message : "PostgreSQL error";
  }
  ErrorData* edata() const noexcept { return edata_; }

 private:
  ErrorData* edata_;
};

// Runs PostgreSQL code `f` (which may ereport) from C++ that holds live
// objects; an ereport becomes a PgError thrown after PG_TRY has unwound.
template <typename F>
auto pg_call(F&& f) -> decltype(f()) {
  if constexpr (std::is_void_v<decltype(f())>) {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData* volatile caught = nullptr;
    PG_TRY();
    { f(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(caller_context);
      caught = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (caught) throw PgError(caught);
  } else {
    // The value is written through a reference by the void form, so nothing
    // the longjmp could clobber is kept in a register of this frame. The
    // types pg_call returns are Datums, pointers and integers.
    decltype(f()) result{};
    pg_call([&]() { result = f(); });
    return result;
  }
}

// CHECK_FOR_INTERRUPTS for C++ code: a cancel, a statement timeout or a
// shutdown request raises its error through pg_call, so every destructor
// runs. tests/lib/lint_boundary.pl finds a bare CHECK_FOR_INTERRUPTS (or any
// PostgreSQL call that may raise an error) outside pg_call in extension/pg.
inline void check_interrupts() {
  if (unlikely(INTERRUPTS_PENDING_CONDITION())) pg_call([] { CHECK_FOR_INTERRUPTS(); });
}

namespace detail {

// What guarded() keeps of a C++ exception once the exception object is gone:
// fixed-size buffers, so nothing is allocated inside a catch block (an
// allocation failure there would longjmp out of it).
struct CaughtError {
  int sqlerrcode = 0;
  char message[1024] = {};
  char detail[1024] = {};
  char hint[512] = {};
  ErrorData* pg_error = nullptr;
};

inline void copy_text(char* dst, size_t size, const char* src) {
  std::snprintf(dst, size, "%s", src ? src : "");
}

[[noreturn]] inline void report(const CaughtError& caught) {
  if (caught.pg_error) ReThrowError(caught.pg_error);
  ereport(ERROR, (errcode(caught.sqlerrcode), errmsg_internal("%s", caught.message),
                  caught.detail[0] ? errdetail_internal("%s", caught.detail) : 0,
                  caught.hint[0] ? errhint("%s", caught.hint) : 0));
  pg_unreachable();
}

inline int sqlstate_to_errcode(const char* state) {
  if (!state || std::strlen(state) != 5) return ERRCODE_INTERNAL_ERROR;
  return MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
}

}  // namespace detail

// Runs `f`; a C++ exception becomes ereport(ERROR) once it is destroyed.
template <typename F>
auto guarded_call(F&& f) -> decltype(f()) {
  detail::CaughtError caught;
  try {
    return f();
  } catch (const PgError& e) {
    caught.pg_error = e.edata();
  } catch (const megaforce::Error& e) {
    caught.sqlerrcode = detail::sqlstate_to_errcode(e.sqlstate());
    detail::copy_text(caught.message, sizeof caught.message, e.what());
    detail::copy_text(caught.detail, sizeof caught.detail, e.detail().c_str());
    detail::copy_text(caught.hint, sizeof caught.hint, e.hint().c_str());
  } catch (const std::bad_alloc&) {
    caught.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
    detail::copy_text(caught.message, sizeof caught.message, "out of memory");
  } catch (const std::exception& e) {
    caught.sqlerrcode = ERRCODE_INTERNAL_ERROR;
    std::snprintf(caught.message, sizeof caught.message, "megaforce internal error: %s",
                  e.what());
  } catch (...) {
    caught.sqlerrcode = ERRCODE_INTERNAL_ERROR;
    detail::copy_text(caught.message, sizeof caught.message,
                      "megaforce internal error: unknown C++ exception");
  }
  // Every C++ exception object is destroyed by now; longjmp is safe.
  detail::report(caught);
}

// Runs the body of an SQL-callable function; no C++ exception escapes.
template <typename Body>
Datum guarded(FunctionCallInfo fcinfo, Body&& body) {
  return guarded_call([&]() -> Datum { return body(fcinfo); });
}

}  // namespace megaforce::pg

// Declares an SQL-callable function whose body is guarded:
//   MF_FUNCTION(megaforce_foo) { ... return PointerGetDatum(x); }
#define MF_FUNCTION(name)                                                          \
  static Datum name##_body(FunctionCallInfo fcinfo);                              \
  extern "C" {                                                                    \
  PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                       \
  PG_FUNCTION_INFO_V1(name);                                                      \
  Datum name(PG_FUNCTION_ARGS) { return ::megaforce::pg::guarded(fcinfo, name##_body); } \
  }                                                                               \
  static Datum name##_body(FunctionCallInfo fcinfo)
