// The GEMM ladder (core/kernels/ladder_gemm.hpp): each step is the one
// before it with one change. Read from the top.
#include "core/kernels/ladder_gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/tuning.hpp"

namespace fg {
namespace ladder {

using std::ptrdiff_t;
using tuning::ceil_div;
using tuning::round_up;

// ---- step 0: the definition -------------------------------------------------
// The naive twin, gemm_naive (core/kernels/gemm_naive.cpp): loops i, j, p,
// C_ij = sum_p A_ip B_pj, one dot product per entry. The inner loop walks B
// down a column, N elements apart: for a large N, every multiply-add waits
// for a new cache line.
template <class T> void gemm_step0_naive(int M, int N, int K, const T* A, const T* B, T* C) {
  gemm_naive<T>(false, false, M, N, K, T(1), A, K, B, N, T(0), C, N);
}

// ---- step 1: loop order -----------------------------------------------------
// The same sums with the loops i, p, j: row i of C gets A_ip times row p of
// B. The inner loop now walks a row of B and a row of C, both contiguous,
// and the compiler turns it into vector instructions. C is still read and
// written once per multiply-add.
template <class T> void gemm_step1_loop_order(int M, int N, int K, const T* A, const T* B, T* C) {
  for (int i = 0; i < M; ++i) {
    T* c = C + ptrdiff_t(i) * N;
    std::fill(c, c + N, T(0));
    for (int p = 0; p < K; ++p) {
      const T a = A[ptrdiff_t(i) * K + p];
      const T* b = B + ptrdiff_t(p) * N;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

// ---- step 2: a register tile ------------------------------------------------
// A block of 4 rows by L columns of C (L = the lanes of one vector: 16
// floats with AVX-512) is summed in local variables over the whole of K and
// written once. Each A_ip loaded serves L multiply-adds, each row of L
// values of B 4: the loads per multiply-add drop from 2 to (4 + L) / (4 L),
// and C is stored once instead of K times. The c loop has a constant trip
// count of one vector (and `omp simd` asks for it to be vectorised), so the
// compiler keeps each row of the tile in one vector register. Edge blocks (M or N not a multiple of the tile) take the
// same loop with their own bounds.
namespace {
constexpr int kTileRows = 4;
template <class T> constexpr int kTileCols = tuning::Tile<T>::L;

template <class T>
void tile_rows_by_vector(int K, const T* A, int lda, const T* B, int ldb, T* C, int ldc, int mr,
                         int nr) {
  constexpr int MR = kTileRows, NR = kTileCols<T>;
  T acc[MR][NR] = {};
  if (mr == MR && nr == NR) {
    for (int p = 0; p < K; ++p) {
      const T* b = B + ptrdiff_t(p) * ldb;
      for (int r = 0; r < MR; ++r) {
        const T a = A[ptrdiff_t(r) * lda + p];
#pragma omp simd
        for (int c = 0; c < NR; ++c) acc[r][c] += a * b[c];
      }
    }
  } else {
    for (int p = 0; p < K; ++p)
      for (int r = 0; r < mr; ++r)
        for (int c = 0; c < nr; ++c)
          acc[r][c] += A[ptrdiff_t(r) * lda + p] * B[ptrdiff_t(p) * ldb + c];
  }
  for (int r = 0; r < mr; ++r)
    for (int c = 0; c < nr; ++c) C[ptrdiff_t(r) * ldc + c] = acc[r][c];
}
}  // namespace

template <class T>
void gemm_step2_register_tile(int M, int N, int K, const T* A, const T* B, T* C) {
  constexpr int MR = kTileRows, NR = kTileCols<T>;
  for (int i = 0; i < M; i += MR)
    for (int j = 0; j < N; j += NR)
      tile_rows_by_vector(K, A + ptrdiff_t(i) * K, K, B + j, N, C + ptrdiff_t(i) * N + j, N,
                          std::min(MR, M - i), std::min(NR, N - j));
}

// ---- step 3: packing --------------------------------------------------------
// Step 2 reads 4 rows of A, K apart, and an L-wide strip of B, N apart. Here
// A is first copied into panels of MR rows and B into panels of NR columns,
// both k-major (the MR values of A and NR values of B that one step of p
// needs lie side by side), padded with zeros to whole panels. The tile
// reads both panels front to back, and always as a full tile.
namespace {

// n lines of kc values each, value p of line i at src[i * step_line +
// p * step_k], as panels of R lines, k-major: value p of line q R + r at
// out[q R kc + p R + r]; lines past n are zeros.
template <class T>
void pack(const T* src, ptrdiff_t step_line, ptrdiff_t step_k, int n, int kc, int R, T* out) {
  for (int q = 0; q * R < n; ++q)
    for (int p = 0; p < kc; ++p)
      for (int r = 0; r < R; ++r) {
        const int i = q * R + r;
        *out++ = i < n ? src[i * step_line + p * step_k] : T(0);
      }
}

// Rows [i0, i0 + mc) and depths [p0, p0 + kc) of A (row stride lda) as
// panels of MR rows: a line is a row of A.
template <class T>
void pack_a(const T* A, int lda, int i0, int mc, int p0, int kc, int MR, T* out) {
  pack(A + ptrdiff_t(i0) * lda + p0, lda, 1, mc, kc, MR, out);
}

// Columns [j0, j0 + nc) and depths [p0, p0 + kc) of B (row stride ldb) as
// panels of NR columns: a line is a column of B.
template <class T>
void pack_b(const T* B, int ldb, int j0, int nc, int p0, int kc, int NR, T* out) {
  pack(B + ptrdiff_t(p0) * ldb + j0, 1, ldb, nc, kc, NR, out);
}

// Step 2's tile on packed panels: out (MR x NR, row-major) = a b over kc.
template <class T> struct ScalarTile {
  static constexpr int MR = kTileRows, NR = kTileCols<T>;
  static void run(int kc, const T* a, const T* b, T* out) {
    T acc[MR][NR] = {};
    for (int p = 0; p < kc; ++p)
      for (int r = 0; r < MR; ++r) {
        const T ar = a[p * MR + r];
#pragma omp simd
        for (int c = 0; c < NR; ++c) acc[r][c] += ar * b[p * NR + c];
      }
    std::memcpy(out, acc, sizeof acc);
  }
};

// The valid mr x nr part of a tile into C: written (first block of K) or added.
template <class T>
void store(const T* tile, int NR, int mr, int nr, bool first, T* C, int ldc) {
  for (int r = 0; r < mr; ++r)
    for (int c = 0; c < nr; ++c) {
      T& dst = C[ptrdiff_t(r) * ldc + c];
      dst = first ? tile[r * NR + c] : dst + tile[r * NR + c];
    }
}

}  // namespace

template <class T> void gemm_step3_packing(int M, int N, int K, const T* A, const T* B, T* C) {
  using Tile = ScalarTile<T>;
  constexpr int MR = Tile::MR, NR = Tile::NR;
  std::vector<T> ap(size_t(round_up(M, MR)) * K), bp(size_t(round_up(N, NR)) * K);
  pack_a(A, K, 0, M, 0, K, MR, ap.data());
  pack_b(B, N, 0, N, 0, K, NR, bp.data());
  T tile[MR * NR];
  for (int i = 0; i < M; i += MR)
    for (int j = 0; j < N; j += NR) {
      Tile::run(K, ap.data() + ptrdiff_t(i) * K, bp.data() + ptrdiff_t(j) * K, tile);
      store(tile, NR, std::min(MR, M - i), std::min(NR, N - j), true, C + ptrdiff_t(i) * N + j, N);
    }
}

// ---- step 4: cache blocks ---------------------------------------------------
// Step 3 packs all of B, K x N, and streams it through the caches once for
// every 4 rows of A. Here K is cut into blocks of KC and N into blocks of
// NC, so a packed B block (KC x NC) stays in L2 while every row panel of A
// passes over it, and A into blocks of MC rows (MC x KC, in L3). C gets
// one partial sum per block of K. The block sizes are gemm()'s own
// (core/kernels/tuning.hpp).
namespace {

// C (rows [i0, i0 + mh), columns [j0, j0 + nw), row stride N) = A B over
// all of K, block by block, with the micro-kernel Tile. abuf holds MC x KC,
// bbuf KC x (nw rounded up to NR).
template <class T, class Tile>
void blocked(const T* A, const T* B, T* C, int N, int K, int i0, int mh, int j0, int nw, T* abuf,
             T* bbuf) {
  constexpr int MR = Tile::MR, NR = Tile::NR;
  constexpr int KC = tuning::Blocks<T>::KC, MC = tuning::Blocks<T>::M2;
  alignas(64) T tile[MR * NR];
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = std::min(KC, K - pc);
    pack_b(B, N, j0, nw, pc, kc, NR, bbuf);
    for (int ic = i0; ic < i0 + mh; ic += MC) {
      const int mc = std::min(MC, i0 + mh - ic);
      pack_a(A, K, ic, mc, pc, kc, MR, abuf);
      for (int jr = 0; jr < nw; jr += NR)
        for (int ir = 0; ir < mc; ir += MR) {
          Tile::run(kc, abuf + ptrdiff_t(ir) * kc, bbuf + ptrdiff_t(jr) * kc, tile);
          store(tile, NR, std::min(MR, mc - ir), std::min(NR, nw - jr), pc == 0,
                C + ptrdiff_t(ic + ir) * N + j0 + jr, N);
        }
    }
  }
  if (K == 0)
    for (int i = i0; i < i0 + mh; ++i)
      std::fill(C + ptrdiff_t(i) * N + j0, C + ptrdiff_t(i) * N + j0 + nw, T(0));
}

template <class T, class Tile> void blocked_all(int M, int N, int K, const T* A, const T* B, T* C) {
  constexpr int KC = tuning::Blocks<T>::KC, MC = tuning::Blocks<T>::M2, NC = tuning::Blocks<T>::N2;
  const int kc = std::max(1, std::min(KC, K));
  std::vector<T> abuf(size_t(round_up(std::min(MC, M), Tile::MR)) * kc);
  std::vector<T> bbuf(size_t(round_up(std::min(NC, N), Tile::NR)) * kc);
  for (int jc = 0; jc < N; jc += NC)
    blocked<T, Tile>(A, B, C, N, K, 0, M, jc, std::min(NC, N - jc), abuf.data(), bbuf.data());
}

}  // namespace

template <class T>
void gemm_step4_cache_blocks(int M, int N, int K, const T* A, const T* B, T* C) {
  blocked_all<T, ScalarTile<T>>(M, N, K, A, B, C);
}

// ---- step 5: a vector tile --------------------------------------------------
// The 4 x L tile, left to the compiler, becomes MR rows of NV vectors of L
// lanes written as vectors (8 x 3
// vectors of 16 floats with AVX-512: an 8 x 48 tile), the shape of gemm()'s
// micro-kernel (core/kernels/gemm_kernel.hpp). Each step of p loads NV
// vectors of B, broadcasts MR values of A and does MR x NV fused
// multiply-adds of L lanes each, all accumulators in registers.
namespace {
template <class T> struct VectorTile {
  static constexpr int L = tuning::Tile<T>::L, MR = tuning::Tile<T>::MR, NV = tuning::Tile<T>::NV;
  static constexpr int NR = NV * L;
  typedef T V __attribute__((vector_size(tuning::kVecBytes)));
  static void run(int kc, const T* a, const T* b, T* out) {
    V acc[MR][NV] = {};
    for (int p = 0; p < kc; ++p) {
      V bv[NV];
      for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + p * NR + v * L, sizeof(V));
      for (int r = 0; r < MR; ++r) {
        const V ar = a[p * MR + r] - V{};  // a[p MR + r] in every lane
        for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
      }
    }
    std::memcpy(out, acc, sizeof acc);
  }
};
}  // namespace

template <class T>
void gemm_step5_vector_tile(int M, int N, int K, const T* A, const T* B, T* C) {
  blocked_all<T, VectorTile<T>>(M, N, K, A, B, C);
}

// ---- step 6: threads over both dimensions -----------------------------------
// C is cut into a grid of blocks, rows and columns both, until there are
// kTasksPerThread blocks per thread (the larger side cut first, never below
// one tile), and the threads take blocks as they finish the last one. A
// block packs its own parts of A and B, so blocks share nothing. Cutting
// only the rows would leave a thread idle on the convolutions' products of
// 32 rows; cutting only the columns, on their weight gradients.
template <class T> void gemm_step6_threads(int M, int N, int K, const T* A, const T* B, T* C) {
  using Tile = VectorTile<T>;
  constexpr int MR = Tile::MR, NR = Tile::NR;
  constexpr int KC = tuning::Blocks<T>::KC, MC = tuning::Blocks<T>::M2, NC = tuning::Blocks<T>::N2;
  const int threads = omp_get_max_threads();
  int cm = ceil_div(M, MC), cn = ceil_div(N, NC);
  auto rows = [&] { return round_up(ceil_div(M, cm), MR); };
  auto cols = [&] { return round_up(ceil_div(N, cn), NR); };
  while (cm * cn < tuning::kTasksPerThread * threads) {
    if (rows() > MR && (rows() >= cols() || cols() <= NR))
      ++cm;
    else if (cols() > NR)
      ++cn;
    else
      break;
  }
  const int mt = rows(), nt = cols(), kc = std::max(1, std::min(KC, K));
  const int bm = ceil_div(M, mt), bn = ceil_div(N, nt);
#pragma omp parallel
  {
    std::vector<T> abuf(size_t(mt) * kc), bbuf(size_t(nt) * kc);
#pragma omp for collapse(2) schedule(dynamic, 1)
    for (int bi = 0; bi < bm; ++bi)
      for (int bj = 0; bj < bn; ++bj)
        blocked<T, Tile>(A, B, C, N, K, bi * mt, std::min(mt, M - bi * mt), bj * nt,
                         std::min(nt, N - bj * nt), abuf.data(), bbuf.data());
  }
}

template <class T> const GemmStep<T>* gemm_steps(int* count) {
  static const GemmStep<T> steps[] = {
      {"0 naive (i, j, p)", gemm_step0_naive<T>},
      {"1 loop order (i, p, j)", gemm_step1_loop_order<T>},
      {"2 register tile 4 x L", gemm_step2_register_tile<T>},
      {"3 packing", gemm_step3_packing<T>},
      {"4 cache blocks", gemm_step4_cache_blocks<T>},
      {"5 vector tile", gemm_step5_vector_tile<T>},
      {"6 threads, both dims", gemm_step6_threads<T>},
  };
  *count = int(sizeof steps / sizeof steps[0]);
  return steps;
}

template const GemmStep<float>* gemm_steps<float>(int*);
template const GemmStep<double>* gemm_steps<double>(int*);

}  // namespace ladder
}  // namespace fg
