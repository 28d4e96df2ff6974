// The kernels' ladder (core/kernels/ladder_gemm.hpp, ladder_conv.hpp): every
// step against the naive twin, on sizes that are not multiples of any tile
// or block (edges), that cross a block of K (KC = 384) and of rows and
// columns, and with one and two threads.
#include <omp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/gemm.hpp"
#include "core/kernels/ladder_conv.hpp"
#include "core/kernels/ladder_gemm.hpp"
#include "core/random.hpp"

using namespace fg;

namespace {

template <class T> std::vector<T> uniform(size_t n, Rng& rng) {
  std::vector<T> v(n);
  for (T& x : v) x = T(rng.uniform(-1, 1));
  return v;
}

// Largest |got - want| over the scale sum_p |a_ip b_pj| of the entry (so a
// float result is judged by float rounding, whatever K is).
template <class T>
double scaled_error(int M, int N, int K, const std::vector<T>& A, const std::vector<T>& B,
                    const std::vector<T>& got, const std::vector<T>& want) {
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double scale = 0;
      for (int p = 0; p < K; ++p)
        scale += std::fabs(double(A[size_t(i) * K + p]) * B[size_t(p) * N + j]);
      const double g = got[size_t(i) * N + j], w = want[size_t(i) * N + j];
      if (!std::isfinite(g)) return std::numeric_limits<double>::infinity();
      worst = std::max(worst, std::fabs(g - w) / std::max(scale, 1e-30));
    }
  return worst;
}

template <class T> double tolerance() { return sizeof(T) == 4 ? 1e-5 : 1e-12; }

}  // namespace

TEMPLATE_TEST_CASE("ladder: every GEMM step matches gemm_naive", "[ladder]", float, double) {
  using T = TestType;
  int count = 0;
  const ladder::GemmStep<T>* steps = ladder::gemm_steps<T>(&count);
  REQUIRE(count == 7);
  // {M, N, K}: one entry; edges of every tile; K across two blocks of 384;
  // more rows and columns than one block of step 4 (N2 = 8 NR columns).
  const int shapes[][3] = {{1, 1, 1},  {3, 5, 7},     {37, 53, 29},  {8, 48, 16},
                           {9, 49, 17}, {13, 70, 400}, {70, 401, 31}, {33, 3, 800}};
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (const auto& s : shapes) {
      const int M = s[0], N = s[1], K = s[2];
      Rng rng(uint64_t(M * 1000 + N * 10 + K));
      const std::vector<T> A = uniform<T>(size_t(M) * K, rng), B = uniform<T>(size_t(K) * N, rng);
      std::vector<T> want(size_t(M) * N);
      gemm_naive<T>(false, false, M, N, K, T(1), A.data(), K, B.data(), N, T(0), want.data(), N);
      for (int k = 0; k < count; ++k) {
        INFO(steps[k].name << ": M=" << M << " N=" << N << " K=" << K << " threads=" << threads);
        // Every step overwrites C: start from NaN, so an entry left unwritten fails.
        std::vector<T> C(size_t(M) * N, std::numeric_limits<T>::quiet_NaN());
        steps[k].run(M, N, K, A.data(), B.data(), C.data());
        CHECK(scaled_error(M, N, K, A, B, C, want) <= tolerance<T>());
      }
    }
  }
  omp_set_num_threads(saved);
}

TEMPLATE_TEST_CASE("ladder: GEMM steps on exact small integers give exact results", "[ladder]",
                   float, double) {
  // A = [1 2; 3 4; 5 6] (3 x 2), B = [1 0 -1; 2 1 0] (2 x 3): A B by hand.
  using T = TestType;
  const std::vector<T> A = {1, 2, 3, 4, 5, 6}, B = {1, 0, -1, 2, 1, 0};
  const std::vector<T> want = {5, 2, -1, 11, 4, -3, 17, 6, -5};
  int count = 0;
  const ladder::GemmStep<T>* steps = ladder::gemm_steps<T>(&count);
  for (int k = 0; k < count; ++k) {
    INFO(steps[k].name);
    std::vector<T> C(9, T(-7));
    steps[k].run(3, 3, 2, A.data(), B.data(), C.data());
    CHECK(C == want);
  }
}

TEMPLATE_TEST_CASE("ladder: every convolution step matches conv2d_forward_naive", "[ladder]",
                   float, double) {
  using T = TestType;
  int count = 0;
  const ladder::ConvStep<T>* steps = ladder::conv_steps<T>(&count);
  REQUIRE(count == 4);
  // {N, C, H, W, F, KH, KW, stride, pad}: LeNet++'s 5x5 pad-2 layers (small
  // batch), a stride, a rectangular kernel without padding, one pixel out.
  const ConvGeom geoms[] = {{2, 1, 28, 28, 4, 5, 5, 1, 2},  {3, 8, 14, 14, 6, 5, 5, 1, 2},
                            {2, 3, 9, 11, 5, 3, 2, 2, 1},   {2, 2, 7, 7, 3, 3, 3, 1, 0},
                            {1, 4, 5, 5, 2, 5, 5, 1, 0},    {5, 33, 7, 7, 3, 5, 5, 1, 2}};
  for (const ConvGeom& g : geoms) {
    Rng rng(uint64_t(g.N * 100 + g.C * 10 + g.H));
    const std::vector<T> x = uniform<T>(size_t(g.N) * g.C * g.H * g.W, rng);
    const std::vector<T> w = uniform<T>(size_t(g.F) * g.C * g.KH * g.KW, rng);
    const std::vector<T> b = uniform<T>(size_t(g.F), rng);
    const size_t ny = size_t(g.N) * g.F * g.OH() * g.OW();
    std::vector<T> want(ny);
    conv2d_forward_naive<T>(g, x.data(), w.data(), b.data(), want.data());
    for (int k = 0; k < count; ++k) {
      INFO(steps[k].name << ": N=" << g.N << " C=" << g.C << " H=" << g.H << " W=" << g.W
                         << " F=" << g.F << " K=" << g.KH << "x" << g.KW << " s=" << g.stride
                         << " p=" << g.pad);
      std::vector<T> y(ny, std::numeric_limits<T>::quiet_NaN());
      steps[k].run(g, x.data(), w.data(), b.data(), y.data());
      double worst = 0;
      // Each output sums C KH KW products of entries in [-1, 1] plus the bias.
      const double scale = g.C * g.KH * g.KW + 1;
      for (size_t i = 0; i < ny; ++i)
        worst = std::isfinite(double(y[i]))
                    ? std::max(worst, std::fabs(double(y[i]) - want[i]) / scale)
                    : std::numeric_limits<double>::infinity();
      CHECK(worst <= tolerance<T>());
    }
  }
}
