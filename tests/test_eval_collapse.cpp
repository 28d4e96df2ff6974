// Neural collapse metrics NC1-NC4: by hand on a two-class set, near zero on a
// simplex equiangular tight frame, clearly non-zero on a random configuration;
// and the Jacobi eigendecomposition behind the pseudo-inverse in NC1.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/eval/collapse.hpp"
#include "core/random.hpp"

using namespace fg;

namespace {
// Rotation by 45 degrees: (x, y) -> ((x - y)/sqrt2, (x + y)/sqrt2).
// Traces, norms, cosines and inner products do not change under it.
std::vector<real> rotate45(const std::vector<double>& xy) {
  const double r = 1 / std::sqrt(2.0);
  std::vector<real> out;
  for (size_t k = 0; k < xy.size(); k += 2) {
    out.push_back(real(r * (xy[k] - xy[k + 1])));
    out.push_back(real(r * (xy[k] + xy[k + 1])));
  }
  return out;
}

// A random N x N orthogonal matrix (Gram-Schmidt on Gaussian rows).
std::vector<double> random_orthogonal(int N, Rng& rng) {
  std::vector<double> Q(size_t(N) * N);
  for (double& q : Q) q = rng.normal();
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < i; ++j) {
      double d = 0;
      for (int k = 0; k < N; ++k) d += Q[i * N + k] * Q[j * N + k];
      for (int k = 0; k < N; ++k) Q[i * N + k] -= d * Q[j * N + k];
    }
    double n = 0;
    for (int k = 0; k < N; ++k) n += Q[i * N + k] * Q[i * N + k];
    for (int k = 0; k < N; ++k) Q[i * N + k] /= std::sqrt(n);
  }
  return Q;
}
}  // namespace

TEST_CASE("eval: symmetric_eigen reconstructs the matrix", "[eval]") {
  // [[2, 1], [1, 2]] has eigenvalues 3 and 1, eigenvectors (1, 1)/sqrt2, (1, -1)/sqrt2.
  SymmetricEigen e = symmetric_eigen({2, 1, 1, 2}, 2);
  CHECK(e.values[0] == Approx(3));
  CHECK(e.values[1] == Approx(1));
  CHECK(std::fabs(e.vectors[0]) == Approx(1 / std::sqrt(2.0)));
  // A random symmetric 9 x 9 and one with a repeated eigenvalue (Q diag Q^T).
  Rng rng(4);
  const int n = 9;
  std::vector<double> R(n * n), P(n * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) R[i * n + j] = R[j * n + i] = rng.normal();
  const std::vector<double> Q = random_orthogonal(n, rng);
  const double d[n] = {5, 2, 2, 2, 0, 0, -1, -1, 3};
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) P[i * n + j] += Q[k * n + i] * d[k] * Q[k * n + j];
  for (const auto& A : {R, P}) {
    e = symmetric_eigen(A, n);
    for (int k = 1; k < n; ++k) CHECK(e.values[k - 1] >= e.values[k]);
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) {
        double av = 0, vtv = 0;  // (A V)_ik and (V^T V)_ik
        for (int j = 0; j < n; ++j) {
          av += A[i * n + j] * e.vectors[j * n + k];
          vtv += e.vectors[j * n + i] * e.vectors[j * n + k];
        }
        CHECK(av == Approx(e.values[k] * e.vectors[i * n + k]).margin(1e-10));
        CHECK(vtv == Approx(i == k ? 1.0 : 0.0).margin(1e-12));
      }
  }
  CHECK(symmetric_eigen(P, n).values[0] == Approx(5));
  CHECK(symmetric_eigen(P, n).values[8] == Approx(-1));
  REQUIRE_THROWS_WITH(symmetric_eigen({1, 2, 3}, 2), Catch::Contains("n x n"));
}

TEST_CASE("eval: neural collapse metrics by hand on two classes", "[eval]") {
  // Before the 45-degree rotation (which changes none of the numbers):
  //   class 0: (-1.5, 1), (-0.5, -1)   mean (-1, 0)
  //   class 1: ( 1.5, 1), ( 0.5, -1)   mean ( 1, 0)     global mean (0, 0)
  // Deviations from the class mean: (-0.5, 1), (0.5, -1), (0.5, 1), (-0.5, -1);
  // Sigma_W = (1/4) sum d d^T = diag(0.25, 1) (the cross terms cancel).
  // Sigma_B = (1/2)((-1,0)(-1,0)^T + (1,0)(1,0)^T) = diag(1, 0), Sigma_B^+ = diag(1, 0),
  // so Tr(Sigma_W Sigma_B^+) = 0.25 and NC1 = 0.25 / K = 0.125. (The spread of
  // 1 along y, where the means do not differ, is outside the range of Sigma_B.)
  const Tensor H = Tensor::from({4, 2}, rotate45({-1.5, 1, -0.5, -1, 1.5, 1, 0.5, -1}));
  const std::vector<int> y{0, 0, 1, 1};
  // W rows (-1, 0) and (3, 0): norms 1 and 3 -> std/mean = 1/2; cosine -1 = -1/(K-1).
  const Tensor W = Tensor::from({2, 2}, rotate45({-1, 0, 3, 0}));
  CollapseMetrics c = neural_collapse(H, y, W);
  CHECK(c.nc1 == Approx(0.125).epsilon(1e-5));
  CHECK(c.nc2_means.equinorm == Approx(0).margin(1e-6));
  CHECK(c.nc2_means.equiangularity == Approx(0).margin(1e-6));
  CHECK(c.nc2_means.max_angle == Approx(0).margin(1e-6));
  CHECK(c.nc2_classifier.equinorm == Approx(0.5).epsilon(1e-5));
  CHECK(c.nc2_classifier.max_angle == Approx(0).margin(1e-6));
  // NC3: W/||W||_F = (-1, 3)/sqrt10 and M/||M||_F = (-1, 1)/sqrt2 along x;
  // |a - b|^2 = 2 - 2 <a, b> = 2 - 2 * 4/sqrt20, NC3 = sqrt(2 - 8/sqrt20) = 0.459506.
  CHECK(c.nc3 == Approx(std::sqrt(2 - 8 / std::sqrt(20.0))).epsilon(1e-5));
  // NC4 with b = 0: logits <W_c, h> agree with the nearest mean on all four.
  CHECK(c.nc4 == 0);
  // With b = (0, -3), sample (0.5, -1) scores (-0.5, 1.5 - 3) -> class 0, but
  // its nearest mean is class 1's; the other three still agree: NC4 = 1/4.
  c = neural_collapse(H, y, W, Tensor::from({2}, {0, -3}));
  CHECK(c.nc4 == 0.25);
}

TEST_CASE("eval: neural collapse is near zero on a simplex ETF, not on a random set", "[eval]") {
  // Simplex ETF, K = 4 in R^6: m_c = sqrt(K/(K-1)) (e_c - 1/K) in the first K
  // coordinates has ||m_c||^2 = (K/(K-1)) ((1 - 1/K)^2 + (K-1)/K^2) = 1 and
  // <m_c, m_c'> = (K/(K-1)) (-2/K + 1/K) = -1/(K-1). It is then rotated by a
  // random orthogonal Q, scaled by 3 and shifted by a random global mean;
  // W = 2 M (any positive scale is self-dual) with the bias b_c = -<W_c, mu_G>
  // that centres the logits, so argmax_c <W_c, h> + b_c = argmax_c <W_c, h - mu_G>,
  // which for an ETF is the nearest class mean. Samples = mean + noise.
  const int K = 4, N = 6, per_class = 5;
  Rng rng(21);
  const std::vector<double> Q = random_orthogonal(N, rng);
  std::vector<double> etf(K * N, 0.0), shift(N);
  for (double& s : shift) s = rng.normal();
  for (int c = 0; c < K; ++c)
    for (int k = 0; k < N; ++k)
      for (int j = 0; j < K; ++j)
        etf[c * N + k] += std::sqrt(K / (K - 1.0)) * ((j == c) - 1.0 / K) * Q[j * N + k];
  auto make = [&](double noise, Tensor& H, std::vector<int>& y) {
    H = Tensor({K * per_class, N});
    y.clear();
    // Noise in +-pairs (samples 0, 1 get +e, -e; 2, 3 likewise; 4 none), so
    // each class mean stays exactly on the frame.
    std::vector<double> e(N);
    for (int c = 0; c < K; ++c)
      for (int s = 0; s < per_class; ++s) {
        y.push_back(c);
        if (s % 2 == 0)
          for (double& x : e) x = s + 1 < per_class ? noise * rng.normal() : 0.0;
        for (int k = 0; k < N; ++k)
          H.at(c * per_class + s, k) =
              real(shift[k] + 3 * etf[c * N + k] + (s % 2 ? -e[k] : e[k]));
      }
  };
  Tensor W({K, N}), b({K});
  for (int k = 0; k < K * N; ++k) W[k] = real(2 * etf[k]);
  for (int c = 0; c < K; ++c)
    for (int k = 0; k < N; ++k) b[c] -= W.at(c, k) * real(shift[k]);
  Tensor H;
  std::vector<int> y;
  make(0.0, H, y);  // exact collapse: Sigma_W = 0
  CollapseMetrics c = neural_collapse(H, y, W, b);
  CHECK(c.nc1 < 1e-10);
  for (const Nc2& n : {c.nc2_means, c.nc2_classifier}) {
    CHECK(n.equinorm < 1e-5);
    CHECK(n.equiangularity < 1e-5);
    CHECK(n.max_angle < 1e-5);
  }
  CHECK(c.nc3 < 1e-5);
  CHECK(c.nc4 == 0);
  make(1e-3, H, y);  // nearly collapsed: NC1 of the order of noise^2
  c = neural_collapse(H, y, W, b);
  CHECK(c.nc1 < 1e-4);
  CHECK(c.nc2_means.equinorm < 1e-2);
  CHECK(c.nc2_means.max_angle < 1e-2);
  CHECK(c.nc3 < 1e-2);
  CHECK(c.nc4 == 0);
  // Random: means (scaled by 3 in make), W and noise of the same size as the
  // means, all independent Gaussians.
  for (int k = 0; k < K * N; ++k) etf[k] = rng.normal(), W[k] = real(rng.normal());
  make(3.0, H, y);
  c = neural_collapse(H, y, W);
  CHECK(c.nc1 > 0.1);
  CHECK(c.nc2_means.equinorm > 0.05);
  CHECK(c.nc2_means.equiangularity > 0.1);
  CHECK(c.nc2_means.max_angle > 0.1);
  CHECK(c.nc2_classifier.equinorm > 0.05);
  CHECK(c.nc3 > 0.3);
  CHECK(c.nc4 > 0.1);
}

TEST_CASE("eval: neural collapse rejects inconsistent inputs", "[eval]") {
  const Tensor H = Tensor::from({3, 2}, {1, 0, 0, 1, 1, 1}), W = Tensor({3, 2}, 1);
  REQUIRE_THROWS_WITH(neural_collapse(H, {0, 1, 1}, W),
                      Catch::Contains("class 2") && Catch::Contains("no sample"));
  REQUIRE_THROWS_WITH(neural_collapse(H, {0, 1}, W), Catch::Contains("2 labels for 3"));
  REQUIRE_THROWS_WITH(neural_collapse(H, {0, 1, 3}, W), Catch::Contains("label 3"));
  REQUIRE_THROWS_WITH(neural_collapse(H, {0, 1, 2}, Tensor({3, 5}, 1)),
                      Catch::Contains("[3, 5]"));
  REQUIRE_THROWS_WITH(neural_collapse(Tensor({0, 2}), {}, W), Catch::Contains("empty"));
  const Tensor same = Tensor::from({2, 2}, {1, 1, 1, 1});
  REQUIRE_THROWS_WITH(neural_collapse(same, {0, 1}, Tensor({2, 2}, 1)),
                      Catch::Contains("coincide"));
}
