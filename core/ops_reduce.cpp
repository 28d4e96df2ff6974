// Reductions and the row-wise ops built on them: sum, mean, log-sum-exp,
// softmax, log-softmax, L2 normalisation.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/ops.hpp"

namespace fg {

namespace {

// A tensor seen as [outer, n, inner] around one axis.
struct AxisView {
  int64_t outer = 1, n = 1, inner = 1;
  Shape reduced;  // the shape with the axis removed ([1] if nothing is left)
};

AxisView view_around(const char* op, const Shape& s, int axis) {
  const int r = static_cast<int>(s.size());
  const int ax = axis < 0 ? axis + r : axis;
  if (ax < 0 || ax >= r)
    throw Error(std::string(op) + ": axis " + std::to_string(axis) + " out of range for shape " +
                shape_str(s));
  AxisView v;
  for (int k = 0; k < r; ++k) {
    if (k < ax) v.outer *= s[k];
    if (k > ax) v.inner *= s[k];
    if (k != ax) v.reduced.push_back(s[k]);
  }
  v.n = s[ax];
  if (v.reduced.empty()) v.reduced = {1};
  return v;
}

// Rows of the last axis: [rows, cols].
void last_axis(const char* op, const Tensor& t, int64_t& rows, int& cols) {
  if (t.dim() < 1 || t.numel() == 0)
    throw Error(std::string(op) + ": needs a non-empty tensor, got shape " + shape_str(t.shape()));
  cols = t.shape().back();
  rows = t.numel() / cols;
}

// The stable softmax of every row of the last axis: p = e^{x - M} / z with
// M the row's maximum. Returns each row's log-sum-exp, M + log z.
Tensor softmax_rows(const Tensor& x, int64_t rows, int cols, Tensor& p) {
  p = Tensor(x.shape());
  Tensor lse({static_cast<int>(rows)});
  for (int64_t r = 0; r < rows; ++r) {
    const real* xr = x.data() + r * cols;
    real* pr = p.data() + r * cols;
    const real M = *std::max_element(xr, xr + cols);
    double z = 0;
    for (int j = 0; j < cols; ++j) z += pr[j] = std::exp(xr[j] - M);
    for (int j = 0; j < cols; ++j) pr[j] = real(pr[j] / z);
    lse[r] = M + real(std::log(z));
  }
  return lse;
}

}  // namespace

// s = sum_i a_i:  ds/da_i = 1
Var sum(const Var& a) {
  const Tensor& x = a.value();
  double acc = 0;
  for (int64_t i = 0; i < x.numel(); ++i) acc += x[i];
  const Shape shape = x.shape();
  return make_node("sum", Tensor::scalar(real(acc)), {a}, [shape](Node& self) {
    accumulate(self.inputs[0], Tensor::full(shape, self.grad[0]));
  });
}

// s[o, i] = sum_k a[o, k, i]:  ds/da[o, k, i] = 1
Var sum(const Var& a, int axis) {
  const Tensor& x = a.value();
  const AxisView v = view_around("sum", x.shape(), axis);
  Tensor s(v.reduced);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t k = 0; k < v.n; ++k)
      for (int64_t i = 0; i < v.inner; ++i) s[o * v.inner + i] += x[(o * v.n + k) * v.inner + i];
  const Shape shape = x.shape();
  return make_node("sum_axis", s, {a}, [shape, v](Node& self) {
    Tensor gx(shape);
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t k = 0; k < v.n; ++k)
        for (int64_t i = 0; i < v.inner; ++i)
          gx[(o * v.n + k) * v.inner + i] = self.grad[o * v.inner + i];
    accumulate(self.inputs[0], gx);
  });
}

Var mean(const Var& a) {
  if (a.value().numel() == 0) throw Error("mean: empty tensor");
  return mul(sum(a), real(1) / real(a.value().numel()));
}

Var mean(const Var& a, int axis) {
  const int n = a.value().size(axis);
  if (n == 0) throw Error("mean: axis " + std::to_string(axis) + " is empty");
  return mul(sum(a, axis), real(1) / real(n));
}

// lse_i = log sum_j e^{a_ij} = M_i + log sum_j e^{a_ij - M_i}, M_i = max_j a_ij
// d lse_i / d a_ij = softmax(a)_ij
Var logsumexp(const Var& a) {
  const Tensor x = a.value();
  int64_t rows;
  int cols;
  last_axis("logsumexp", x, rows, cols);
  Tensor p;  // the softmax, saved for backward
  const Tensor out = softmax_rows(x, rows, cols, p);
  return make_node("logsumexp", out, {a}, [p, cols](Node& self) {
    Tensor gx(p.shape());
    for (int64_t i = 0; i < p.numel(); ++i) gx[i] = self.grad[i / cols] * p[i];
    accumulate(self.inputs[0], gx);
  });
}

// y_ij = log softmax(a)_ij = a_ij - lse_i
// dL/da_ij = g_ij - softmax_ij sum_k g_ik
Var log_softmax(const Var& a) {
  const Tensor x = a.value();
  int64_t rows;
  int cols;
  last_axis("log_softmax", x, rows, cols);
  Tensor p;
  const Tensor lse = softmax_rows(x, rows, cols, p);
  Tensor y(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y[i] = x[i] - lse[i / cols];
  return make_node("log_softmax", y, {a}, [p, rows, cols](Node& self) {
    Tensor gx(p.shape());
    const Tensor& g = self.grad;
    for (int64_t r = 0; r < rows; ++r) {
      double gs = 0;
      for (int j = 0; j < cols; ++j) gs += g[r * cols + j];
      for (int j = 0; j < cols; ++j)
        gx[r * cols + j] = g[r * cols + j] - p[r * cols + j] * real(gs);
    }
    accumulate(self.inputs[0], gx);
  });
}

// p_ij = e^{a_ij} / sum_k e^{a_ik}
// dL/da_ij = p_ij (g_ij - sum_k g_ik p_ik)
Var softmax(const Var& a) {
  const Tensor x = a.value();
  int64_t rows;
  int cols;
  last_axis("softmax", x, rows, cols);
  Tensor p;
  softmax_rows(x, rows, cols, p);
  return make_node("softmax", p, {a}, [p, rows, cols](Node& self) {
    Tensor gx(p.shape());
    const Tensor& g = self.grad;
    for (int64_t r = 0; r < rows; ++r) {
      double gp = 0;
      for (int j = 0; j < cols; ++j) gp += g[r * cols + j] * p[r * cols + j];
      for (int j = 0; j < cols; ++j)
        gx[r * cols + j] = p[r * cols + j] * (g[r * cols + j] - real(gp));
    }
    accumulate(self.inputs[0], gx);
  });
}

// y_i = x_i / n, n = sqrt(|x|^2 + eps^2)   (per row)
// dL/dx = (g - y <g, y>) / n
Var l2_normalize(const Var& a, real eps) {
  const Tensor x = a.value();
  int64_t rows;
  int cols;
  last_axis("l2_normalize", x, rows, cols);
  Tensor y(x.shape());
  Tensor norm({static_cast<int>(rows)});  // saved for backward
  for (int64_t r = 0; r < rows; ++r) {
    double s2 = double(eps) * eps;
    for (int j = 0; j < cols; ++j) s2 += double(x[r * cols + j]) * x[r * cols + j];
    norm[r] = real(std::sqrt(s2));
    for (int j = 0; j < cols; ++j) y[r * cols + j] = x[r * cols + j] / norm[r];
  }
  return make_node("l2_normalize", y, {a}, [y, norm, rows, cols](Node& self) {
    Tensor gx(y.shape());
    const Tensor& g = self.grad;
    for (int64_t r = 0; r < rows; ++r) {
      double gy = 0;
      for (int j = 0; j < cols; ++j) gy += g[r * cols + j] * y[r * cols + j];
      for (int j = 0; j < cols; ++j)
        gx[r * cols + j] = (g[r * cols + j] - y[r * cols + j] * real(gy)) / norm[r];
    }
    accumulate(self.inputs[0], gx);
  });
}

}  // namespace fg
