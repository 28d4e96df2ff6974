// The margin-softmax node (see margin_softmax.hpp for the formula).
//
// Derivation of the backward. For one sample i drop the index i; let y be its
// label, z_j its logits and P = sum_k e^{z_k}. The sample's loss is
//   l = -z_y + log P,   so   dl/dz_j = e^{z_j} / P - [j = y] = p_j - [j = y].
// The batch loss is the mean, L = 1/m sum_i l_i, hence the 1/m.
// The logits depend on c_j = cos theta_j and the scale a_j through
//   z_j = a_j c_j (j != y),   z_y = a_y psi(c_y),
// so dz_j/dc_j = a_j, dz_y/dc_y = a_y psi'(c_y), dz_j/da_j = c_j, dz_y/da_y = psi(c_y),
// and every other partial derivative is 0. Multiplying by dl/dz gives the
// formulas in the header.
//
// Numerics: log P is computed as M + log sum_k e^{z_k - M} with M = max_k z_k,
// so s = 64 at cos theta = 1 (z = 64) is as finite as z = 0; the sums run in
// double. psi and psi' are evaluated in double on the stored cosine.
//
// notes: notes/03-softmax-family.md#30-the-shared-node-margin_softmax
#include "losses/margin_softmax.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/ops.hpp"

namespace fg {

TargetLogit plain_cosine() {
  return {[](double c) { return c; }, [](double) { return 1.0; }};
}

double theta_of(double c) { return std::acos(std::min(1.0, std::max(-1.0, c))); }
double clamp_cos(double c) { return std::min(1 - kCosEps, std::max(-1 + kCosEps, c)); }
double sin_theta_of(double c) {
  const double k = clamp_cos(c);
  return std::sqrt((1 - k) * (1 + k));
}

namespace {

void check_labels(const char* op, const std::vector<int>& y, int m, int K) {
  if (static_cast<int>(y.size()) != m)
    throw Error(std::string(op) + ": " + std::to_string(y.size()) + " labels for " +
                std::to_string(m) + " rows");
  for (int i = 0; i < m; ++i)
    if (y[i] < 0 || y[i] >= K)
      throw Error(std::string(op) + ": label " + std::to_string(y[i]) + " of sample " +
                  std::to_string(i) + " is outside 0.." + std::to_string(K - 1));
}

// Row-wise softmax p of z (m x K, in double) and the batch-mean cross-entropy.
double cross_entropy(const std::vector<double>& z, const std::vector<int>& y, int m, int K,
                     Tensor& p) {
  double total = 0;
  for (int i = 0; i < m; ++i) {
    const double* zi = z.data() + size_t(i) * K;
    const double M = *std::max_element(zi, zi + K);
    double P = 0;
    for (int j = 0; j < K; ++j) P += std::exp(zi[j] - M);
    for (int j = 0; j < K; ++j) p.at(i, j) = real(std::exp(zi[j] - M) / P);
    total += M + std::log(P) - zi[y[i]];  // -log p_{i,y_i}
  }
  return total / m;
}

// dL/dz_ij = g (p_ij - [j = y_i]) / m for one row i, g the gradient arriving
// at L. The target entry p_iy - 1 is written -sum_{j != y_i} p_ij, which keeps
// its digits when p_iy is close to 1.
void dz_row(const Tensor& p, const std::vector<int>& y, int i, int K, double g_over_m,
            std::vector<double>& out) {
  double others = 0;
  for (int j = 0; j < K; ++j) {
    out[size_t(j)] = g_over_m * p.at(i, j);
    if (j != y[i]) others += p.at(i, j);
  }
  out[size_t(y[i])] = -g_over_m * others;
}

}  // namespace

Var margin_softmax(const Var& cos_theta, const Var& scale, const std::vector<int>& y,
                   const TargetLogit& target) {
  const Tensor& c = cos_theta.value();
  check_dim("margin_softmax (cos theta)", c, 2);
  const int m = c.size(0), K = c.size(1);
  if (m == 0 || K == 0) throw Error("margin_softmax: empty cos theta " + shape_str(c.shape()));
  check_labels("margin_softmax", y, m, K);
  const Tensor& a = scale.value();
  // How the scale is laid out: one s, one per row, or one per entry.
  const Shape& as = a.shape();
  const bool per_entry = as == Shape{m, K};
  const bool per_row = !per_entry && as == Shape{m, 1};
  if (!per_entry && !per_row && a.numel() != 1)
    throw Error("margin_softmax: scale must be [1], [" + std::to_string(m) + ", 1] or " +
                shape_str(c.shape()) + " for cos theta " + shape_str(c.shape()) + ", got " +
                shape_str(as));
  auto a_at = [per_entry, per_row, K](const Tensor& t, int i, int j) {
    return double(per_entry ? t[int64_t(i) * K + j] : per_row ? t[i] : t[0]);
  };

  Tensor psi_y({m}), dpsi_y({m});  // psi(c_iy) and psi'(c_iy), saved for backward
  std::vector<double> z(size_t(m) * K);
  for (int i = 0; i < m; ++i) {
    const double cy = c.at(i, y[i]);
    psi_y[i] = real(target.psi(cy));
    dpsi_y[i] = real(target.dpsi(cy));
    for (int j = 0; j < K; ++j)
      z[size_t(i) * K + j] = a_at(a, i, j) * (j == y[i] ? double(psi_y[i]) : double(c.at(i, j)));
  }
  Tensor p({m, K});  // softmax of the logits, saved for backward
  const double loss = cross_entropy(z, y, m, K, p);

  const Tensor cos_saved = c, scale_saved = a;  // saved for backward
  return make_node(
      "margin_softmax", Tensor::scalar(real(loss)), {cos_theta, scale},
      [p, y, m, K, psi_y, dpsi_y, cos_saved, scale_saved, a_at, as](Node& self) {
        const double g_over_m = double(self.grad[0]) / m;
        const bool want_cos = self.inputs[0].requires_grad(),
                   want_scale = self.inputs[1].requires_grad();
        Tensor dcos(want_cos ? Shape{m, K} : Shape{0}), da(want_scale ? as : Shape{0});
        std::vector<double> dzi(static_cast<size_t>(K)), acc(static_cast<size_t>(da.numel()), 0.0);
        for (int i = 0; i < m; ++i) {
          dz_row(p, y, i, K, g_over_m, dzi);
          for (int j = 0; j < K; ++j) {
            const bool target = j == y[i];
            if (want_cos)  // dz/dc = a (a psi'(c) for the target)
              dcos.at(i, j) = real(dzi[size_t(j)] * a_at(scale_saved, i, j) *
                                   (target ? double(dpsi_y[i]) : 1.0));
            if (want_scale) {  // dz/da = c (psi(c) for the target), summed per scale entry
              const int64_t k = da.numel() == 1 ? 0 : da.numel() == m ? i : int64_t(i) * K + j;
              acc[size_t(k)] +=
                  dzi[size_t(j)] * (target ? double(psi_y[i]) : double(cos_saved.at(i, j)));
            }
          }
        }
        if (want_cos) accumulate(self.inputs[0], dcos);
        if (want_scale) {
          for (int64_t k = 0; k < da.numel(); ++k) da[k] = real(acc[size_t(k)]);
          accumulate(self.inputs[1], da);
        }
      });
}

Var softmax_cross_entropy(const Var& logits, const std::vector<int>& y) {
  const Tensor& l = logits.value();
  check_dim("softmax_cross_entropy (logits)", l, 2);
  const int m = l.size(0), K = l.size(1);
  if (m == 0 || K == 0) throw Error("softmax_cross_entropy: empty logits " + shape_str(l.shape()));
  check_labels("softmax_cross_entropy", y, m, K);
  std::vector<double> z(l.data(), l.data() + l.numel());
  Tensor p({m, K});  // softmax of the logits, saved for backward
  const double loss = cross_entropy(z, y, m, K, p);
  return make_node("softmax_cross_entropy", Tensor::scalar(real(loss)), {logits},
                   [p, y, m, K](Node& self) {
                     Tensor dl({m, K});
                     std::vector<double> dzi(static_cast<size_t>(K));
                     for (int i = 0; i < m; ++i) {
                       dz_row(p, y, i, K, double(self.grad[0]) / m, dzi);
                       for (int j = 0; j < K; ++j) dl.at(i, j) = real(dzi[size_t(j)]);
                     }
                     accumulate(self.inputs[0], dl);
                   });
}

Var cosine_matrix(const Var& h, const Var& W) {
  return matmul(l2_normalize(h), l2_normalize(W), false, true);
}

Var row_norms(const Var& x) {
  check_dim("row_norms", x.value(), 2);
  const real eps = real(1e-12);  // the default eps of l2_normalize
  return reshape(sqrt(sum(x * x, 1) + eps * eps), {x.shape()[0], 1});
}

}  // namespace fg
