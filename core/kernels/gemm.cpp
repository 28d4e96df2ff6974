// The public entry points of the fast GEMM (core/kernels/gemm.hpp) on top of its
// blocked, threaded driver (core/kernels/gemm_driver.hpp).
#include "core/kernels/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "core/kernels/gemm_driver.hpp"
#include "core/error.hpp"

namespace fg {

namespace {

thread_local bool fixed_order = false;  // set_fixed_order_sums(), per thread

// Threads for a product of `macs` multiply-adds: one per
// tuning::kMacsPerThread, at least 1, at most omp_get_max_threads(), and 1
// inside a parallel region (the caller's threads are busy already).
int gemm_threads(int64_t macs) {
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  return int(std::max<int64_t>(1, std::min<int64_t>(nt, macs / tuning::kMacsPerThread)));
}

// The products with a caller-packed side: no C^T and no cut of K, since
// both would need the packed side laid out another way.
template <class T>
void run_packed(gemm_detail::Prob<T>& P) {
  if (P.K == 0 || P.alpha == T(0)) {
    gemm_detail::scale_c(P);
    return;
  }
  gemm_detail::run_blocked(P, gemm_threads(int64_t(P.M) * P.N * P.K));
}

template <class T>
void check_packed_b(const T* packed_b) {
  if (reinterpret_cast<std::uintptr_t>(packed_b) % 64 != 0)
    throw Error("gemm: a packed right-hand side must be aligned to 64 bytes");
}

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc) {
  using namespace gemm_detail;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  Prob<T> P{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, 1};
  if (K == 0 || alpha == T(0)) {
    scale_c(P);
    return;
  }
  if (int64_t(M) * N * K <= tuning::kSmallGemmMacs) {
    small_gemm(P);
    return;
  }
  // Vectors run along N. When N would fill vectors poorly and M would fill
  // them better, compute C^T = op(B)^T op(A)^T instead (C written with strides).
  constexpr int L = Tile<T>::L;
  const double fill_n = double(N) / round_up(N, L), fill_m = double(M) / round_up(M, L);
  if (fill_m > fill_n + tuning::kTransposeFillGain) {
    P = Prob<T>{!trans_b, !trans_a, N, M, K, alpha, beta, B, ldb, A, lda, C, 1, ldc};
  }
  const int nt = gemm_threads(int64_t(M) * N * K);
  if (const int slabs = fixed_order ? 0 : split_k_slabs(P, nt))
    run_split_k(P, nt, slabs);
  else
    run_blocked(P, nt);
}

void set_fixed_order_sums(bool on) { fixed_order = on; }
bool fixed_order_sums() { return fixed_order; }

template <class T>
GemmPackedA<T>::GemmPackedA(bool trans_a, int M, int K, const T* A, int lda) : M_(M), K_(K) {
  using namespace gemm_detail;
  constexpr int MR = Tile<T>::MR;
  check_args(trans_a, false, M, 1, K, lda, 1, 1);
  const int Mp = round_up(M, MR), KC = K > 0 ? k_block<T>(K) : 1;
  panels_.resize(std::size_t(Mp) * K);
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = std::min(KC, K - pc);
    for (int r = 0; r * MR < M; ++r)
      pack_a_panel(trans_a, A, lda, r * MR, std::min(MR, M - r * MR), pc, kc,
                   panels_.data() + std::ptrdiff_t(pc) * Mp + std::ptrdiff_t(r) * MR * kc);
  }
}

template <class T>
void gemm_packed_a(const GemmPackedA<T>& A, bool trans_b, int N, T alpha, const T* B, int ldb,
                   T beta, T* C, int ldc) {
  using namespace gemm_detail;
  const int M = A.rows(), K = A.depth();
  check_args(false, trans_b, M, N, K, std::max(1, K), ldb, ldc);
  if (M == 0 || N == 0) return;
  Prob<T> P{false, trans_b, M, N, K, alpha, beta, nullptr, 0, B, ldb, C, ldc, 1, A.data()};
  run_packed(P);
}

template <class T> int gemm_panel_width() { return gemm_detail::Tile<T>::NR; }

template <class T>
void gemm_packed_ab(const GemmPackedA<T>& A, const T* packed_b, int N, T alpha, T beta, T* C,
                    int ldc) {
  using namespace gemm_detail;
  const int M = A.rows(), K = A.depth();
  check_args(false, false, M, N, K, std::max(1, K), std::max(1, N), ldc);
  check_packed_b(packed_b);
  if (M == 0 || N == 0) return;
  Prob<T> P{false, false, M, N, K, alpha, beta, nullptr, 0, nullptr, 0, C, ldc, 1, A.data(),
            packed_b};
  run_packed(P);
}

template <class T>
void gemm_packed_b(bool trans_a, int M, int N, int K, T alpha, const T* A, int lda,
                   const T* packed_b, T beta, T* C, int ldc) {
  using namespace gemm_detail;
  check_args(trans_a, false, M, N, K, lda, std::max(1, N), ldc);
  check_packed_b(packed_b);
  if (M == 0 || N == 0) return;
  Prob<T> P{trans_a, false, M, N, K, alpha, beta, A, lda, nullptr, 0, C, ldc, 1, nullptr,
            packed_b};
  run_packed(P);
}

template void gemm<float>(bool, bool, int, int, int, float, const float*, int, const float*, int,
                          float, float*, int);
template void gemm<double>(bool, bool, int, int, int, double, const double*, int, const double*,
                           int, double, double*, int);
template class GemmPackedA<float>;
template class GemmPackedA<double>;
template void gemm_packed_a<float>(const GemmPackedA<float>&, bool, int, float, const float*, int,
                                   float, float*, int);
template void gemm_packed_a<double>(const GemmPackedA<double>&, bool, int, double, const double*,
                                    int, double, double*, int);
template void gemm_packed_ab<float>(const GemmPackedA<float>&, const float*, int, float, float,
                                    float*, int);
template void gemm_packed_ab<double>(const GemmPackedA<double>&, const double*, int, double,
                                     double, double*, int);
template void gemm_packed_b<float>(bool, int, int, int, float, const float*, int, const float*,
                                   float, float*, int);
template void gemm_packed_b<double>(bool, int, int, int, double, const double*, int,
                                    const double*, double, double*, int);
template int gemm_panel_width<float>();
template int gemm_panel_width<double>();

}  // namespace fg
