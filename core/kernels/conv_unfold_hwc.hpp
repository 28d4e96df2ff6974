// Unfolding for the weight gradient of core/kernels/conv.cpp (internal to it).
//
// The weight gradient DW = DY' * COL^T sums over output pixels, so its GEMM
// reads COL^T in panels that run along the pixels: NR rows of COL side by
// side, one pixel after the other (the packed right-hand side of gemm.hpp,
// K = pixels, N = rows of COL). Unfolding COL row by row and then
// transposing it into such panels makes two passes over a matrix as large
// as COL. Here the rows of COL are taken in the order (u, v, c) instead of
// (c, u, v), and the images are first laid out channel-last (pixel by
// pixel, the C channels of a pixel next to each other): the C rows of tap
// (u, v) at one output pixel are then C consecutive input values, and each
// pixel's part of every panel is written as KH*KW straight runs. The GEMM
// gives DW with its columns in (u, v, c) order, which the caller puts back.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/kernels/conv.hpp"
#include "core/kernels/gemm_pack.hpp"
#include "core/kernels/tuning.hpp"

namespace fg {
namespace conv_detail {

// Each image's R x S matrix (row-major) transposed to S x R, L rows at a
// time through vector registers by the GEMM's packing code. With R = C and
// S = plane it makes an NCHW image channel-last; with R = plane and S = C it
// turns one back.
template <class T>
void transpose_images(const T* src, int images, int64_t R, int64_t S, T* dst) {
  constexpr int L = gemm_detail::Tile<T>::L;
  for (int m = 0; m < images; ++m) {
    const T* in = src + int64_t(m) * R * S;
    T* out = dst + int64_t(m) * R * S;
    for (int64_t r = 0; r < R; r += L) {
      const int rows = int(std::min<int64_t>(L, R - r));
      gemm_detail::transpose_rows(in + r * S, int(S), rows, int(S), out + r, int(R), rows);
    }
  }
}

// dst (images x plane x C, channel-last) = src (images x C x plane).
template <class T>
void to_channel_last(const T* src, int images, int C, int64_t plane, T* dst) {
  transpose_images(src, images, C, plane, dst);
}

// The kernel columns v in [vlo, vhi) whose input column jj0 + v lies in
// [0, W) (an empty span has vlo == vhi).
inline void tap_span(int jj0, int W, int KW, int& vlo, int& vhi) {
  vlo = std::min(KW, std::max(0, -jj0));
  vhi = std::max(vlo, std::min(KW, W - jj0));
}

// COL^T of `images` channel-last images xt, rows of COL in (u, v, c) order,
// into panels of NR rows of COL: row r at output column col (image-major,
// images*P of them) goes to
//   panels[(r / NR) * NR * cols + col * NR + r % NR],
// and the rows past C*KH*KW in the last panel are zero.
template <class T>
void im2row_panels(const ConvGeom& g, int OH, int OW, const T* xt, int images, int NR,
                   T* panels) {
  const int64_t P = int64_t(OH) * OW, cols = images * P, image = int64_t(g.C) * g.H * g.W;
  const int64_t step = int64_t(NR) * cols;
  constexpr int kRun = tuning::kCopyRunBytes / int(sizeof(T));
  for (int64_t col = 0; col < cols; ++col) {
    const int m = int(col / P), p = int(col % P), i = p / OW, j = p % OW;
    const T* img = xt + m * image;
    T* dst = panels + col * NR;  // row 0; rows advance along the panel, then to the next
    int off = 0;                 // row % NR
    // The next n rows: n values from src, or zeros; cut where they cross
    // into the next panel.
    auto put = [&](int64_t n, const T* src) {
      while (n > 0) {
        const int w = int(std::min<int64_t>(n, NR - off));
        T* __restrict d = dst + off;
        int t = 0;
        if (src) {
          const T* __restrict in = src;
          for (; t + kRun <= w; t += kRun)
            for (int z = 0; z < kRun; ++z) d[t + z] = in[t + z];
          for (; t < w; ++t) d[t] = in[t];
          src += w;
        } else {
          for (; t + kRun <= w; t += kRun)
            for (int z = 0; z < kRun; ++z) d[t + z] = T(0);
          for (; t < w; ++t) d[t] = T(0);
        }
        n -= w;
        off += w;
        if (off == NR) {
          off = 0;
          dst += step;
        }
      }
    };
    // Taps v in [vlo, vhi) of any kernel row u meet the consecutive input
    // pixels jj0 + v, so inside rows give one run of (vhi - vlo) * C values.
    int vlo, vhi;
    const int jj0 = j * g.stride - g.pad;
    tap_span(jj0, g.W, g.KW, vlo, vhi);
    for (int u = 0; u < g.KH; ++u) {
      const int ii = i * g.stride - g.pad + u;
      if (ii < 0 || ii >= g.H) {
        put(int64_t(g.KW) * g.C, nullptr);
        continue;
      }
      put(int64_t(vlo) * g.C, nullptr);
      if (vhi > vlo) put(int64_t(vhi - vlo) * g.C, img + (int64_t(ii) * g.W + jj0 + vlo) * g.C);
      put(int64_t(g.KW - vhi) * g.C, nullptr);
    }
    if (off) std::fill(dst + off, dst + NR, T(0));  // rows past C*KH*KW
  }
}

// dst (images x C x plane) = src (images x plane x C, channel-last).
template <class T>
void from_channel_last(const T* src, int images, int C, int64_t plane, T* dst) {
  transpose_images(src, images, plane, C, dst);
}

// W^T (C*KH*KW x F, rows in (u, v, c) order) as the right-hand side of
// gemm() packed by the caller: K = F, N = C*KH*KW, panels of NR columns,
// the columns past N in the last panel zero. panels is 64-byte aligned.
template <class T>
void pack_filters_tap_major(const ConvGeom& g, const T* w, int NR, T* panels) {
  const int KK = g.KH * g.KW, CKK = g.C * KK;
  for (int q = 0; q * NR < CKK; ++q)
    for (int f = 0; f < g.F; ++f) {
      T* dst = panels + (int64_t(q) * g.F + f) * NR;
      const T* wf = w + int64_t(f) * CKK;
      int t = q * NR / g.C, c = q * NR % g.C;  // column q NR + j is tap t, channel c
      for (int j = 0; j < NR; ++j) {
        dst[j] = t < KK ? wf[int64_t(c) * KK + t] : T(0);
        if (++c == g.C) c = 0, ++t;
      }
    }
}

// dxt (channel-last images, zeroed by the caller) += DCOL^T (images*P rows
// of C*KH*KW, columns in (u, v, c) order) sent back to the pixels: output
// pixel k's tap (u, v) adds its C values to the C channels of its input
// pixel, the taps of one kernel row in one run.
template <class T>
void fold_rows(const ConvGeom& g, int OH, int OW, const T* dcolt, int images, T* dxt) {
  const int64_t P = int64_t(OH) * OW, cols = images * P, image = int64_t(g.C) * g.H * g.W;
  const int64_t CKK = int64_t(g.C) * g.KH * g.KW;
  constexpr int kRun = tuning::kCopyRunBytes / int(sizeof(T));
  for (int64_t col = 0; col < cols; ++col) {
    const int m = int(col / P), p = int(col % P), i = p / OW, j = p % OW;
    T* img = dxt + m * image;
    const T* row = dcolt + col * CKK;
    int vlo, vhi;  // as in im2row_panels: one run per kernel row
    const int jj0 = j * g.stride - g.pad;
    tap_span(jj0, g.W, g.KW, vlo, vhi);
    const int64_t n = int64_t(vhi - vlo) * g.C;
    for (int u = 0; u < g.KH && n > 0; ++u) {
      const int ii = i * g.stride - g.pad + u;
      if (ii < 0 || ii >= g.H) continue;
      T* __restrict d = img + (int64_t(ii) * g.W + jj0 + vlo) * g.C;
      const T* __restrict r = row + (int64_t(u) * g.KW + vlo) * g.C;
      int64_t c = 0;
      for (; c + kRun <= n; c += kRun)
        for (int z = 0; z < kRun; ++z) d[c + z] += r[c + z];
      for (; c < n; ++c) d[c] += r[c];
    }
  }
}

}  // namespace conv_detail
}  // namespace fg
