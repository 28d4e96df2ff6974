// The register-blocked micro-kernel of gemm(). Internal to core/kernels/gemm.cpp
// (with core/kernels/gemm_pack.hpp, which fills its panels); nothing else should
// include this.
//
// The micro-kernel computes one MR x NR tile of C from two packed panels:
//   a : MR x kc, stored k-major  (a[k * MR + i]), broadcast one entry at a time
//   b : kc x NR, stored k-major  (b[k * NR + j]), loaded NV vectors at a time
// and keeps the whole tile in vector registers for the length of the k loop:
//   acc[i][v] += broadcast(a[k][i]) * b[k][v]      (one fused multiply-add)
// Vectors are GCC vector extensions, so the same source gives 512-bit code
// with AVX-512, 256-bit with AVX2 and 128-bit elsewhere.
//
// The tile's shape (MR, NV, NR, L) and the vector width are knobs in
// core/kernels/tuning.hpp.
#pragma once

#include <cstddef>

#include "core/kernels/tuning.hpp"

namespace fg {
namespace gemm_detail {

using tuning::kVecBytes;
using tuning::Tile;

template <class T> struct Vec;
template <> struct Vec<float> {
  typedef float type __attribute__((vector_size(kVecBytes)));
  typedef float unaligned __attribute__((vector_size(kVecBytes), aligned(4), may_alias));
  typedef int index __attribute__((vector_size(kVecBytes)));  // lane numbers for shuffles
};
template <> struct Vec<double> {
  typedef double type __attribute__((vector_size(kVecBytes)));
  typedef double unaligned __attribute__((vector_size(kVecBytes), aligned(8), may_alias));
  typedef long long index __attribute__((vector_size(kVecBytes)));
};

// Where the tile goes: C(i, j) = C[i * rs + j * cs], m x n of it valid.
template <class T> struct CTile {
  T* c;
  std::ptrdiff_t rs, cs;
  int m, n;
  T alpha, beta;  // C = alpha * acc + beta * C; beta == 0 never reads C
};

// acc[i][v] for i < MRc rows and v < NVc vectors; a has row stride MR,
// b has row stride NR (the packing pads short panels with zeros).
template <class T, int MRc, int NVc>
void micro_kernel(int kc, const T* __restrict a, const T* __restrict b, const CTile<T>& t) {
  using V = typename Vec<T>::type;
  using VU = typename Vec<T>::unaligned;
  constexpr int L = Tile<T>::L, MR = Tile<T>::MR, NR = Tile<T>::NR;
  // Ask for the tile of C now, so that it is in L1 when the k loop ends (a
  // large C lives in L3 or memory; notes/06-kernels.md has the measurement).
  if (t.cs == 1)
    for (int i = 0; i < t.m; ++i) {
      const char* row = reinterpret_cast<const char*>(t.c + i * t.rs);
      const int bytes = t.n * int(sizeof(T));
      for (int off = 0; off < bytes; off += 64) __builtin_prefetch(row + off, 1, 3);
      __builtin_prefetch(row + bytes - 1, 1, 3);
    }
  V acc[MRc][NVc];
  #pragma GCC unroll 16
  for (int i = 0; i < MRc; ++i)
    #pragma GCC unroll 16
    for (int v = 0; v < NVc; ++v) acc[i][v] = V{};
  for (int k = 0; k < kc; ++k) {
    V bv[NVc];
    #pragma GCC unroll 16
    for (int v = 0; v < NVc; ++v) bv[v] = *reinterpret_cast<const V*>(b + v * L);
    #pragma GCC unroll 16
    for (int i = 0; i < MRc; ++i) {
      const V ai = a[i] - V{};  // broadcast (x - 0 == x, also for -0)
      #pragma GCC unroll 16
      for (int v = 0; v < NVc; ++v) acc[i][v] += ai * bv[v];
    }
    a += MR;
    b += NR;
  }
  const V al = t.alpha - V{}, be = t.beta - V{};
  if (t.cs == 1 && t.m == MRc && t.n == NVc * L) {
    #pragma GCC unroll 16
    for (int i = 0; i < MRc; ++i) {
      T* row = t.c + i * t.rs;
      #pragma GCC unroll 16
      for (int v = 0; v < NVc; ++v) {
        VU* p = reinterpret_cast<VU*>(row + v * L);
        if (t.beta == T(0))
          *p = al * acc[i][v];
        else
          *p = al * acc[i][v] + be * V(*p);
      }
    }
    return;
  }
  // Edge tile or strided C: go through a buffer, then write the valid part.
  alignas(64) T buf[MRc][NVc * L];
  #pragma GCC unroll 16
  for (int i = 0; i < MRc; ++i)
    #pragma GCC unroll 16
    for (int v = 0; v < NVc; ++v) *reinterpret_cast<V*>(&buf[i][v * L]) = acc[i][v];
  for (int i = 0; i < t.m; ++i)
    for (int j = 0; j < t.n; ++j) {
      T& c = t.c[i * t.rs + j * t.cs];
      c = t.beta == T(0) ? t.alpha * buf[i][j] : t.alpha * buf[i][j] + t.beta * c;
    }
}

}  // namespace gemm_detail
}  // namespace fg
