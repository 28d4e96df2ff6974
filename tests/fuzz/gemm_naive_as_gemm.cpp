// The fuzz build's gemm(): the naive twin under the fast kernel's name.
//
// core/kernels/gemm.cpp is written for g++ (its register shuffles use GCC's
// __builtin_shuffle, which clang does not have), and the fuzz targets aim at
// the readers and parsers, not at the kernel, which the test suites already
// compare against this same twin. scripts/fuzz.sh links this file instead of
// core/kernels/gemm.cpp. The argument checks of the fast gemm() are kept, so a caller
// that passes bad sizes still fails the same way.
#include <algorithm>
#include <string>

#include "core/kernels/gemm.hpp"
#include "core/tensor.hpp"

namespace fg {

namespace {

void check_args(bool ta, bool tb, int M, int N, int K, int lda, int ldb, int ldc) {
  const bool ok = M >= 0 && N >= 0 && K >= 0 && lda >= std::max(1, ta ? M : K) &&
                  ldb >= std::max(1, tb ? K : N) && ldc >= std::max(1, N);
  if (!ok)
    throw Error("gemm: bad sizes or leading dimensions (M=" + std::to_string(M) +
                " N=" + std::to_string(N) + " K=" + std::to_string(K) + " lda=" +
                std::to_string(lda) + " ldb=" + std::to_string(ldb) + " ldc=" + std::to_string(ldc) +
                ")");
}

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc) {
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  gemm_naive(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template void gemm<float>(bool, bool, int, int, int, float, const float*, int, const float*, int,
                          float, float*, int);
template void gemm<double>(bool, bool, int, int, int, double, const double*, int, const double*,
                           int, double, double*, int);

}  // namespace fg
