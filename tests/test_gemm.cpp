// gemm() against its naive twin gemm_naive(), in float and in double, on odd
// sizes, every transpose pair, alpha and beta, padded leading dimensions,
// and the blocking / threading paths the fast kernel takes.
#include <omp.h>

#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/tuning.hpp"
#include "tests/gemm_test_util.hpp"
#include "tests/sanitizer_build.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

using namespace fg;
using fg_test::pack_panels_by_hand;

namespace {

template <class T> double tolerance() { return sizeof(T) == 4 ? 1e-5 : 1e-12; }

struct Case {
  bool ta, tb;
  int M, N, K;
  double alpha, beta;
  int pad;  // extra elements at the end of every row of A, B and C
};

std::string describe(const Case& c) {
  std::ostringstream os;
  os << "ta=" << c.ta << " tb=" << c.tb << " M=" << c.M << " N=" << c.N << " K=" << c.K
     << " alpha=" << c.alpha << " beta=" << c.beta << " pad=" << c.pad;
  return os.str();
}

// Runs gemm and gemm_naive on the same data and returns the largest error of
// an entry divided by its scale |alpha| sum_k |a_ik b_kj| + |beta c_ij|.
// Padding of C must come back untouched; with beta == 0, C starts as NaN.
// packed: op(A) goes through GemmPackedA first.
template <class T> double max_scaled_error(const Case& c, uint64_t seed, bool packed = false) {
  Rng rng(seed);
  const int ar = c.ta ? c.K : c.M, ac = c.ta ? c.M : c.K;
  const int br = c.tb ? c.N : c.K, bc = c.tb ? c.K : c.N;
  const int lda = ac + c.pad, ldb = bc + c.pad, ldc = c.N + c.pad;
  std::vector<T> A(size_t(ar) * lda), B(size_t(br) * ldb);
  for (auto& x : A) x = T(rng.uniform(-1, 1));
  for (auto& x : B) x = T(rng.uniform(-1, 1));
  const T nan = std::numeric_limits<T>::quiet_NaN(), sentinel = T(12345);
  std::vector<T> C0(size_t(c.M) * ldc);
  for (size_t i = 0; i < C0.size(); ++i)
    C0[i] = (int(i % ldc) >= c.N) ? sentinel : c.beta == 0 ? nan : T(rng.uniform(-1, 1));
  std::vector<T> C = C0, R = C0;
  const T alpha = T(c.alpha), beta = T(c.beta);
  if (packed) {
    const GemmPackedA<T> pa(c.ta, c.M, c.K, A.data(), lda);
    gemm_packed_a<T>(pa, c.tb, c.N, alpha, B.data(), ldb, beta, C.data(), ldc);
  } else {
    gemm<T>(c.ta, c.tb, c.M, c.N, c.K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  }
  gemm_naive<T>(c.ta, c.tb, c.M, c.N, c.K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(),
                ldc);
  double worst = 0;
  for (int i = 0; i < c.M; ++i) {
    for (int j = c.N; j < ldc; ++j)
      if (C[size_t(i) * ldc + j] != sentinel) return std::numeric_limits<double>::infinity();
    for (int j = 0; j < c.N; ++j) {
      double scale = 0;
      for (int p = 0; p < c.K; ++p) {
        const double a = c.ta ? A[size_t(p) * lda + i] : A[size_t(i) * lda + p];
        const double b = c.tb ? B[size_t(j) * ldb + p] : B[size_t(p) * ldb + j];
        scale += std::fabs(a * b);
      }
      scale = std::fabs(c.alpha) * scale;
      if (c.beta != 0) scale += std::fabs(c.beta * C0[size_t(i) * ldc + j]);
      const double got = C[size_t(i) * ldc + j], want = R[size_t(i) * ldc + j];
      if (!std::isfinite(got)) return std::numeric_limits<double>::infinity();
      worst = std::max(worst, std::fabs(got - want) / std::max(scale, 1e-30));
    }
  }
  return worst;
}

template <class T> void check(const Case& c, uint64_t seed = 1, bool packed = false) {
  INFO(describe(c) << (sizeof(T) == 4 ? " float" : " double") << (packed ? " packed A" : ""));
  const double err = max_scaled_error<T>(c, seed, packed);
  CHECK(err <= tolerance<T>());
}

template <class T> void check_all_transposes(int M, int N, int K, double alpha, double beta,
                                             int pad) {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) check<T>({bool(ta), bool(tb), M, N, K, alpha, beta, pad});
}

}  // namespace

TEMPLATE_TEST_CASE("gemm: odd sizes, every transpose pair, beta 0 and 1", "[gemm]", float,
                   double) {
  const int sizes[][3] = {{1, 1, 1}, {7, 13, 5}, {129, 65, 257}, {2, 3, 1},
                          {1, 40, 9}, {33, 1, 17}, {17, 49, 31}, {8, 48, 256}};
  for (auto& s : sizes)
    for (double beta : {0.0, 1.0}) check_all_transposes<TestType>(s[0], s[1], s[2], 1.0, beta, 0);
}

TEMPLATE_TEST_CASE("gemm: alpha, general beta and padded leading dimensions", "[gemm]", float,
                   double) {
  check_all_transposes<TestType>(37, 29, 70, -0.75, 0.0, 3);
  check_all_transposes<TestType>(37, 29, 70, 2.5, -1.5, 5);
  check_all_transposes<TestType>(64, 96, 300, 0.5, 1.0, 16);
}

TEMPLATE_TEST_CASE("gemm: skinny shapes of the convolutions and K = 1", "[gemm]", float,
                   double) {
  // Forward, backward to data and backward to weights of a conv layer with
  // a batch-as-columns layout, trimmed: W is 32 x 300, COL is 300 x 1000.
  check<TestType>({false, false, 32, 1000, 300, 1, 0, 0});
  check<TestType>({true, false, 300, 1000, 32, 1, 0, 0});
  check<TestType>({false, true, 32, 300, 1000, 1, 1, 0});
  // Few output entries, long K: the split-K path.
  check<TestType>({false, true, 32, 25, 5000, 1, 1, 0});
  check<TestType>({false, false, 3, 2, 4000, 1, 0, 0});
  // K = 1: outer products; and a thin C computed transposed.
  check_all_transposes<TestType>(45, 70, 1, 1.0, 0.0, 2);
  check_all_transposes<TestType>(130, 2, 70, 1.0, 1.0, 1);
}

TEMPLATE_TEST_CASE("gemm: several row blocks, long K, calls inside a parallel region", "[gemm]",
                   float, double) {
  // More than 1024 rows: C is cut into row blocks as well as column blocks.
  check<TestType>({false, false, 1100, 50, 300, 1, 1, 0});
  check<TestType>({true, true, 1100, 50, 300, 1, 0, 0});
  // Inside a parallel region gemm must not start threads of its own (and
  // must not cut K into slabs); each thread runs its own product here.
  double err[2] = {0, 0};
#pragma omp parallel for num_threads(2)
  for (int t = 0; t < 2; ++t)
    err[t] = max_scaled_error<TestType>({t == 1, t == 0, 4, 20, 9000, 1, 0, 0}, 7 + t);
  CHECK(err[0] <= tolerance<TestType>());
  CHECK(err[1] <= tolerance<TestType>());
}

TEMPLATE_TEST_CASE("gemm: a left-hand side packed once", "[gemm]", float, double) {
  // Odd sizes, both layouts of A and B, K cut into several blocks (K > 384),
  // rows not a multiple of a panel, more than 1024 rows (row blocks), beta
  // and padding; then products inside a parallel region, one per thread.
  std::vector<std::array<int, 3>> sizes = {{1, 1, 1},      {7, 13, 5},      {33, 49, 800},
                                           {129, 65, 1000}, {1100, 50, 300}, {2, 3, 1}};
  // In the sanitizer build 1088 x 49 x 40 stands in for 3200 x 147 x 128
  // (most of this test's multiply-adds) on the same path: more rows than a
  // row block (M2), enough multiply-adds for 2 threads, each of their 8 row
  // tasks a whole number of panels, one block of K, a last panel of columns
  // partly filled.
  const std::array<int, 3> big = fg_test::kSanitizerBuild ? std::array<int, 3>{1088, 49, 40}
                                                          : std::array<int, 3>{3200, 147, 128};
  static_assert(1088 > tuning::Blocks<TestType>::M2 && 40 <= tuning::Blocks<TestType>::KC &&
                int64_t(1088) * 49 * 40 >= 2 * tuning::kMacsPerThread &&
                1088 % (2 * tuning::kTasksPerThread * tuning::Tile<TestType>::MR) == 0);
  sizes.push_back(big);
  for (auto& s : sizes)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        check<TestType>({bool(ta), bool(tb), s[0], s[1], s[2], 1, 0, 0}, 5, true);
        check<TestType>({bool(ta), bool(tb), s[0], s[1], s[2], -0.5, 1.5, 3}, 6, true);
      }
  double err[2] = {0, 0};
#pragma omp parallel for num_threads(2)
  for (int t = 0; t < 2; ++t)
    err[t] = max_scaled_error<TestType>({t == 1, t == 0, 40, 200, 900, 1, 1, 1}, 9 + t, true);
  CHECK(err[0] <= tolerance<TestType>());
  CHECK(err[1] <= tolerance<TestType>());
  std::vector<TestType> A(12, TestType(1));
  REQUIRE_THROWS_WITH(GemmPackedA<TestType>(false, 3, 4, A.data(), 2), Catch::Contains("lda"));
}

TEMPLATE_TEST_CASE("gemm: a right-hand side the caller packed", "[gemm]", float, double) {
  using T = TestType;
  Rng rng(21);
  // Partial last panel, K cut into blocks (K > 384), row blocks (M > 1024),
  // one column, beta 0 (C starts as NaN) and beta 1.5 with alpha -0.5.
  const int sizes[][3] = {{7, 13, 5}, {33, 49, 800}, {1100, 50, 300}, {8, 1, 17}, {32, 784, 800}};
  for (auto& s : sizes) {
    const int M = s[0], N = s[1], K = s[2];
    INFO("M=" << M << " N=" << N << " K=" << K);
    std::vector<T> A(size_t(M) * K), B(size_t(K) * N), store;
    for (auto& x : A) x = T(rng.uniform(-1, 1));
    for (auto& x : B) x = T(rng.uniform(-1, 1));
    const T* pb = pack_panels_by_hand(B, K, N, store);
    const GemmPackedA<T> pa(false, M, K, A.data(), K);
    for (double beta : {0.0, 1.5}) {
      std::vector<T> C(size_t(M) * N), R(size_t(M) * N);
      for (size_t i = 0; i < C.size(); ++i)
        C[i] = R[i] = beta == 0 ? std::numeric_limits<T>::quiet_NaN() : T(rng.uniform(-1, 1));
      const T alpha = T(beta == 0 ? 1 : -0.5);
      gemm_packed_ab<T>(pa, pb, N, alpha, T(beta), C.data(), N);
      gemm_naive<T>(false, false, M, N, K, alpha, A.data(), K, B.data(), N, T(beta), R.data(), N);
      double worst = 0;  // NaN (a padded column or an unwritten C) makes it infinite
      for (size_t i = 0; i < C.size(); ++i) {
        const double d = std::fabs(double(C[i]) - double(R[i])) / (1 + std::fabs(double(R[i])));
        worst = std::isfinite(d) ? std::max(worst, d) : std::numeric_limits<double>::infinity();
      }
      CHECK(worst <= 10 * tolerance<T>());
    }
  }
  std::vector<T> A(4, T(1)), store(64, T(1)), C(4);
  const GemmPackedA<T> pa(false, 2, 2, A.data(), 2);
  T* p = store.data();
  while (reinterpret_cast<std::uintptr_t>(p) % 64 == 0) ++p;
  REQUIRE_THROWS_WITH(gemm_packed_ab<T>(pa, p, 2, T(1), T(0), C.data(), 2),
                      Catch::Contains("aligned"));
}

TEMPLATE_TEST_CASE("gemm: a packed right-hand side with a plain left-hand side", "[gemm]",
                   float, double) {
  using T = TestType;
  Rng rng(27);
  // As above, A read as stored or transposed, with a row stride past its
  // row; 1 to 3 threads (the tasks then cut M and N).
  const int sizes[][3] = {{7, 13, 5}, {32, 800, 784}, {64, 50, 1000}, {1, 1, 3}, {130, 97, 20}};
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 3})
    for (auto& s : sizes)
      for (bool ta : {false, true}) {
        omp_set_num_threads(threads);
        const int M = s[0], N = s[1], K = s[2], lda = (ta ? M : K) + 3;
        INFO("M=" << M << " N=" << N << " K=" << K << " trans_a=" << ta << " threads=" << threads);
        std::vector<T> A(size_t(ta ? K : M) * lda), B(size_t(K) * N), store;
        for (auto& x : A) x = T(rng.uniform(-1, 1));
        for (auto& x : B) x = T(rng.uniform(-1, 1));
        const T* pb = pack_panels_by_hand(B, K, N, store);
        for (double beta : {0.0, 1.5}) {
          std::vector<T> C(size_t(M) * N), R(size_t(M) * N);
          for (size_t i = 0; i < C.size(); ++i)
            C[i] = R[i] = beta == 0 ? std::numeric_limits<T>::quiet_NaN() : T(rng.uniform(-1, 1));
          const T alpha = T(beta == 0 ? 1 : -0.5);
          gemm_packed_b<T>(ta, M, N, K, alpha, A.data(), lda, pb, T(beta), C.data(), N);
          gemm_naive<T>(ta, false, M, N, K, alpha, A.data(), lda, B.data(), N, T(beta), R.data(),
                        N);
          double worst = 0;
          for (size_t i = 0; i < C.size(); ++i) {
            const double d = std::fabs(double(C[i]) - double(R[i])) / (1 + std::fabs(double(R[i])));
            worst = std::isfinite(d) ? std::max(worst, d) : std::numeric_limits<double>::infinity();
          }
          CHECK(worst <= 10 * tolerance<T>());
        }
      }
  omp_set_num_threads(saved);
  std::vector<T> A(4, T(1)), store(64, T(1)), C(4);
  T* p = store.data();
  while (reinterpret_cast<std::uintptr_t>(p) % 64 == 0) ++p;
  REQUIRE_THROWS_WITH(gemm_packed_b<T>(false, 2, 2, 2, T(1), A.data(), 2, p, T(0), C.data(), 2),
                      Catch::Contains("aligned"));
  REQUIRE_THROWS_WITH(
      gemm_packed_b<T>(false, 2, 2, 2, T(1), A.data(), 1, store.data(), T(0), C.data(), 2),
      Catch::Contains("lda"));
}

TEMPLATE_TEST_CASE("gemm: the same product twice gives the same bits", "[gemm]", float, double) {
  // Threads take the tasks in any order; every entry must still be summed
  // the same way, with nothing left to chance.
  using T = TestType;
  Rng rng(3);
  const int M = 150, N = 170, K = 600;
  std::vector<T> A(size_t(M) * K), B(size_t(K) * N), C1(size_t(M) * N), C2(size_t(M) * N);
  for (auto& x : A) x = T(rng.uniform(-1, 1));
  for (auto& x : B) x = T(rng.uniform(-1, 1));
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<T>& C = rep == 0 ? C1 : C2;
    std::fill(C.begin(), C.end(), T(0.5));
    gemm<T>(false, false, M, N, K, T(0.7), A.data(), K, B.data(), N, T(0.3), C.data(), N);
    if (rep > 0) CHECK(std::memcmp(C1.data(), C2.data(), sizeof(T) * C1.size()) == 0);
  }
}

TEMPLATE_TEST_CASE("gemm: empty sizes, alpha = 0 and bad arguments", "[gemm]", float, double) {
  using T = TestType;
  std::vector<T> A(12, T(1)), B(12, T(2)), C(12, T(3));
  gemm<T>(false, false, 0, 3, 4, 1, A.data(), 4, B.data(), 3, 0, C.data(), 3);  // M = 0
  gemm<T>(false, false, 3, 0, 4, 1, A.data(), 4, B.data(), 1, 0, C.data(), 1);  // N = 0
  for (T c : C) CHECK(c == T(3));
  gemm<T>(false, false, 3, 3, 0, 1, A.data(), 1, B.data(), 3, T(0.5), C.data(), 3);  // K = 0
  for (int i = 0; i < 9; ++i) CHECK(C[i] == T(1.5));
  std::fill(C.begin(), C.end(), std::numeric_limits<T>::quiet_NaN());
  gemm<T>(false, false, 3, 3, 4, 0, A.data(), 4, B.data(), 3, 0, C.data(), 3);  // alpha = 0
  for (int i = 0; i < 9; ++i) CHECK(C[i] == T(0));
  REQUIRE_THROWS_AS(gemm<T>(false, false, -1, 3, 4, 1, A.data(), 4, B.data(), 3, 0, C.data(), 3),
                    Error);
  REQUIRE_THROWS_WITH(gemm<T>(false, false, 3, 3, 4, 1, A.data(), 2, B.data(), 3, 0, C.data(), 3),
                      Catch::Contains("lda"));
  REQUIRE_THROWS_WITH(gemm<T>(false, true, 3, 3, 4, 1, A.data(), 4, B.data(), 3, 0, C.data(), 3),
                      Catch::Contains("ldb"));
}
