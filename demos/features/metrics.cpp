#include "demos/features/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "core/eval/collapse.hpp"
#include "core/random.hpp"

namespace fg {

namespace {

constexpr double kDeg = 180.0 / M_PI;

double norm_of(const real* a, int n) {
  double s = 0;
  for (int k = 0; k < n; ++k) s += double(a[k]) * a[k];
  return std::sqrt(s);
}

bool usable(const real* a, int n) {
  const double r = norm_of(a, n);
  return std::isfinite(r) && r > 0;
}

void check_rows(const char* op, const Tensor& H, const std::vector<int>& y) {
  if (H.dim() != 2 || H.size(0) < 1)
    throw Error(std::string(op) + ": features " + shape_str(H.shape()) +
                " (expected m x N with m >= 1, one embedding a row)");
  if (int64_t(y.size()) != H.size(0))
    throw Error(std::string(op) + ": " + std::to_string(y.size()) + " labels for " +
                std::to_string(H.size(0)) + " features (expected one a row)");
}

}  // namespace

double angle_deg(const real* a, const real* b, int n) {
  const double na = norm_of(a, n), nb = norm_of(b, n);
  if (!(na > 0) || !(nb > 0)) return 0;
  double dot = 0;
  for (int k = 0; k < n; ++k) dot += double(a[k]) * b[k];
  return std::acos(std::clamp(dot / (na * nb), -1.0, 1.0)) * kDeg;
}

ClassDirections class_directions(const Tensor& H, const std::vector<int>& y, int K) {
  check_rows("class_directions", H, y);
  const int m = H.size(0), N = H.size(1);
  ClassDirections out{Tensor::zeros({K, N}), std::vector<bool>(size_t(K), false)};
  std::vector<double> sum(size_t(K) * N, 0.0);
  for (int i = 0; i < m; ++i) {
    const real* h = H.data() + int64_t(i) * N;
    const int c = y[size_t(i)];
    if (c < 0 || c >= K)
      throw Error("class_directions: label " + std::to_string(c) + " of row " + std::to_string(i) +
                  " is outside 0.." + std::to_string(K - 1));
    if (!usable(h, N)) continue;
    const double r = norm_of(h, N);
    for (int k = 0; k < N; ++k) sum[size_t(c) * N + k] += h[k] / r;
  }
  for (int c = 0; c < K; ++c) {
    double r = 0;
    for (int k = 0; k < N; ++k) r += sum[size_t(c) * N + k] * sum[size_t(c) * N + k];
    r = std::sqrt(r);
    if (!(r > 0)) continue;
    out.present[size_t(c)] = true;
    for (int k = 0; k < N; ++k) out.d.at(c, k) = real(sum[size_t(c) * N + k] / r);
  }
  return out;
}

FeatureMetrics feature_metrics(const Tensor& H, const std::vector<int>& y, int K) {
  const ClassDirections cd = class_directions(H, y, K);
  const int m = H.size(0), N = H.size(1);
  FeatureMetrics f;
  double intra = 0, norms = 0;
  // Per class: count, sum of |h| and sum of |h|^2, for the radial spread.
  std::vector<double> cn(size_t(K), 0.0), cs(size_t(K), 0.0), cs2(size_t(K), 0.0);
  for (int i = 0; i < m; ++i) {
    const real* h = H.data() + int64_t(i) * N;
    if (!usable(h, N)) continue;
    const int c = y[size_t(i)];
    const double r = norm_of(h, N);
    intra += angle_deg(h, cd.d.data() + int64_t(c) * N, N);
    norms += r;
    cn[size_t(c)] += 1, cs[size_t(c)] += r, cs2[size_t(c)] += r * r;
    ++f.samples;
  }
  if (f.samples == 0)
    throw Error("feature_metrics: none of the " + std::to_string(m) +
                " features is finite and non-zero (did training diverge?)");
  f.intra_deg = intra / f.samples;
  f.mean_norm = norms / f.samples;
  double spread = 0;
  int classes = 0;
  for (int c = 0; c < K; ++c) {
    if (cn[size_t(c)] == 0) continue;
    const double mean = cs[size_t(c)] / cn[size_t(c)];
    const double var = std::max(0.0, cs2[size_t(c)] / cn[size_t(c)] - mean * mean);
    spread += std::sqrt(var) / mean;
    ++classes;
  }
  f.radial_spread = spread / classes;
  double lo = 1e300;
  for (int a = 0; a < K; ++a)
    for (int b = a + 1; b < K; ++b)
      if (cd.present[size_t(a)] && cd.present[size_t(b)])
        lo = std::min(lo, angle_deg(cd.d.data() + int64_t(a) * N, cd.d.data() + int64_t(b) * N, N));
  f.min_inter_deg = lo < 1e300 ? lo : 0;
  return f;
}

PairAngles pair_angles(const Tensor& H, const std::vector<int>& y, int max_pairs, uint64_t seed) {
  check_rows("pair_angles", H, y);
  const int m = H.size(0), N = H.size(1);
  PairAngles out;
  Rng rng(seed);
  // Random pairs until both lists are full or enough draws have failed to add any.
  const int64_t tries = int64_t(max_pairs) * 40;
  for (int64_t t = 0; t < tries; ++t) {
    if (int(out.same.size()) >= max_pairs && int(out.different.size()) >= max_pairs) break;
    const int a = int(rng.below(uint64_t(m))), b = int(rng.below(uint64_t(m)));
    if (a == b) continue;
    const real* ha = H.data() + int64_t(a) * N;
    const real* hb = H.data() + int64_t(b) * N;
    if (!usable(ha, N) || !usable(hb, N)) continue;
    std::vector<double>& into = y[size_t(a)] == y[size_t(b)] ? out.same : out.different;
    if (int(into.size()) < max_pairs) into.push_back(angle_deg(ha, hb, N));
  }
  return out;
}

PrincipalAxes principal_axes2(const Tensor& H) {
  if (H.dim() != 2 || H.size(0) < 1 || H.size(1) < 2)
    throw Error("principal axes: features " + shape_str(H.shape()) + " (expected m x N with N >= 2)");
  const int m = H.size(0), N = H.size(1);
  PrincipalAxes p;
  p.mean.assign(size_t(N), 0.0);
  std::vector<double> C(size_t(N) * N, 0.0);
  int used = 0;
  for (int i = 0; i < m; ++i) {
    const real* h = H.data() + int64_t(i) * N;
    if (!std::isfinite(norm_of(h, N))) continue;
    for (int k = 0; k < N; ++k) p.mean[size_t(k)] += h[k];
    ++used;
  }
  for (double& v : p.mean) v /= std::max(used, 1);
  for (int i = 0; i < m; ++i) {
    const real* h = H.data() + int64_t(i) * N;
    if (!std::isfinite(norm_of(h, N))) continue;
    for (int a = 0; a < N; ++a)
      for (int b = 0; b < N; ++b) C[size_t(a) * N + b] += (h[a] - p.mean[size_t(a)]) * (h[b] - p.mean[size_t(b)]);
  }
  // The top two eigenvectors of C; each sign chosen to point along
  // (1, 1, ..., 1), so the picture does not flip between runs.
  const SymmetricEigen e = symmetric_eigen(C, N);
  p.axes.assign(2, std::vector<double>(size_t(N)));
  for (int c = 0; c < 2; ++c) {
    double along = 0;
    for (int k = 0; k < N; ++k) along += e.vectors[size_t(k) * N + c];
    for (int k = 0; k < N; ++k) p.axes[size_t(c)][size_t(k)] = (along < 0 ? -1 : 1) * e.vectors[size_t(k) * N + c];
  }
  return p;
}

Tensor project_pca2(const Tensor& H) {
  const PrincipalAxes p = principal_axes2(H);
  const int m = H.size(0), N = H.size(1);
  Tensor P({m, 2});
  for (int i = 0; i < m; ++i)
    for (int c = 0; c < 2; ++c) {
      double s = 0;
      for (int k = 0; k < N; ++k) s += (H.at(i, k) - p.mean[size_t(k)]) * p.axes[size_t(c)][size_t(k)];
      P.at(i, c) = real(s);
    }
  return P;
}

}  // namespace fg
