// alpha != 1 with beta = 0 (C never read: it starts as NaN) on every path a
// product can take: the plain loops of tiny products, one thread with one
// and with several blocks of K, tasks over 4 threads, K cut into slabs over
// 4 threads, C computed transposed, and the three packed entry points; then
// alpha = 0, which must not read A or B. Each result is compared with the
// definition, summed here in long double (not with gemm_naive, which is
// itself checked).
#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/tuning.hpp"
#include "tests/gemm_test_util.hpp"
#include "tests/sanitizer_build.hpp"
#include "core/random.hpp"

using namespace fg;
using fg_test::pack_panels_by_hand;

namespace {

enum class Entry { gemm, naive, packed_a, packed_ab, packed_b };

template <class T>
double tolerance() {
  return sizeof(T) == 4 ? 1e-5 : 1e-12;
}

// The largest error of C = alpha op(A) op(B) (beta = 0, C starting as NaN)
// through `entry` on `threads` threads, each entry divided by
// |alpha| sum_k |a_ik b_kj|. NaN anywhere gives infinity.
template <class T>
double worst_error(Entry entry, bool ta, bool tb, int M, int N, int K, double alpha, int threads) {
  Rng rng(uint64_t(M) * 131 + N * 7 + K);
  const int lda = ta ? M : K, ldb = tb ? K : N;
  std::vector<T> A(size_t(M) * K), B(size_t(K) * N), store;
  for (auto& x : A) x = T(rng.uniform(-1, 1));
  for (auto& x : B) x = T(rng.uniform(-1, 1));
  std::vector<T> C(size_t(M) * N, std::numeric_limits<T>::quiet_NaN());
  const T a = T(alpha), zero = T(0);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  switch (entry) {
    case Entry::gemm:
      gemm<T>(ta, tb, M, N, K, a, A.data(), lda, B.data(), ldb, zero, C.data(), N);
      break;
    case Entry::naive:
      gemm_naive<T>(ta, tb, M, N, K, a, A.data(), lda, B.data(), ldb, zero, C.data(), N);
      break;
    case Entry::packed_a:
      gemm_packed_a<T>(GemmPackedA<T>(ta, M, K, A.data(), lda), tb, N, a, B.data(), ldb, zero,
                       C.data(), N);
      break;
    case Entry::packed_ab:
      gemm_packed_ab<T>(GemmPackedA<T>(ta, M, K, A.data(), lda), pack_panels_by_hand(B, K, N, store), N, a,
                        zero, C.data(), N);
      break;
    case Entry::packed_b:
      gemm_packed_b<T>(ta, M, N, K, a, A.data(), lda, pack_panels_by_hand(B, K, N, store), zero, C.data(),
                       N);
      break;
  }
  omp_set_num_threads(saved);
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      long double sum = 0, scale = 0;
      for (int k = 0; k < K; ++k) {
        const long double x = ta ? A[size_t(k) * lda + i] : A[size_t(i) * lda + k];
        const long double y = tb ? B[size_t(j) * ldb + k] : B[size_t(k) * ldb + j];
        sum += x * y, scale += std::fabs(x * y);
      }
      const double d = double(std::fabs(C[size_t(i) * N + j] - alpha * sum) /
                              (std::fabs(alpha) * scale + 1e-300));
      worst = std::isfinite(d) ? std::max(worst, d) : std::numeric_limits<double>::infinity();
    }
  return worst;
}

}  // namespace

TEMPLATE_TEST_CASE("gemm: alpha != 1 with beta = 0 by hand on a tiny product", "[gemm]", float,
                   double) {
  using T = TestType;
  // [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50], times -0.5.
  const std::vector<T> A{1, 2, 3, 4}, B{5, 6, 7, 8};
  const T nan = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> C(4, nan), R(4, nan);
  gemm<T>(false, false, 2, 2, 2, T(-0.5), A.data(), 2, B.data(), 2, T(0), C.data(), 2);
  gemm_naive<T>(false, false, 2, 2, 2, T(-0.5), A.data(), 2, B.data(), 2, T(0), R.data(), 2);
  const T want[4] = {-9.5, -11, -21.5, -25};
  for (int i = 0; i < 4; ++i) {
    CHECK(C[i] == want[i]);
    CHECK(R[i] == want[i]);
  }
}

TEMPLATE_TEST_CASE("gemm: alpha != 1 with beta = 0 on every path and entry point", "[gemm]", float,
                   double) {
  using T = TestType;
  struct Shape {
    int M, N, K;
    const char* path;
  };
  // The sanitizer build takes smaller shapes for the two largest products
  // (a third and half of the multiply-adds) on the same paths: enough
  // multiply-adds for 4 threads, K too short to cut into slabs (tasks) or
  // long enough for several (slabs), rows and columns not whole panels, the
  // same 400 columns (more than one column block, N2, in a task on one
  // thread, the last block short), and K not a multiple of the slabs it is
  // cut into (5 of 2622, 9 of 5000).
  constexpr Shape tasks = fg_test::kSanitizerBuild ? Shape{84, 400, 125, "tasks over several threads"}
                                                   : Shape{300, 400, 100, "tasks over several threads"};
  constexpr Shape slabs = fg_test::kSanitizerBuild
                              ? Shape{32, 25, 2622, "K cut into slabs over several threads"}
                              : Shape{32, 25, 5000, "K cut into slabs over several threads"};
  constexpr int64_t four_threads = 4 * tuning::kMacsPerThread;
  static_assert(int64_t(tasks.M) * tasks.N * tasks.K >= four_threads &&
                tasks.K < 2 * tuning::kSplitKMinDepth && tasks.N > tuning::Blocks<float>::N2 &&
                tasks.N % tuning::Blocks<float>::N2 != 0);
  static_assert(int64_t(slabs.M) * slabs.N * slabs.K >= four_threads &&
                slabs.K >= 2 * tuning::kSplitKMinDepth);
  const Shape shapes[] = {
      {3, 5, 7, "tiny: plain loops"},
      {37, 29, 70, "one thread, one block of K, edge tiles"},
      {20, 30, 900, "one thread, K in several blocks"},
      tasks,
      slabs,
      {130, 2, 70, "C computed transposed"},
  };
  for (const Shape& s : shapes)
    for (int threads : {1, 4})
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        INFO(s.path << ": M=" << s.M << " N=" << s.N << " K=" << s.K << " ta=" << ta << " tb=" << tb
                    << " threads=" << threads);
        CHECK(worst_error<T>(Entry::gemm, ta, tb, s.M, s.N, s.K, -0.75, threads) <= tolerance<T>());
        CHECK(worst_error<T>(Entry::packed_a, ta, tb, s.M, s.N, s.K, 2.5, threads) <=
              tolerance<T>());
        if (!tb) {
          CHECK(worst_error<T>(Entry::packed_ab, ta, false, s.M, s.N, s.K, -0.75, threads) <=
                tolerance<T>());
          CHECK(worst_error<T>(Entry::packed_b, ta, false, s.M, s.N, s.K, 2.5, threads) <=
                tolerance<T>());
        }
      }
  // The naive twin: the reference of every other gemm test.
  CHECK(worst_error<T>(Entry::naive, false, true, 7, 9, 11, -0.75, 1) <= tolerance<T>());
}

TEMPLATE_TEST_CASE("gemm: alpha = 0 reads neither A nor B", "[gemm]", float, double) {
  using T = TestType;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (int n : {2, 40}) {  // a tiny product and one past the plain loops
    INFO("n=" << n);
    const std::vector<T> A(size_t(n) * n, nan), B(size_t(n) * n, T(1));
    std::vector<T> C(size_t(n) * n, T(4));
    gemm<T>(false, false, n, n, n, T(0), A.data(), n, B.data(), n, T(0.5), C.data(), n);
    for (T c : C) CHECK(c == T(2));
    gemm_packed_a<T>(GemmPackedA<T>(false, n, n, A.data(), n), false, n, T(0), B.data(), n, T(0),
                     C.data(), n);
    for (T c : C) CHECK(c == T(0));
  }
}
