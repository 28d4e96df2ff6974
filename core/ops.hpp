// Differentiable operations. Each is one function whose forward and analytic
// backward sit together in its .cpp file:
//   ops_elementwise.cpp  add sub mul div neg exp log sqrt pow abs clamp relu
//                        sigmoid tanh cos sin acos
//   ops_reduce.cpp       sum mean logsumexp softmax log_softmax l2_normalize
//   ops_shape.cpp        reshape flatten transpose concat slice rows gather scatter
//   ops_matmul.cpp       matmul
//   ops_nn.cpp           prelu maxpool2d conv2d
// Shape errors name the op and the shapes involved.
#pragma once

#include <vector>

#include "core/graph.hpp"

namespace fg {

// ---- elementwise, with broadcasting ----------------------------------------
// Shapes broadcast as in NumPy: aligned from the right, a dimension of 1 (or a
// missing one) stretches. The common cases: same shape; a one-element scalar;
// a row vector [n] or [1, n] over an [m, n] matrix (biases); a column [m, 1].
Var add(const Var& a, const Var& b);
Var sub(const Var& a, const Var& b);
Var mul(const Var& a, const Var& b);
Var div(const Var& a, const Var& b);
Var add(const Var& a, real c);
Var mul(const Var& a, real c);

Var neg(const Var& a);
Var exp(const Var& a);
Var log(const Var& a);
Var sqrt(const Var& a);
Var pow(const Var& a, real p);       // a^p; for non-integer p, a must be > 0
Var abs(const Var& a);
Var clamp(const Var& a, real lo, real hi);  // gradient 0 where clamped
Var relu(const Var& a);
Var sigmoid(const Var& a);
Var tanh(const Var& a);
Var cos(const Var& a);
Var sin(const Var& a);
// arccos with its input clamped inside [-1 + eps, 1 - eps], so that the value
// and the gradient -1/sqrt(1 - x^2) stay finite at x = +-1.
Var acos(const Var& a, real eps = real(1e-7));

inline Var operator+(const Var& a, const Var& b) { return add(a, b); }
inline Var operator-(const Var& a, const Var& b) { return sub(a, b); }
inline Var operator*(const Var& a, const Var& b) { return mul(a, b); }
inline Var operator/(const Var& a, const Var& b) { return div(a, b); }
inline Var operator-(const Var& a) { return neg(a); }
inline Var operator+(const Var& a, real c) { return add(a, c); }
inline Var operator+(real c, const Var& a) { return add(a, c); }
inline Var operator-(const Var& a, real c) { return add(a, -c); }
inline Var operator-(real c, const Var& a) { return add(neg(a), c); }
inline Var operator*(const Var& a, real c) { return mul(a, c); }
inline Var operator*(real c, const Var& a) { return mul(a, c); }
inline Var operator/(const Var& a, real c) { return mul(a, real(1) / c); }

// ---- reductions --------------------------------------------------------------
Var sum(const Var& a);               // all elements -> [1]
Var sum(const Var& a, int axis);     // removes the axis
Var mean(const Var& a);
Var mean(const Var& a, int axis);
// Along the last axis, stable for logits of any size (max subtracted first).
Var logsumexp(const Var& a);         // [m, K] -> [m]
Var softmax(const Var& a);
Var log_softmax(const Var& a);
// Row-wise (last axis) x / sqrt(|x|^2 + eps^2): a zero row gives zeros and a
// finite gradient instead of 0/0.
Var l2_normalize(const Var& a, real eps = real(1e-12));

// ---- shape ------------------------------------------------------------------
Var reshape(const Var& a, Shape shape);
Var flatten(const Var& a);           // [N, ...] -> [N, rest]
Var transpose(const Var& a);         // 2-D
Var concat(const std::vector<Var>& parts);          // along axis 0
Var slice(const Var& a, int begin, int end);        // rows [begin, end) of axis 0
Var rows(const Var& a, const std::vector<int>& index);  // a[index[i]] along axis 0
// One entry per row: out[i] = a[i, index[i]] ([m, K] -> [m]); the target logit.
Var gather(const Var& a, const std::vector<int>& index);
// The inverse: out[i, index[i]] = v[i], zeros elsewhere ([m] -> [m, K]).
Var scatter(const Var& v, const std::vector<int>& index, int K);

// ---- linear algebra -----------------------------------------------------------
// op(a) op(b) with op the transpose when asked, through the GEMM kernel.
Var matmul(const Var& a, const Var& b, bool trans_a = false, bool trans_b = false);

// ---- neural-network ops --------------------------------------------------------
// PReLU: x where x > 0, alpha_c x elsewhere. alpha has one element (shared)
// or one per channel (axis 1 of x, which is [N, C] or [N, C, H, W]).
Var prelu(const Var& x, const Var& alpha);
// Max pooling over k x k windows with the given stride, on [N, C, H, W].
Var maxpool2d(const Var& x, int k, int stride);
// Convolution of x [N, C, H, W] with w [F, C, KH, KW] plus bias b [F]
// (pass an empty Var for no bias).
Var conv2d(const Var& x, const Var& w, const Var& b, int stride = 1, int pad = 0);

}  // namespace fg
