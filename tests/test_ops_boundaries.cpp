// The ops where finite differences cannot look: derivatives exactly at a
// kink or at the end of an interval, ties, and the seed of backward. Each
// value is the convention written above the op in core/ops_*.cpp, worked by
// hand here (scripts/fault_list.py names the bug each one pins).
#include <catch2/catch.hpp>
#include <cmath>

#include "core/graph.hpp"
#include "core/ops.hpp"

using namespace fg;

namespace {

// d sum(f(x)) / dx for a 1-D x: the gradient each entry receives.
template <class F>
Tensor grad_of(const Tensor& x0, F f) {
  Var x = param(x0.clone());
  backward(sum(f(x)));
  return x.grad().clone();
}

}  // namespace

TEST_CASE("graph: backward on a leaf adds its seed to the gradient already there", "[graph]") {
  Var w = param(Tensor::from({1}, {2}));
  backward(w * 3.0);  // dw = 3
  backward(w);        // + the seed 1
  CHECK(w.grad()[0] == 4);
  backward(w, Tensor::from({1}, {5}));  // + 5
  CHECK(w.grad()[0] == 9);
}

TEST_CASE("ops: clamp's derivative is 1 at both ends of [lo, hi], 0 outside", "[ops]") {
  // lo = -0.5 and hi = 0.75 are exact in float and double.
  const Tensor g = grad_of(Tensor::from({5}, {-0.5, 0.75, 0.25, -0.625, 0.875}),
                           [](const Var& x) { return clamp(x, -0.5, 0.75); });
  CHECK(g[0] == 1);  // x = lo
  CHECK(g[1] == 1);  // x = hi
  CHECK(g[2] == 1);
  CHECK(g[3] == 0);
  CHECK(g[4] == 0);
}

TEST_CASE("ops: relu and abs have derivative 0 at x = 0", "[ops]") {
  const Tensor x = Tensor::from({3}, {-3, 0, 2});
  const Tensor gr = grad_of(x, [](const Var& v) { return relu(v); });
  CHECK(gr[0] == 0);
  CHECK(gr[1] == 0);
  CHECK(gr[2] == 1);
  const Tensor ga = grad_of(x, [](const Var& v) { return abs(v); });
  CHECK(ga[0] == -1);
  CHECK(ga[1] == 0);
  CHECK(ga[2] == 1);
}

TEST_CASE("ops: prelu at x = 0 takes the slope side, for x and for the slope", "[ops]") {
  // y = x for x > 0, a x for x <= 0: at x = 0, dy/dx = a and dy/da = x = 0.
  Var x = param(Tensor::from({1, 2}, {0, 2}));
  Var a = param(Tensor::from({1}, {0.25}));
  backward(sum(prelu(x, a)));
  CHECK(x.grad()[0] == 0.25);
  CHECK(x.grad()[1] == 1);
  CHECK(a.grad()[0] == 0);
}

TEST_CASE("ops: l2_normalize adds eps squared under the root, not eps", "[ops]") {
  // Row (3e-12, 4e-12), eps = 1e-12: n = sqrt(9e-24 + 16e-24 + 1e-24) = sqrt(26) 1e-12,
  // so y = (3, 4) / sqrt(26); with eps in place of eps^2, n would be about 1e-6.
  Var y = l2_normalize(constant(Tensor::from({1, 2}, {3e-12, 4e-12})), real(1e-12));
  CHECK(y.value()[0] == Approx(3 / std::sqrt(26.0)).epsilon(1e-5));
  CHECK(y.value()[1] == Approx(4 / std::sqrt(26.0)).epsilon(1e-5));
}

TEST_CASE("ops: max pooling sends a tied window's gradient to its first maximum", "[ops]") {
  // One 2 x 2 window of equal values, then a 2 x 3 input with two 2 x 2
  // windows at stride 1 whose maxima tie across the window.
  Var x = param(Tensor::from({1, 1, 2, 2}, {7, 7, 7, 7}));
  backward(sum(maxpool2d(x, 2, 2)));
  CHECK(x.grad()[0] == 1);
  CHECK(x.grad()[1] == 0);
  CHECK(x.grad()[2] == 0);
  CHECK(x.grad()[3] == 0);
  // Row-major scan: window 0 sees 5 at (0,1) first, window 1 sees 5 at (0,1) first too.
  Var z = param(Tensor::from({1, 1, 2, 3}, {1, 5, 5, 0, 5, 2}));
  backward(sum(maxpool2d(z, 2, 1)));
  const double want[6] = {0, 2, 0, 0, 0, 0};
  for (int i = 0; i < 6; ++i) CHECK(z.grad()[i] == want[i]);
}
