// The printable form of a gradient check (tests/check_util.hpp): a failure
// says where it failed and by how much.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/ops.hpp"
#include "tests/check_util.hpp"

using namespace fg;

TEST_CASE("check util: a failed check prints its worst entry, both values and the tolerance",
          "[gradcheck]") {
  // x -> x^2 with a backward that forgets the factor 2: analytic x, numeric 2x.
  const TestFn half = [](const std::vector<Var>& v) {
    Var x = v[0];
    const real xv = x.value()[0];
    return make_node("half_square", Tensor::from({1}, {xv * xv}), {x}, [x, xv](Node& self) {
      accumulate(x, Tensor::from({1}, {self.grad[0] * xv}));
    });
  };
  const CheckResult r = gradcheck(half, {Tensor::from({1}, {3})});
  REQUIRE_FALSE(r.ok);
  const std::string s = Catch::StringMaker<CheckResult>::convert(r);
  std::ostringstream tol;
  tol << kGradcheckTol;
  CHECK_THAT(s, Catch::StartsWith("FAILED: max relative error 0.5") &&
                    Catch::Contains("(tolerance " + tol.str() + ")"));
  CHECK_THAT(s, Catch::Contains("at input 0 element 0: analytic 3, numeric "));
  const double numeric = std::stod(s.substr(s.find("numeric ") + 8));
  CHECK(numeric == Approx(6).epsilon(1e-5));  // 2x at x = 3 (5.99999... in float)
  CHECK(r.max_error == Approx(0.5).epsilon(1e-3));  // |3 - 6| / 6
  CHECK(fg_test::check_words("c.gradcheck()") == "c.gradcheck()");
  CHECK(fg_test::check_words("c.gradcheck()", "arcface s=4") == "c.gradcheck() (arcface s=4)");
}
