// Elementwise ops. Each op states its derivative next to its value: the
// helpers unary() and binary() do the looping and the broadcasting.
#include <cmath>
#include <string>

#include "core/ops.hpp"

namespace fg {

namespace {

// ---- unary ------------------------------------------------------------------
// y = f(x); backward adds g * df(x, y) into x's gradient.
template <class F, class DF>
Var unary(const char* op, const Var& a, F f, DF df) {
  const Tensor x = a.value();
  Tensor y(x.shape());
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  return make_node(op, y, {a}, [x, y, df](Node& self) {
    Tensor gx(x.shape());
    const Tensor& g = self.grad;
    for (int64_t i = 0; i < x.numel(); ++i) gx[i] = g[i] * df(x[i], y[i]);
    accumulate(self.inputs[0], gx);
  });
}

// ---- broadcasting -----------------------------------------------------------
// The output shape of a NumPy broadcast, and for each operand the stride of
// each output dimension in that operand (0 where it is stretched).
struct Broadcast {
  Shape out;
  std::vector<int64_t> stride_a, stride_b;
  bool same = false;
};

std::vector<int64_t> strides_in(const Shape& s, const Shape& out) {
  const size_t r = out.size(), off = r - s.size();
  std::vector<int64_t> st(r, 0);
  int64_t acc = 1;
  for (size_t k = s.size(); k-- > 0;) {
    st[k + off] = s[k] == 1 ? 0 : acc;
    acc *= s[k];
  }
  return st;
}

Broadcast plan(const char* op, const Shape& a, const Shape& b) {
  Broadcast p;
  if (a == b) { p.out = a; p.same = true; return p; }
  const size_t r = std::max(a.size(), b.size());
  p.out.assign(r, 1);
  for (size_t k = 0; k < r; ++k) {
    const int da = k < r - a.size() ? 1 : a[k - (r - a.size())];
    const int db = k < r - b.size() ? 1 : b[k - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                  " do not broadcast");
    p.out[k] = da == 1 ? db : da;
  }
  p.stride_a = strides_in(a, p.out);
  p.stride_b = strides_in(b, p.out);
  return p;
}

// Calls f(i, ia, ib) for every output element i and its source offsets.
template <class F>
void for_each(const Broadcast& p, F f) {
  const int64_t n = shape_numel(p.out);
  if (p.same) {
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
    return;
  }
  const size_t r = p.out.size();
  std::vector<int> idx(r, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(i, ia, ib);
    for (size_t k = r; k-- > 0;) {  // odometer increment
      ia += p.stride_a[k];
      ib += p.stride_b[k];
      if (++idx[k] < p.out[k]) break;
      ia -= p.stride_a[k] * p.out[k];
      ib -= p.stride_b[k] * p.out[k];
      idx[k] = 0;
    }
  }
}

// z = f(x, y) with broadcasting; backward adds g * dz/dx and g * dz/dy,
// summed over the stretched dimensions, into x's and y's gradients.
template <class F, class DX, class DY>
Var binary(const char* op, const Var& a, const Var& b, F f, DX dx, DY dy) {
  const Tensor x = a.value(), y = b.value();
  const Broadcast p = plan(op, x.shape(), y.shape());
  Tensor z(p.out);
  for_each(p, [&](int64_t i, int64_t ia, int64_t ib) { z[i] = f(x[ia], y[ib]); });
  return make_node(op, z, {a, b}, [x, y, p, dx, dy](Node& self) {
    const Tensor& g = self.grad;
    const bool want_a = self.inputs[0].requires_grad(), want_b = self.inputs[1].requires_grad();
    Tensor gx(want_a ? x.shape() : Shape{0}), gy(want_b ? y.shape() : Shape{0});
    for_each(p, [&](int64_t i, int64_t ia, int64_t ib) {
      if (want_a) gx[ia] += g[i] * dx(x[ia], y[ib]);
      if (want_b) gy[ib] += g[i] * dy(x[ia], y[ib]);
    });
    if (want_a) accumulate(self.inputs[0], gx);
    if (want_b) accumulate(self.inputs[1], gy);
  });
}

}  // namespace

// z = x + y:  dz/dx = 1, dz/dy = 1
Var add(const Var& a, const Var& b) {
  return binary("add", a, b, [](real x, real y) { return x + y; },
                [](real, real) { return real(1); }, [](real, real) { return real(1); });
}
// z = x - y:  dz/dx = 1, dz/dy = -1
Var sub(const Var& a, const Var& b) {
  return binary("sub", a, b, [](real x, real y) { return x - y; },
                [](real, real) { return real(1); }, [](real, real) { return real(-1); });
}
// z = x y:  dz/dx = y, dz/dy = x
Var mul(const Var& a, const Var& b) {
  return binary("mul", a, b, [](real x, real y) { return x * y; },
                [](real, real y) { return y; }, [](real x, real) { return x; });
}
// z = x / y:  dz/dx = 1/y, dz/dy = -x/y^2
Var div(const Var& a, const Var& b) {
  return binary("div", a, b, [](real x, real y) { return x / y; },
                [](real, real y) { return 1 / y; }, [](real x, real y) { return -x / (y * y); });
}
// y = x + c:  dy/dx = 1
Var add(const Var& a, real c) {
  return unary("add_scalar", a, [c](real x) { return x + c; }, [](real, real) { return real(1); });
}
// y = c x:  dy/dx = c
Var mul(const Var& a, real c) {
  return unary("mul_scalar", a, [c](real x) { return c * x; }, [c](real, real) { return c; });
}
// y = -x
Var neg(const Var& a) {
  return unary("neg", a, [](real x) { return -x; }, [](real, real) { return real(-1); });
}
// y = e^x:  dy/dx = y
Var exp(const Var& a) {
  return unary("exp", a, [](real x) { return std::exp(x); }, [](real, real y) { return y; });
}
// y = log x:  dy/dx = 1/x
Var log(const Var& a) {
  return unary("log", a, [](real x) { return std::log(x); }, [](real x, real) { return 1 / x; });
}
// y = sqrt x:  dy/dx = 1 / (2 y)
Var sqrt(const Var& a) {
  return unary("sqrt", a, [](real x) { return std::sqrt(x); },
               [](real, real y) { return real(0.5) / y; });
}
// y = x^p:  dy/dx = p x^(p-1)
Var pow(const Var& a, real p) {
  return unary("pow", a, [p](real x) { return std::pow(x, p); },
               [p](real x, real) { return p * std::pow(x, p - 1); });
}
// y = |x|:  dy/dx = sign(x) (0 at 0)
Var abs(const Var& a) {
  return unary("abs", a, [](real x) { return std::abs(x); },
               [](real x, real) { return real((x > 0) - (x < 0)); });
}
// y = min(max(x, lo), hi):  dy/dx = 1 inside, 0 where clamped
Var clamp(const Var& a, real lo, real hi) {
  if (!(lo <= hi))
    throw Error("clamp: lower bound " + std::to_string(lo) + " above upper bound " +
                std::to_string(hi));
  return unary("clamp", a, [lo, hi](real x) { return x < lo ? lo : (x > hi ? hi : x); },
               [lo, hi](real x, real) { return real(x >= lo && x <= hi); });
}
// y = max(0, x):  dy/dx = [x > 0]
Var relu(const Var& a) {
  return unary("relu", a, [](real x) { return x > 0 ? x : real(0); },
               [](real x, real) { return real(x > 0); });
}
// y = 1 / (1 + e^-x):  dy/dx = y (1 - y)
Var sigmoid(const Var& a) {
  return unary("sigmoid", a,
               [](real x) {
                 return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
               },
               [](real, real y) { return y * (1 - y); });
}
// y = tanh x:  dy/dx = 1 - y^2
Var tanh(const Var& a) {
  return unary("tanh", a, [](real x) { return std::tanh(x); },
               [](real, real y) { return 1 - y * y; });
}
// y = cos x:  dy/dx = -sin x
Var cos(const Var& a) {
  return unary("cos", a, [](real x) { return std::cos(x); },
               [](real x, real) { return -std::sin(x); });
}
// y = sin x:  dy/dx = cos x
Var sin(const Var& a) {
  return unary("sin", a, [](real x) { return std::sin(x); },
               [](real x, real) { return std::cos(x); });
}
// y = arccos(x~), x~ = x clamped to [-1 + eps, 1 - eps]:  dy/dx = -1 / sqrt(1 - x~^2)
// (the clamp's own zero gradient outside is not applied: the slope at the
// clamp edge keeps pointing the optimiser back inside).
Var acos(const Var& a, real eps) {
  const real lo = -1 + eps, hi = 1 - eps;
  return unary("acos", a, [lo, hi](real x) { return std::acos(x < lo ? lo : (x > hi ? hi : x)); },
               [lo, hi](real x, real) {
                 const real c = x < lo ? lo : (x > hi ? hi : x);
                 return -1 / std::sqrt((1 - c) * (1 + c));
               });
}

}  // namespace fg
