// The GEMM ladder: from the naive triple loop to the fast path, one change
// per step, each step a function you can run (build/bench/ladder measures
// them, tests/test_ladder.cpp checks them against gemm_naive). None of these
// is on the production path: gemm() (core/kernels/gemm.cpp) is the last rung
// with the edges filled in (transposes, alpha and beta, packed operands,
// split K, tiny products). notes/06-kernels.md walks through the steps with
// their measured GFLOP/s.
//
// Every step computes C = A B for row-major, contiguous A (M x K), B (K x N)
// and C (M x N), overwriting C.
//
//   step 0  naive         i, j, p: a dot product per entry; B read down a column
//   step 1  loop order    i, p, j: rows of B and C stream; the j loop vectorises
//   step 2  register tile a 4 x L block of C in registers (L lanes of a vector)
//   step 3  packing       A and B copied into panels the tile reads contiguously
//   step 4  cache blocks  panels of KC x NC (B, in L2) and MC x KC (A, in L3)
//   step 5  vector tile   the register tile as MR x NV SIMD vectors (the fast tile)
//   step 6  threads       blocks of C over both dimensions shared by the threads
#pragma once

namespace fg {
namespace ladder {

template <class T> void gemm_step0_naive(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step1_loop_order(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step2_register_tile(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step3_packing(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step4_cache_blocks(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step5_vector_tile(int M, int N, int K, const T* A, const T* B, T* C);
template <class T> void gemm_step6_threads(int M, int N, int K, const T* A, const T* B, T* C);

// The steps in order, for the benchmark and the tests.
template <class T> struct GemmStep {
  const char* name;
  void (*run)(int M, int N, int K, const T* A, const T* B, T* C);
};
template <class T> const GemmStep<T>* gemm_steps(int* count);

}  // namespace ladder
}  // namespace fg
