// The naive twin of gemm(): the definition of the product, nothing more.
#include "core/kernels/gemm.hpp"

namespace fg {

template <class T>
void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
                const T* B, int ldb, T beta, T* C, int ldc) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      T acc = 0;
      for (int p = 0; p < K; ++p) {
        const T a = trans_a ? A[p * lda + i] : A[i * lda + p];
        const T b = trans_b ? B[j * ldb + p] : B[p * ldb + j];
        acc += a * b;
      }
      T& c = C[i * ldc + j];
      c = beta == T(0) ? alpha * acc : alpha * acc + beta * c;
    }
}

template void gemm_naive<float>(bool, bool, int, int, int, float, const float*, int, const float*,
                                int, float, float*, int);
template void gemm_naive<double>(bool, bool, int, int, int, double, const double*, int,
                                 const double*, int, double, double*, int);

}  // namespace fg
