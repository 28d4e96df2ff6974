// Gradient checks, the tests' main tool.
//
// gradcheck(): the analytic gradient of f against central finite differences,
//   (f(x + eps e_j) - f(x - eps e_j)) / (2 eps), for every element j of every input.
// crosscheck(): two implementations of the same function (say a loss node and
//   the same formula composed from primitive ops) agree in value and gradient.
//
// A non-scalar f is reduced to the scalar sum(f * R) with a fixed random R, so
// every output element takes part. Errors are relative:
//   |a - b| / max(1, |a|, |b|)
// In the double build (FG_DOUBLE) the defaults are tight (eps 1e-6, tolerance
// 1e-6); in float they are loose (eps 1e-2, tolerance 2e-2), a smoke test only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace fg {

using TestFn = std::function<Var(const std::vector<Var>&)>;

struct CheckResult {
  bool ok = true;
  double max_error = 0;  // the largest relative error seen
  double tol = 0;        // the tolerance it was held to
  std::string worst;     // where it was, in words: input, element, both values
};

constexpr double kGradcheckEps = sizeof(real) == 8 ? 1e-6 : 1e-2;
constexpr double kGradcheckTol = sizeof(real) == 8 ? 1e-6 : 2e-2;

// (f() with x + eps - f() with x - eps) / (2 eps): the central difference of f
// in one number x that f reads (x is put back afterwards).
double central_difference(const std::function<double()>& f, real& x, double eps);

CheckResult gradcheck(const TestFn& f, const std::vector<Tensor>& inputs,
                      double eps = kGradcheckEps, double tol = kGradcheckTol);

CheckResult crosscheck(const TestFn& f, const TestFn& g, const std::vector<Tensor>& inputs,
                       double tol = sizeof(real) == 8 ? 1e-9 : 1e-4);

// "FAILED: max relative error 0.031 (tolerance 1e-06) at input 0 element 4:
// analytic 0.5, numeric 0.469" (or "ok: ..."), for test failure messages.
std::ostream& operator<<(std::ostream& os, const CheckResult& r);

}  // namespace fg
