// A gradient or cross check that must pass, in every suite:
//
//   REQUIRE_PASSES(c.gradcheck());
//   CHECK_PASSES(crosscheck(f, g, inputs), "arcface s=4");
//
// On failure Catch2 prints the check's result (core/gradcheck.hpp): the worst
// entry (which input and element, analytic vs numeric or the two values),
// the largest relative error and the tolerance, and the optional words.
#pragma once

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "core/gradcheck.hpp"

namespace Catch {
template <>
struct StringMaker<fg::CheckResult> {
  static std::string convert(const fg::CheckResult& r) {
    std::ostringstream s;
    s << r;
    return s.str();
  }
};
}  // namespace Catch

namespace fg_test {
// "c.gradcheck() (arcface s=4)": the check as written, and the caller's words.
inline std::string check_words(const char* expr, const std::string& what = "") {
  return what.empty() ? std::string(expr) : std::string(expr) + " (" + what + ")";
}
}  // namespace fg_test

#define FG_CHECK_RESULT_(macro, expr, ...)                                        \
  do {                                                                            \
    const ::fg::CheckResult fg_check_result_ = (expr);                            \
    INFO(::fg_test::check_words(#expr __VA_OPT__(,) __VA_ARGS__) << ":\n  " << fg_check_result_); \
    macro(fg_check_result_.ok);                                                   \
  } while (false)

#define REQUIRE_PASSES(expr, ...) FG_CHECK_RESULT_(REQUIRE, expr, __VA_ARGS__)
#define CHECK_PASSES(expr, ...) FG_CHECK_RESULT_(CHECK, expr, __VA_ARGS__)
