// Packing for gemm(): copies blocks of op(A) and op(B) into the panel layout
// the micro-kernel (core/kernels/gemm_kernel.hpp) reads, both k-major:
//   A panel: MR rows of op(A), a[k * MR + i]
//   B panel: NR columns of op(B), b[k * NR + j]
// Short panels are padded with zeros. Two of the four cases are plain
// copies (op(A) = A^T, op(B) = B); the other two read rows along k and
// write them across, a transpose, done L x L lanes at a time in registers.
// Internal to core/kernels/gemm.cpp.
#pragma once

#include <cstddef>
#include <cstring>
#include <utility>

#include "core/kernels/gemm_kernel.hpp"

namespace fg {
namespace gemm_detail {

using tuning::kPrefetchRows;

// One step of an L x L transpose held in L vectors r[0..L): for each pair of
// rows (a, a + D) with a & D == 0, lanes of the pair swap in blocks of D:
//   r[a]     <- (r[a] lanes with l & D == 0,   r[a + D] lanes shifted down by D)
//   r[a + D] <- (r[a] lanes shifted up by D,   r[a + D] lanes with l & D != 0)
// Applying it for D = L/2, L/4, ..., 1 transposes the block.
template <class T, int D, int... I>
inline void transpose_step(typename Vec<T>::type* r, std::integer_sequence<int, I...>) {
  using IV = typename Vec<T>::index;
  constexpr int L = sizeof...(I);
  const IV lo = {((I & D) == 0 ? I : L + I - D)...};
  const IV hi = {((I & D) == 0 ? I + D : L + I)...};
  for (int a = 0; a < L; ++a)
    if ((a & D) == 0) {
      const auto x = r[a], y = r[a + D];
      r[a] = __builtin_shuffle(x, y, lo);
      r[a + D] = __builtin_shuffle(x, y, hi);
    }
}

template <class T, int D = Tile<T>::L / 2>
inline void transpose(typename Vec<T>::type* r) {
  transpose_step<T, D>(r, std::make_integer_sequence<int, Tile<T>::L>{});
  if constexpr (D > 1) transpose<T, D / 2>(r);
}

// dst[k * ld + i] = src_i[k] for rows i < rows (at most L; missing rows are
// zero) and k < kc: L x L blocks through registers, the tail of k by hand.
// Only the first `width` lanes of each output row are written.
template <class T>
void transpose_rows(const T* src, std::ptrdiff_t lds, int rows, int kc, T* dst, int ld,
                    int width) {
  using V = typename Vec<T>::type;
  using VU = typename Vec<T>::unaligned;
  constexpr int L = Tile<T>::L;
  int k = 0;
  for (; k + L <= kc; k += L) {
    V r[L];
    for (int i = 0; i < L; ++i)
      r[i] = i < rows ? V(*reinterpret_cast<const VU*>(src + i * lds + k)) : V{};
    transpose<T>(r);
    for (int q = 0; q < L; ++q) {
      if (width == L)
        *reinterpret_cast<VU*>(dst + (k + q) * ld) = r[q];
      else
        std::memcpy(dst + (k + q) * ld, &r[q], sizeof(T) * width);
    }
  }
  for (; k < kc; ++k)
    for (int i = 0; i < width; ++i) dst[k * ld + i] = i < rows ? src[i * lds + k] : T(0);
}

// Rows [i0, i0 + mr) x columns [p0, p0 + kc) of op(A) into one MR x kc panel.
template <class T>
void pack_a_panel(bool trans, const T* A, std::ptrdiff_t lda, int i0, int mr, int p0, int kc,
                  T* dst) {
  constexpr int MR = Tile<T>::MR, L = Tile<T>::L;
  if (!trans) {
    // op(A) = A: row i of the panel is contiguous along k.
    for (int i = 0; i < MR; i += L) {
      const int w = MR - i < L ? MR - i : L, rows = mr - i < 0 ? 0 : mr - i;
      const T* src = rows > 0 ? A + (i0 + i) * lda + p0 : A;
      transpose_rows(src, lda, rows < w ? rows : w, kc, dst + i, MR, w);
    }
    return;
  }
  for (int k = 0; k < kc; ++k) {
    const T* src = A + (p0 + k) * lda + i0;
    T* d = dst + k * MR;
    for (int i = 0; i < mr; ++i) d[i] = src[i];
    for (int i = mr; i < MR; ++i) d[i] = T(0);
  }
}

// Rows [p0, p0 + kc) x columns [j0, j0 + nw) of op(B) into ceil(nw / NR)
// panels of kc x NR, one after the other. B is read along its rows (whole
// rows of the block at a time), which keeps the hardware prefetcher busy.
template <class T>
void pack_b_block(bool trans, const T* B, std::ptrdiff_t ldb, int p0, int kc, int j0, int nw,
                  T* dst) {
  constexpr int NR = Tile<T>::NR, L = Tile<T>::L;
  const int panels = (nw + NR - 1) / NR;
  if (trans) {
    // op(B) = B^T: column j of a panel is row j0 + j of B, contiguous along k.
    for (int q = 0; q < panels; ++q)
      for (int j = 0; j < NR; j += L) {
        const int left = nw - q * NR - j, rows = left < 0 ? 0 : (left < L ? left : L);
        const T* src = rows > 0 ? B + (j0 + q * NR + j) * ldb + p0 : B;
        transpose_rows(src, ldb, rows, kc, dst + std::ptrdiff_t(q) * NR * kc + j, NR, L);
      }
    return;
  }
  const int full = nw / NR, rest = nw - full * NR;
  for (int k = 0; k < kc; ++k) {
    const T* src = B + (p0 + k) * ldb + j0;
    if (k + kPrefetchRows < kc) {  // rows of the block are short streams: fetch ahead
      const char* ahead = reinterpret_cast<const char*>(src + kPrefetchRows * ldb);
      for (int off = 0; off < int(sizeof(T)) * nw; off += 64) __builtin_prefetch(ahead + off);
    }
    T* d = dst + k * NR;
    for (int q = 0; q < full; ++q) std::memcpy(d + std::ptrdiff_t(q) * NR * kc, src + q * NR, sizeof(T) * NR);
    if (rest) {
      T* e = d + std::ptrdiff_t(full) * NR * kc;
      for (int j = 0; j < rest; ++j) e[j] = src[full * NR + j];
      for (int j = rest; j < NR; ++j) e[j] = T(0);
    }
  }
}

}  // namespace gemm_detail
}  // namespace fg
