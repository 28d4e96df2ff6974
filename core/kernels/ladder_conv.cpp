// The convolution ladder (core/kernels/ladder_conv.hpp). Read from the top.
#include "core/kernels/ladder_conv.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/kernels/gemm.hpp"

namespace fg {
namespace ladder {

// ---- step 0: the direct loops -----------------------------------------------
// The naive twin, conv2d_forward_naive (core/kernels/conv_naive.cpp):
// y[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] x[n, c, i s - p + u, j s - p + v],
// taps outside the image counting as zero. C KH KW multiply-adds per output,
// each a scattered read of x, and nothing reused from one output to the next.

// ---- step 1: im2col + GEMM --------------------------------------------------
// The receptive field of output pixel (i, j) becomes column i OW + j of
// COL (C KH KW rows, row (c, u, v) holding x[c, i s - p + u, j s - p + v]),
// and the filters, F x C KH KW as stored, multiply it: Y = W COL is the
// image's F x OH OW output, one GEMM. The unfolding copies each input value
// up to KH KW times; the GEMM then runs at its own speed.
template <class T> void im2col(const ConvGeom& g, const T* x, T* col) {
  const int OH = g.OH(), OW = g.OW();
  for (int c = 0; c < g.C; ++c)
    for (int u = 0; u < g.KH; ++u)
      for (int v = 0; v < g.KW; ++v)
        for (int i = 0; i < OH; ++i)
          for (int j = 0; j < OW; ++j) {
            const int h = i * g.stride - g.pad + u, wc = j * g.stride - g.pad + v;
            const bool in = h >= 0 && h < g.H && wc >= 0 && wc < g.W;
            *col++ = in ? x[(int64_t(c) * g.H + h) * g.W + wc] : T(0);
          }
}
template void im2col<float>(const ConvGeom&, const float*, float*);
template void im2col<double>(const ConvGeom&, const double*, double*);

namespace {

template <class T> void add_bias(const ConvGeom& g, const T* b, T* yn) {
  const int64_t P = int64_t(g.OH()) * g.OW();
  if (b)
    for (int f = 0; f < g.F; ++f)
      for (int64_t k = 0; k < P; ++k) yn[f * P + k] += b[f];
}
}  // namespace

template <class T>
void conv_step1_im2col_gemm(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const int P = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW;
  std::vector<T> col(size_t(CKK) * P);
  for (int n = 0; n < g.N; ++n) {
    T* yn = y + int64_t(n) * g.F * P;
    im2col(g, x + int64_t(n) * g.C * g.H * g.W, col.data());
    gemm(false, false, g.F, P, CKK, T(1), w, CKK, col.data(), P, T(0), yn, P);
    add_bias(g, b, yn);
  }
}

// ---- step 2: unfold into packed panels --------------------------------------
// gemm() of step 1 copies COL once more, into panels of NR columns, k-major
// (core/kernels/gemm_pack.hpp), and packs W again for every image. Here the
// unfolding writes COL in that panel layout in the first place, COL(k, col)
// at panels[(col / NR) NR CKK + k NR + col % NR], and W is packed once for
// all images (GemmPackedA); gemm_packed_ab multiplies the two as they are.
namespace {
template <class T> void im2col_panels(const ConvGeom& g, const T* x, int NR, T* panels) {
  const int OH = g.OH(), OW = g.OW(), P = OH * OW, CKK = g.C * g.KH * g.KW;
  const int64_t panel = int64_t(NR) * CKK;  // one panel: NR columns of CKK rows
  for (int c = 0, k = 0; c < g.C; ++c)
    for (int u = 0; u < g.KH; ++u)
      for (int v = 0; v < g.KW; ++v, ++k) {
        T* dst = panels + int64_t(k) * NR;  // row k of panel 0
        int lane = 0;                       // column i OW + j is lane `lane` of this panel
        for (int i = 0; i < OH; ++i)
          for (int j = 0; j < OW; ++j) {
            const int h = i * g.stride - g.pad + u, wc = j * g.stride - g.pad + v;
            const bool in = h >= 0 && h < g.H && wc >= 0 && wc < g.W;
            dst[lane] = in ? x[(int64_t(c) * g.H + h) * g.W + wc] : T(0);
            if (++lane == NR) lane = 0, dst += panel;
          }
        // The last panel's columns past P are read by the GEMM: zeros.
        if (P % NR) std::fill(dst + lane, dst + NR, T(0));
      }
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
}  // namespace

template <class T>
void conv_step2_packed_panels(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const int P = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, NR = gemm_panel_width<T>();
  const int64_t panel_cols = (P + NR - 1) / NR * NR;
  // Packed panels are read with aligned loads: 64-byte aligned storage.
  const size_t bytes = (size_t(panel_cols) * CKK * sizeof(T) + 63) / 64 * 64;
  std::unique_ptr<T, FreeDeleter> panels(static_cast<T*>(std::aligned_alloc(64, bytes)));
  const GemmPackedA<T> pw(false, g.F, CKK, w, CKK);
  for (int n = 0; n < g.N; ++n) {
    T* yn = y + int64_t(n) * g.F * P;
    im2col_panels(g, x + int64_t(n) * g.C * g.H * g.W, NR, panels.get());
    gemm_packed_ab(pw, panels.get(), P, T(1), T(0), yn, P);
    add_bias(g, b, yn);
  }
}

template <class T> const ConvStep<T>* conv_steps(int* count) {
  static const ConvStep<T> steps[] = {
      {"0 direct loops (the naive twin)", conv2d_forward_naive<T>},
      {"1 im2col + gemm", conv_step1_im2col_gemm<T>},
      {"2 unfold into packed panels", conv_step2_packed_panels<T>},
      {"3 conv2d_forward (chunks, threads)", conv2d_forward<T>},
  };
  *count = int(sizeof steps / sizeof steps[0]);
  return steps;
}

template const ConvStep<float>* conv_steps<float>(int*);
template const ConvStep<double>* conv_steps<double>(int*);

}  // namespace ladder
}  // namespace fg
