// Range loss (lecture, "Imbalance problem: ... Range (R) Loss"; Zhang et al.
// 2017): shrink each class's largest distances, push the two nearest class
// centres apart.
//
//   L_R = alpha L_R_intra + beta L_R_inter
//   L_R_intra = sum_{i=0}^{K-1} k / sum_{j=1}^{k} 1/D_i^j,  D_i^j the j-th largest
//               pairwise distance |h_a - h_b|_2 inside class i (the harmonic mean
//               of the k largest)
//   L_R_inter = max(0, margin - min_{i<j} |c_i - c_j|_2^2)
//
// The sums run over the classes present in the batch, c_i is the mean of the
// batch's samples of class i. A class with fewer than k pairs uses all of them
// and k' = their number in the numerator, so the term stays the harmonic mean
// of the distances it uses; a class with one sample has no pair and is
// skipped. Fewer than two classes: L_R_inter = 0. (The slide's r is k here.)
//
// notes: notes/04-euclidean-family.md#47-range-loss
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "core/ops.hpp"
#include "losses/distance.hpp"
#include "losses/euclidean.hpp"
#include "losses/loss_base.hpp"
#include "losses/params.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

std::map<int, std::vector<int>> members_by_class(const std::vector<int>& y) {
  std::map<int, std::vector<int>> by;
  for (int i = 0; i < static_cast<int>(y.size()); ++i) by[y[i]].push_back(i);
  return by;
}

struct PairPull {  // dL/dh_a += c (h_a - h_b), dL/dh_b -= c (h_a - h_b)
  int a, b;
  double c;
};

}  // namespace

// Gradient of one class's term H = k' / S, S = sum_j 1/D^j over its k' largest
// distances:  dH/dD^j = k' / (S^2 (D^j)^2),  and dD/dh_a = (h_a - h_b) / D.
// If a chosen distance is 0 (two identical samples) H = 0 and is flat in the
// others; its own dD/dh is undefined there, and the gradient used is 0 (the
// safe form: exact value, no division by zero). Ties between distances go to
// the pair found first (a, then b, increasing).
Var range_intra(const Var& h, const std::vector<int>& y, int k) {
  const Tensor x = h.value();
  check_rows_labels("range_intra", x, y);
  if (k < 1) throw Error("range_intra: k = " + std::to_string(k) + "; allowed: an integer >= 1");
  const int n = x.shape()[1];
  std::vector<PairPull> pulls;  // saved for backward
  double total = 0;
  for (const auto& cls : members_by_class(y)) {
    const std::vector<int>& idx = cls.second;
    std::vector<std::pair<double, PairPull>> pairs;  // (D, pair)
    for (size_t u = 0; u < idx.size(); ++u)
      for (size_t v = u + 1; v < idx.size(); ++v)
        pairs.push_back({std::sqrt(sq_dist(x.data() + idx[u] * n, x.data() + idx[v] * n, n)),
                         {idx[u], idx[v], 0.0}});
    if (pairs.empty()) continue;
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const auto& p, const auto& q) { return p.first > q.first; });
    const size_t kk = std::min(pairs.size(), size_t(k));
    if (pairs[kk - 1].first == 0) continue;  // a chosen distance is 0: H = 0, gradient 0
    double S = 0;
    for (size_t j = 0; j < kk; ++j) S += 1 / pairs[j].first;
    total += double(kk) / S;
    for (size_t j = 0; j < kk; ++j) {
      const double D = pairs[j].first;
      PairPull pp = pairs[j].second;
      pp.c = double(kk) / (S * S * D * D * D);
      pulls.push_back(pp);
    }
  }
  return make_node("range_intra", Tensor::scalar(real(total)), {h}, [x, pulls, n](Node& self) {
    Tensor gx(x.shape());
    const double g = self.grad[0];
    for (const PairPull& p : pulls)
      for (int d = 0; d < n; ++d) {
        const double e = g * p.c * (double(x.at(p.a, d)) - x.at(p.b, d));
        gx.at(p.a, d) += real(e);
        gx.at(p.b, d) -= real(e);
      }
    accumulate(self.inputs[0], gx);
  });
}

// Gradient while the hinge is open (margin > |c_a - c_b|^2 for the nearest
// pair of class means a, b; ties go to the first pair in label order):
//   dL/dc_a = -2 (c_a - c_b),  dL/dc_b = 2 (c_a - c_b),
// and each sample of class a gets dL/dc_a / n_a (c_a is their mean).
Var range_inter(const Var& h, const std::vector<int>& y, real margin) {
  const Tensor x = h.value();
  check_rows_labels("range_inter", x, y);
  const int n = x.shape()[1];
  const auto by = members_by_class(y);
  std::vector<std::vector<double>> means;
  std::vector<const std::vector<int>*> groups;
  for (const auto& cls : by) {
    std::vector<double> c(n, 0.0);
    for (int i : cls.second)
      for (int d = 0; d < n; ++d) c[d] += double(x.at(i, d)) / cls.second.size();
    means.push_back(c);
    groups.push_back(&cls.second);
  }
  double best = INFINITY;
  int A = -1, B = -1;
  for (size_t a = 0; a < means.size(); ++a)
    for (size_t b = a + 1; b < means.size(); ++b) {
      double d2 = 0;
      for (int d = 0; d < n; ++d) d2 += (means[a][d] - means[b][d]) * (means[a][d] - means[b][d]);
      if (d2 < best) best = d2, A = int(a), B = int(b);
    }
  const bool open = A >= 0 && double(margin) - best > 0;
  const double value = open ? double(margin) - best : 0.0;
  std::vector<int> in_a, in_b;  // the two classes' samples, saved for backward
  std::vector<double> diff;     // c_a - c_b
  if (open) {
    in_a = *groups[A], in_b = *groups[B];
    for (int d = 0; d < n; ++d) diff.push_back(means[A][d] - means[B][d]);
  }
  return make_node("range_inter", Tensor::scalar(real(value)), {h},
                   [shape = x.shape(), in_a, in_b, diff, n](Node& self) {
                     Tensor gx(shape);
                     const double g = self.grad[0];
                     for (int i : in_a)
                       for (int d = 0; d < n; ++d)
                         gx.at(i, d) += real(-2 * g * diff[d] / in_a.size());
                     for (int i : in_b)
                       for (int d = 0; d < n; ++d)
                         gx.at(i, d) += real(2 * g * diff[d] / in_b.size());
                     accumulate(self.inputs[0], gx);
                   });
}

namespace {

const std::vector<ParamSpec>& range_specs() {
  static const std::vector<ParamSpec> specs = {
      {"k", "2", Range::integers(1),
       "how many of the largest intra-class distances enter the harmonic mean"},
      {"margin", "10", Range::nonneg(),
       "least squared distance between the two nearest class means"},
      {"alpha", "1", Range::nonneg(), "weight of L_R_intra"},
      {"beta", "1", Range::nonneg(), "weight of L_R_inter"},
  };
  return specs;
}

class RangeLoss : public LossBase {
 public:
  RangeLoss(const LossContext& ctx, const ParamReader& r) : K_(ctx.num_classes), dim_(ctx.dim) {
    k_ = r.int_value("k");
    margin_ = real(r.real_value("margin"));
    alpha_ = real(r.real_value("alpha"));
    beta_ = real(r.real_value("beta"));
  }
  std::string name() const override { return "range"; }
  Var forward(const LossInput& in) override {
    check_batch("range", in.h, in.y, K_, dim_);
    return add(mul(range_intra(in.h, in.y, k_), alpha_),
               mul(range_inter(in.h, in.y, margin_), beta_));
  }
  std::string describe() const override {
    return "range k=" + std::to_string(k_) + " margin=" + num_str(margin_) +
           " alpha=" + num_str(alpha_) + " beta=" + num_str(beta_);
  }

 private:
  int K_, dim_, k_;
  real margin_, alpha_, beta_;
};

}  // namespace

LossSpec range_spec() {
  return reader_spec<RangeLoss>(
      "range",
      "Range loss: alpha (harmonic mean of the k largest intra-class distances) + beta max(0, "
      "margin - min |c_i - c_j|^2)",
      range_specs());
}

}  // namespace fg
