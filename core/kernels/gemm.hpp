// GEMM: C = alpha * op(A) * op(B) + beta * C, row-major with leading dimensions.
//
// op(A) is M x K (A is M x K, or K x M when trans_a), op(B) is K x N
// (B is K x N, or N x K when trans_b), C is M x N. lda, ldb, ldc are the row
// strides of A, B and C as stored. With beta == 0, C is not read (NaNs in C
// do not leak through).
//
// gemm() is the fast kernel (packed, blocked, vectorised, OpenMP; see
// core/kernels/gemm.cpp). It uses up to omp_get_max_threads() threads, and one
// thread when called from inside a parallel region, so callers may run
// several products side by side in their own `omp parallel`. For a given
// thread count the result is the same from run to run. Negative sizes or a
// leading dimension shorter than its row throw fg::Error.
// gemm_naive() is its twin with the same signature: three plain loops,
// the reference the tests compare against.
#pragma once

#include <vector>

namespace fg {

template <class T>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc);

// Sums in one thread's order, on any number of threads. Where the thread
// count enters the arithmetic: gemm() may cut K into slabs summed apart
// (split_k_slabs, only with 2 or more threads) and the convolution's weight
// gradient sums its image chunks in more than one slab when the threads
// share out the chunks. While set on the calling thread, neither happens, so
// products and trainings give the bits of a single thread however many they
// get (the other parallel loops give each output to one thread in a fixed
// order). The cost: a deep, narrow product runs on fewer threads. Off by
// default; the gallery sets it on a training that gains threads mid-run.
void set_fixed_order_sums(bool on);
bool fixed_order_sums();

// op(A) packed once into the panels gemm() reads, for several products with
// the same left-hand side (the filters of a convolution, multiplied with
// every chunk of images): gemm_packed_a() then skips packing A, which for
// a wide A and a narrow B costs as much as a good part of the product.
// Deterministic like gemm(). Holds a copy: A may change afterwards.
template <class T>
class GemmPackedA {
 public:
  GemmPackedA(bool trans_a, int M, int K, const T* A, int lda);
  int rows() const { return M_; }
  int depth() const { return K_; }
  const T* data() const { return panels_.data(); }

 private:
  int M_, K_;
  std::vector<T> panels_;
};

// C = alpha * op(A) * op(B) + beta * C with op(A) packed (M x K), op(B)
// K x N as in gemm().
template <class T>
void gemm_packed_a(const GemmPackedA<T>& A, bool trans_b, int N, T alpha, const T* B, int ldb,
                   T beta, T* C, int ldc);

// Columns per panel of a packed right-hand side: tuning::Tile<T>::NR
// (core/kernels/tuning.hpp).
template <class T>
int gemm_panel_width();

// gemm_packed_ab: C = alpha * op(A) * B + beta * C with op(A) packed as
// above and B (K x N) already packed by the caller as ceil(N / NR) panels
// (NR = gemm_panel_width<T>()), panel q holding columns [q NR, q NR + NR)
// k-major: B(k, q NR + j) at
// packed_b[q NR K + k NR + j], packed_b aligned to 64 bytes. Columns past
// N in the last panel are read but do not reach C. For callers that can
// write B in this layout in the first place (the unfolded images of a
// convolution) and so spare a copy.
template <class T>
void gemm_packed_ab(const GemmPackedA<T>& A, const T* packed_b, int N, T alpha, T beta, T* C,
                    int ldc);

// gemm_packed_b: the same with a left-hand side as in gemm() (op(A) M x K,
// A packed by the product itself) and B (K x N) in the caller's panels as
// above. For
// the weight gradient of a convolution, whose A (the output gradient)
// changes with every chunk of images.
template <class T>
void gemm_packed_b(bool trans_a, int M, int N, int K, T alpha, const T* A, int lda,
                   const T* packed_b, T beta, T* C, int ldc);

template <class T>
void gemm_naive(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
                const T* B, int ldb, T beta, T* C, int ldc);

}  // namespace fg
