#include "core/eval/collapse.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/eval/similarity.hpp"
#include "core/kernels/gemm.hpp"

namespace fg {

namespace {

void check_means_match(const char* op, const Tensor& H, const std::vector<int>& y,
                       const ClassMeans& mu) {
  check_embeddings(op, "embeddings H", H);
  if (int(y.size()) != H.size(0))
    throw Error(std::string(op) + ": " + std::to_string(y.size()) + " labels for " +
                std::to_string(H.size(0)) + " embeddings");
  if (mu.mean.N != H.size(1) || mu.mean.K < 1)
    throw Error(std::string(op) + ": class means of dimension " + std::to_string(mu.mean.N) +
                " do not fit embeddings " + shape_str(H.shape()) +
                "; build them with class_means");
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= mu.mean.K)
      throw Error(std::string(op) + ": label " + std::to_string(y[i]) + " of sample " +
                  std::to_string(i) + " is outside [0, " + std::to_string(mu.mean.K) + ")");
}

double frobenius(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

RowsD rows_of(const Tensor& W) {
  RowsD r{W.size(0), W.size(1), std::vector<double>(W.data(), W.data() + W.numel())};
  return r;
}

}  // namespace

RowsD ClassMeans::centred() const {
  RowsD M = mean;
  for (int c = 0; c < M.K; ++c)
    for (int k = 0; k < M.N; ++k) M.at(c, k) -= global_mean[k];
  return M;
}

ClassMeans class_means(const Tensor& H, const std::vector<int>& y, int K) {
  check_embeddings("class_means", "embeddings H", H);
  if (K < 1) throw Error("class_means: need K >= 1 classes, got " + std::to_string(K));
  ClassMeans mu;
  const int n = H.size(0), N = H.size(1);
  mu.mean = RowsD{K, N, std::vector<double>(size_t(K) * N, 0.0)};
  mu.global_mean.assign(N, 0.0);
  mu.count.assign(K, 0);
  check_means_match("class_means", H, y, mu);
  for (int i = 0; i < n; ++i) {
    ++mu.count[y[i]];
    for (int k = 0; k < N; ++k) {
      mu.mean.at(y[i], k) += H.at(i, k);
      mu.global_mean[k] += H.at(i, k);
    }
  }
  for (int c = 0; c < K; ++c) {
    if (mu.count[c] == 0)
      throw Error("class_means: class " + std::to_string(c) + " of " + std::to_string(K) +
                  " has no sample, so its mean is undefined");
    for (int k = 0; k < N; ++k) mu.mean.at(c, k) /= mu.count[c];
  }
  for (double& g : mu.global_mean) g /= n;
  return mu;
}

SymmetricEigen symmetric_eigen(std::vector<double> A, int n) {
  if (n < 1 || A.size() != size_t(n) * n)
    throw Error("symmetric_eigen: expected an n x n matrix with n >= 1, got " +
                std::to_string(A.size()) + " entries for n = " + std::to_string(n));
  auto a = [&](int r, int c) -> double& { return A[size_t(r) * n + c]; };
  std::vector<double> V(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) V[size_t(i) * n + i] = 1;
  const double scale = frobenius(A);
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) off += a(p, q) * a(p, q);
    if (std::sqrt(off) <= 1e-15 * scale) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = a(p, q);
        if (apq == 0) continue;
        // Rotate the (p, q) plane by the angle phi that zeroes a_pq:
        // cot(2 phi) = (a_qq - a_pp) / (2 a_pq), t = tan(phi), the smaller root.
        const double cot2 = (a(q, q) - a(p, p)) / (2 * apq);
        const double t =
            (cot2 >= 0 ? 1.0 : -1.0) / (std::fabs(cot2) + std::sqrt(cot2 * cot2 + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        a(p, p) -= t * apq;
        a(q, q) += t * apq;
        a(p, q) = a(q, p) = 0;
        for (int r = 0; r < n; ++r) {
          if (r != p && r != q) {
            const double arp = a(r, p), arq = a(r, q);
            a(r, p) = a(p, r) = c * arp - s * arq;
            a(r, q) = a(q, r) = s * arp + c * arq;
          }
          double& vp = V[size_t(r) * n + p];
          double& vq = V[size_t(r) * n + q];
          const double v_p = vp, v_q = vq;
          vp = c * v_p - s * v_q;
          vq = s * v_p + c * v_q;
        }
      }
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int i, int j) { return a(i, i) > a(j, j); });
  SymmetricEigen e;
  e.values.resize(n);
  e.vectors.resize(size_t(n) * n);
  for (int k = 0; k < n; ++k) {
    e.values[k] = a(order[k], order[k]);
    for (int r = 0; r < n; ++r) e.vectors[size_t(r) * n + k] = V[size_t(r) * n + order[k]];
  }
  return e;
}

double nc1_variability(const Tensor& H, const std::vector<int>& y, const ClassMeans& mu) {
  check_means_match("nc1_variability", H, y, mu);
  const int n = H.size(0), N = H.size(1), K = mu.mean.K;
  // Sigma_W = D^T D / n, D the n x N matrix of rows h_i - mu_{y_i}.
  std::vector<double> D(size_t(n) * N), SW(size_t(N) * N), SB(size_t(N) * N, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < N; ++k) D[size_t(i) * N + k] = H.at(i, k) - mu.mean.at(y[i], k);
  gemm<double>(true, false, N, N, n, 1.0 / n, D.data(), N, D.data(), N, 0.0, SW.data(), N);
  // Sigma_B = M^T M / K.
  const RowsD M = mu.centred();
  gemm<double>(true, false, N, N, K, 1.0 / K, M.v.data(), N, M.v.data(), N, 0.0, SB.data(), N);
  const SymmetricEigen e = symmetric_eigen(SB, N);
  if (!(e.values[0] > 0))
    throw Error("nc1_variability: all " + std::to_string(K) +
                " class means coincide (Sigma_B = 0), so NC1 is undefined");
  double trace = 0;
  for (int k = 0; k < N && e.values[k] > 1e-10 * e.values[0]; ++k) {
    double quad = 0;  // v_k^T Sigma_W v_k
    for (int r = 0; r < N; ++r) {
      double row = 0;
      for (int c = 0; c < N; ++c) row += SW[size_t(r) * N + c] * e.vectors[size_t(c) * N + k];
      quad += e.vectors[size_t(r) * N + k] * row;
    }
    trace += quad / e.values[k];
  }
  return trace / K;
}

Nc2 nc2_simplex_etf(const RowsD& V) {
  const int K = V.K, N = V.N;
  if (K < 2 || N < 1 || V.v.size() != size_t(K) * N)
    throw Error("nc2_simplex_etf: need K >= 2 vectors of dimension N >= 1, got K = " +
                std::to_string(K) + ", N = " + std::to_string(N));
  std::vector<double> norm(K, 0.0);
  for (int c = 0; c < K; ++c) {
    for (int k = 0; k < N; ++k) norm[c] += V.at(c, k) * V.at(c, k);
    norm[c] = std::sqrt(norm[c]);
    if (!(norm[c] > 0) || !std::isfinite(norm[c]))
      throw Error("nc2_simplex_etf: vector " + std::to_string(c) + " has norm " +
                  std::to_string(norm[c]) + "; its angles are undefined");
  }
  auto mean_std = [](const std::vector<double>& x, double& mean, double& std_) {
    mean = 0;
    for (double v : x) mean += v;
    mean /= double(x.size());
    double var = 0;
    for (double v : x) var += (v - mean) * (v - mean);
    std_ = std::sqrt(var / double(x.size()));
  };
  Nc2 r;
  double mean_norm, std_norm;
  mean_std(norm, mean_norm, std_norm);
  r.equinorm = std_norm / mean_norm;
  std::vector<double> cosines;
  for (int c = 0; c < K; ++c)
    for (int d = c + 1; d < K; ++d) {
      double dot = 0;
      for (int k = 0; k < N; ++k) dot += V.at(c, k) * V.at(d, k);
      cosines.push_back(dot / (norm[c] * norm[d]));
    }
  double mean_cos;
  mean_std(cosines, mean_cos, r.equiangularity);
  for (double cs : cosines) r.max_angle += std::fabs(cs + 1.0 / (K - 1)) / double(cosines.size());
  return r;
}

double nc3_self_duality(const Tensor& W, const ClassMeans& mu) {
  check_embeddings("nc3_self_duality", "classifier W", W);
  const RowsD M = mu.centred();
  if (W.size(0) != M.K || W.size(1) != M.N)
    throw Error("nc3_self_duality: W " + shape_str(W.shape()) + " must be K x N = [" +
                std::to_string(M.K) + ", " + std::to_string(M.N) + "] like the class means");
  const RowsD w = rows_of(W);
  const double nw = frobenius(w.v), nm = frobenius(M.v);
  if (!(nw > 0)) throw Error("nc3_self_duality: W is all zeros");
  if (!(nm > 0)) throw Error("nc3_self_duality: all class means coincide (M = 0)");
  double s = 0;
  for (size_t k = 0; k < M.v.size(); ++k) {
    const double d = w.v[k] / nw - M.v[k] / nm;
    s += d * d;
  }
  return std::sqrt(s);
}

double nc4_ncc_mismatch(const Tensor& H, const Tensor& W, const Tensor& b, const ClassMeans& mu) {
  const std::vector<int> by_classifier = classify(H, W, b);
  const int n = H.size(0), N = H.size(1), K = mu.mean.K;
  if (W.size(0) != K || mu.mean.N != N)
    throw Error("nc4_ncc_mismatch: W " + shape_str(W.shape()) + " and " + std::to_string(K) +
                " class means of dimension " + std::to_string(mu.mean.N) +
                " do not fit embeddings " + shape_str(H.shape()));
  int mismatches = 0;
  for (int i = 0; i < n; ++i) {
    int nearest = 0;
    double best = 0;
    for (int c = 0; c < K; ++c) {
      double d2 = 0;
      for (int k = 0; k < N; ++k) {
        const double d = H.at(i, k) - mu.mean.at(c, k);
        d2 += d * d;
      }
      if (c == 0 || d2 < best) nearest = c, best = d2;
    }
    mismatches += nearest != by_classifier[i];
  }
  return double(mismatches) / n;
}

CollapseMetrics neural_collapse(const Tensor& H, const std::vector<int>& y, const Tensor& W,
                                const Tensor& b) {
  check_embeddings("neural_collapse", "classifier W", W);
  check_embeddings("neural_collapse", "embeddings H", H);
  if (W.size(1) != H.size(1))
    throw Error("neural_collapse: W " + shape_str(W.shape()) + " and H " + shape_str(H.shape()) +
                " disagree on the embedding dimension N");
  const ClassMeans mu = class_means(H, y, W.size(0));
  CollapseMetrics r;
  r.nc1 = nc1_variability(H, y, mu);
  r.nc2_means = nc2_simplex_etf(mu.centred());
  r.nc2_classifier = nc2_simplex_etf(rows_of(W));
  r.nc3 = nc3_self_duality(W, mu);
  r.nc4 = nc4_ncc_mismatch(H, W, b, mu);
  return r;
}

}  // namespace fg
