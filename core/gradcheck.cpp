#include "core/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>

#include "core/ops.hpp"
#include "core/random.hpp"

namespace fg {

namespace {

double rel_error(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return a == b ? 0 : INFINITY;
  return std::abs(a - b) / std::max({1.0, std::abs(a), std::abs(b)});
}

std::vector<Var> leaves_of(const std::vector<Tensor>& inputs) {
  std::vector<Var> v;
  for (const Tensor& t : inputs) v.push_back(param(t.clone()));
  return v;
}

// f, reduced to a scalar with fixed random weights when it is not one.
Var scalar_of(const TestFn& f, const std::vector<Var>& x) {
  Var y = f(x);
  if (y.value().numel() == 1) return y;
  Rng rng(12345);
  return sum(mul(y, constant(Tensor::uniform(y.shape(), rng, -1, 1))));
}

void note(CheckResult& r, double err, double tol, const std::string& where) {
  if (err > r.max_error || !std::isfinite(err)) {
    r.max_error = err;
    r.worst = where;
  }
  if (!(err <= tol)) r.ok = false;
}

}  // namespace

double central_difference(const std::function<double()>& f, real& x, double eps) {
  const real keep = x;
  x = real(keep + eps);
  const double up = f();
  x = real(keep - eps);
  const double down = f();
  x = keep;
  return (up - down) / (2 * eps);
}

CheckResult gradcheck(const TestFn& f, const std::vector<Tensor>& inputs, double eps,
                      double tol) {
  std::vector<Var> x = leaves_of(inputs);
  backward(scalar_of(f, x));
  CheckResult r;
  r.tol = tol;
  NoGrad off;
  for (size_t k = 0; k < x.size(); ++k) {
    Tensor v = x[k].value();  // shares storage with the leaf: edits reach f
    const Tensor analytic = x[k]->grad.empty() ? Tensor(v.shape()) : x[k]->grad;
    for (int64_t j = 0; j < v.numel(); ++j) {
      const double numeric = central_difference([&] { return double(scalar_of(f, x).value()[0]); }, v[j], eps);
      std::ostringstream where;
      where.precision(10);
      where << "input " << k << " element " << j << ": analytic " << analytic[j] << ", numeric "
            << numeric;
      note(r, rel_error(analytic[j], numeric), tol, where.str());
    }
  }
  return r;
}

CheckResult crosscheck(const TestFn& f, const TestFn& g, const std::vector<Tensor>& inputs,
                       double tol) {
  std::vector<Var> xf = leaves_of(inputs), xg = leaves_of(inputs);
  Var yf = f(xf), yg = g(xg);
  CheckResult r;
  r.tol = tol;
  auto two = [](const char* what, double a, double b) {
    std::ostringstream s;
    s.precision(10);
    s << what << a << " vs " << b;
    return s.str();
  };
  if (yf.shape() != yg.shape()) {
    r.ok = false;
    r.max_error = INFINITY;
    r.worst = "output shapes differ: " + shape_str(yf.shape()) + " vs " + shape_str(yg.shape());
    return r;
  }
  for (int64_t j = 0; j < yf.value().numel(); ++j)
    note(r, rel_error(yf.value()[j], yg.value()[j]), tol,
         "value element " + std::to_string(j) + two(": ", yf.value()[j], yg.value()[j]));
  backward(scalar_of([&](const std::vector<Var>&) { return yf; }, xf));
  backward(scalar_of([&](const std::vector<Var>&) { return yg; }, xg));
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor a = xf[k]->grad.empty() ? Tensor(inputs[k].shape()) : xf[k]->grad;
    const Tensor b = xg[k]->grad.empty() ? Tensor(inputs[k].shape()) : xg[k]->grad;
    for (int64_t j = 0; j < a.numel(); ++j)
      note(r, rel_error(a[j], b[j]), tol,
           "gradient of input " + std::to_string(k) + " element " + std::to_string(j) +
               two(": ", a[j], b[j]));
  }
  return r;
}

std::ostream& operator<<(std::ostream& os, const CheckResult& r) {
  return os << (r.ok ? "ok" : "FAILED") << ": max relative error " << r.max_error
            << " (tolerance " << r.tol << ")" << (r.worst.empty() ? "" : " at " + r.worst);
}

}  // namespace fg
