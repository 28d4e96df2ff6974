// Unfolding for the convolution kernels of core/kernels/conv.cpp (internal to it):
// im2col writes the receptive fields of a few images as the columns of COL,
// col2im folds a DCOL of the same layout back onto the image pixels, and
// pack_rows/unpack_rows move between NCHW and the "batch along the columns"
// layout of the GEMM outputs. See conv.cpp for the layout of COL.
//
// None of these start threads: the kernels call them from inside their own
// parallel loop over chunks of images, one chunk per thread at a time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/tuning.hpp"

namespace fg {
namespace conv_detail {

// The indices k in [0, count) with 0 <= k*s + off < size, as [lo, hi).
inline void valid_range(int off, int size, int s, int count, int& lo, int& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  const int top = size - 1 - off;  // need k*s <= top
  hi = top < 0 ? 0 : std::min(count, top / s + 1);
  lo = std::min(lo, hi);
}

// One tap (u, v) of the kernel: output pixel (i, j) meets input pixel
// (i*s - p + u, j*s - p + v), inside the image for i in [ilo, ihi) and
// j in [jlo, jhi). In a stride-1 convolution that keeps the width (OW == W,
// "same" padding) output pixel k meets input pixel k + shift, so the whole
// tap is one straight run over the plane, apart from the columns outside
// [jlo, jhi), which wrap round into the neighbouring row.
struct Tap {
  int ilo, ihi, jlo, jhi;
  bool straight;
  int64_t shift, first, last;  // straight taps: the run [first, last) of outputs
  bool empty() const { return ilo >= ihi || jlo >= jhi; }
};

inline Tap make_tap(const ConvGeom& g, int OH, int OW, int u, int v) {
  Tap t;
  valid_range(u - g.pad, g.H, g.stride, OH, t.ilo, t.ihi);
  valid_range(v - g.pad, g.W, g.stride, OW, t.jlo, t.jhi);
  t.straight = g.stride == 1 && OW == g.W;
  t.shift = int64_t(u - g.pad) * g.W + (v - g.pad);
  t.first = int64_t(t.ilo) * OW + t.jlo;
  t.last = int64_t(t.ihi - 1) * OW + t.jhi;
  return t;
}

// Which output pixels of a straight tap take a value from the image: those
// whose column j is in [jlo, jhi) of the tap's kernel column v. Flags of the
// scalars' width, so that choosing between a value and zero vectorises:
// keep[v * P + k] != 0 for output pixel k. Built per call in a buffer of
// the calling thread (KW * P entries), and kept there while the geometry
// stays the same: a batch cut into chunks of one image asks for the same
// flags once per chunk.
template <class T> using Keep = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;

template <class T>
const Keep<T>* column_keep(const ConvGeom& g, int OH, int OW) {
  thread_local std::vector<Keep<T>> buf;
  thread_local int made_for[6] = {-1, -1, -1, -1, -1, -1};
  const int key[6] = {OH, OW, g.KW, g.W, g.pad, g.stride};
  if (std::equal(key, key + 6, made_for)) return buf.data();
  std::copy(key, key + 6, made_for);
  const int64_t P = int64_t(OH) * OW;
  buf.resize(std::size_t(g.KW * P));
  for (int v = 0; v < g.KW; ++v) {
    int jlo, jhi;
    valid_range(v - g.pad, g.W, g.stride, OW, jlo, jhi);
    for (int64_t k = 0; k < P; ++k) {
      const int j = int(k % OW);
      buf[v * P + k] = j >= jlo && j < jhi;
    }
  }
  return buf.data();
}

// row (OH*OW) = the input plane `src` seen through tap t, zero outside.
// Straight taps need `keep` (column_keep's flags of kernel column v).
template <class T>
void unfold_tap(const ConvGeom& g, int OH, int OW, const Tap& t, int u, int v, const T* src,
                const Keep<T>* keep, T* row) {
  const int64_t P = int64_t(OH) * OW;
  if (t.empty()) {
    std::fill(row, row + P, T(0));
    return;
  }
  std::fill(row, row + int64_t(t.ilo) * OW, T(0));
  std::fill(row + int64_t(t.ihi) * OW, row + P, T(0));
  if (t.straight) {
    // One run over [first, last), the wrapped columns replaced by zeros.
    std::fill(row + int64_t(t.ilo) * OW, row + t.first, T(0));
    std::fill(row + t.last, row + int64_t(t.ihi) * OW, T(0));
    const T* __restrict in = src + (t.first + t.shift);
    const Keep<T>* __restrict kp = keep + t.first;
    T* __restrict out = row + t.first;
    for (int64_t k = 0, n = t.last - t.first; k < n; ++k) {
      const T x = in[k];
      out[k] = kp[k] ? x : T(0);
    }
    return;
  }
  const int s = g.stride;
  for (int i = t.ilo; i < t.ihi; ++i) {
    T* out = row + int64_t(i) * OW;
    const int64_t base = int64_t(i * s - g.pad + u) * g.W + (v - g.pad);
    for (int j = 0; j < t.jlo; ++j) out[j] = T(0);
    if (s == 1)
      std::copy(src + base + t.jlo, src + base + t.jhi, out + t.jlo);
    else
      for (int j = t.jlo; j < t.jhi; ++j) out[j] = src[base + int64_t(j) * s];
    for (int j = t.jhi; j < OW; ++j) out[j] = T(0);
  }
}

// dst (the input plane) += row (OH*OW) sent back through tap t. Straight
// taps add one run, the entries of the wrapped columns (flagged off in
// `keep`, as for unfold_tap) left out.
template <class T>
void fold_tap(const ConvGeom& g, int OW, const Tap& t, int u, int v, const Keep<T>* keep,
              const T* row, T* dst) {
  if (t.empty()) return;
  if (t.straight) {
    T* __restrict out = dst + (t.first + t.shift);
    const T* __restrict in = row + t.first;
    const Keep<T>* __restrict kp = keep + t.first;
    for (int64_t k = 0, n = t.last - t.first; k < n; ++k) {
      const T x = in[k];
      out[k] += kp[k] ? x : T(0);
    }
    return;
  }
  const int s = g.stride;
  for (int i = t.ilo; i < t.ihi; ++i) {
    const T* in = row + int64_t(i) * OW;
    const int64_t base = int64_t(i * s - g.pad + u) * g.W + (v - g.pad);
    if (s == 1)
      for (int j = t.jlo; j < t.jhi; ++j) dst[base + j] += in[j];
    else
      for (int j = t.jlo; j < t.jhi; ++j) dst[base + int64_t(j) * s] += in[j];
  }
}

// COL (CKK x images*P) from the `images` images starting at x.
template <class T>
void im2col(const ConvGeom& g, int OH, int OW, const T* x, int images, T* col) {
  const int64_t P = int64_t(OH) * OW, ld = images * P, plane = int64_t(g.H) * g.W;
  const Keep<T>* keep = make_tap(g, OH, OW, 0, 0).straight ? column_keep<T>(g, OH, OW) : nullptr;
  for (int m = 0; m < images; ++m)
    for (int c = 0; c < g.C; ++c) {
      const T* src = x + (int64_t(m) * g.C + c) * plane;
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          T* row = col + ((int64_t(c) * g.KH + u) * g.KW + v) * ld + m * P;
          unfold_tap(g, OH, OW, make_tap(g, OH, OW, u, v), u, v, src, keep ? keep + v * P : keep,
                     row);
        }
    }
}

// Columns [col0, col1) of COL (rows of CKK entries, col0 a multiple of NR)
// for a convolution whose taps are all straight (make_tap), written in the
// panel layout of a packed right-hand side of gemm() (gemm.hpp, panels of
// NR columns): column col of row k goes to
//   panels[((col - col0) / NR) * NR * CKK + k * NR + col % NR],
// and the columns of the last panel past col1 are zero. The images start
// at x; column col is pixel col % P of image col / P. Panel by panel, each
// written front to back. NR_ is NR when known at compile time, else 0.
template <int NR_, class T>
void straight_panels_as(const ConvGeom& g, int OH, int OW, const T* x, int64_t col0,
                        int64_t col1, int NR, T* panels) {
  const int64_t P = int64_t(OH) * OW, plane = int64_t(g.H) * g.W;
  const int KK = g.KH * g.KW;
  const int64_t CKK = int64_t(g.C) * KK, step = int64_t(NR) * CKK;
  const Keep<T>* keep = column_keep<T>(g, OH, OW);
  std::vector<Tap> taps;
  for (int u = 0; u < g.KH; ++u)
    for (int v = 0; v < g.KW; ++v) taps.push_back(make_tap(g, OH, OW, u, v));
  // What each tap does in the current panel, the same for every channel:
  // the part [lo, hi) of the n columns that reads the image (at offset
  // `from` of a plane), and whether that part is all n columns with no
  // wrapped column among them (a plain copy).
  struct Part {
    int64_t lo, hi, from;
    const Keep<T>* kp;
    bool whole, plain;
  };
  std::vector<Part> parts(static_cast<std::size_t>(KK));
  for (int64_t col = col0; col < col1;) {
    const int m = int(col / P);
    const int64_t j = col % NR, n = std::min<int64_t>(NR - j, std::min((m + 1) * P, col1) - col);
    const int64_t p0 = col - m * P;
    for (int tv = 0; tv < KK; ++tv) {
      const Tap& t = taps[tv];
      Part& q = parts[tv];
      q.lo = t.empty() ? n : std::min(n, std::max<int64_t>(0, t.first - p0));
      q.hi = t.empty() ? n : std::max(q.lo, std::min(n, t.last - p0));
      q.from = p0 + t.shift;
      q.kp = keep + (tv % g.KW) * P + p0;
      q.whole = NR_ > 0 && n == NR_ && q.lo == 0 && q.hi == NR_;
      q.plain = q.whole && t.jlo == 0 && t.jhi == OW;
    }
    T* dst = panels + ((col - col0) / NR) * step + j;
    for (int c = 0; c < g.C; ++c) {
      const T* src = x + (int64_t(m) * g.C + c) * plane;
      for (int tv = 0; tv < KK; ++tv, dst += NR) {
        const Part& q = parts[tv];
        const T* __restrict in = src + q.from;
        const Keep<T>* __restrict kp = q.kp;
        T* __restrict d = dst;
        if (q.plain) {
          for (int i = 0; i < NR_; ++i) d[i] = in[i];
        } else if (q.whole) {
          for (int i = 0; i < NR_; ++i) {
            const T v = in[i];
            d[i] = kp[i] ? v : T(0);
          }
        } else {
          for (int64_t i = 0; i < q.lo; ++i) d[i] = T(0);
          for (int64_t i = q.lo; i < q.hi; ++i) {
            const T v = in[i];
            d[i] = kp[i] ? v : T(0);
          }
          for (int64_t i = q.hi; i < n; ++i) d[i] = T(0);
        }
      }
    }
    col += n;
  }
  if (const int64_t j = (col1 - col0) % NR) {
    T* last = panels + ((col1 - col0) / NR) * step;
    for (int64_t k = 0; k < CKK; ++k) std::fill(last + k * NR + j, last + k * NR + NR, T(0));
  }
}

// COL of `images` images (CKK rows, images*P columns) in the panel layout
// above (col0 = 0). Straight taps go from the image to the panels in one
// pass; the others are unfolded into `row` (P scratch entries) first.
template <int NR_, class T>
void im2col_panels_as(const ConvGeom& g, int OH, int OW, const T* x, int images, int NR,
                      T* panels, T* row) {
  const int64_t P = int64_t(OH) * OW, cols = images * P, plane = int64_t(g.H) * g.W;
  const int64_t CKK = int64_t(g.C) * g.KH * g.KW, step = int64_t(NR) * CKK;
  if (make_tap(g, OH, OW, 0, 0).straight)
    return straight_panels_as<NR_>(g, OH, OW, x, 0, cols, NR, panels);
  // row by row through `row`, then cut into the panels
  const Keep<T>* none = nullptr;
  for (int m = 0; m < images; ++m)
    for (int c = 0; c < g.C; ++c)
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          const int64_t k = (int64_t(c) * g.KH + u) * g.KW + v;
          unfold_tap(g, OH, OW, make_tap(g, OH, OW, u, v), u, v,
                     x + (int64_t(m) * g.C + c) * plane, none, row);
          for (int64_t col = m * P, end = col + P; col < end;) {
            const int64_t j = col % NR, n = std::min<int64_t>(NR - j, end - col);
            std::copy(row + (col - m * P), row + (col - m * P) + n,
                      panels + (col / NR) * step + k * NR + j);
            col += n;
          }
        }
  if (const int64_t j = cols % NR) {
    T* last = panels + (cols / NR) * step;
    for (int64_t k = 0; k < CKK; ++k) std::fill(last + k * NR + j, last + k * NR + NR, T(0));
  }
}

// f(std::integral_constant<int, NR>{}) when NR is the panel width of the
// GEMM's tile for T (tuning::Tile<T>::NR), so the unfolding loops know NR at
// compile time; f(std::integral_constant<int, 0>{}) for any other width.
template <class T, class F>
void with_panel_width(int NR, F&& f) {
  constexpr int kNR = tuning::Tile<T>::NR;
  if (NR == kNR) return f(std::integral_constant<int, kNR>{});
  return f(std::integral_constant<int, 0>{});
}

template <class T>
void im2col_panels(const ConvGeom& g, int OH, int OW, const T* x, int images, int NR, T* panels,
                   T* row) {
  with_panel_width<T>(NR, [&](auto nr) {
    im2col_panels_as<decltype(nr)::value>(g, OH, OW, x, images, NR, panels, row);
  });
}

// Columns [col0, col1) of a straight convolution's COL, as straight_panels_as.
template <class T>
void straight_panels(const ConvGeom& g, int OH, int OW, const T* x, int64_t col0, int64_t col1,
                     int NR, T* panels) {
  with_panel_width<T>(NR, [&](auto nr) {
    straight_panels_as<decltype(nr)::value>(g, OH, OW, x, col0, col1, NR, panels);
  });
}

// dx of `images` images = the DCOL entries folded back onto their pixels.
template <class T>
void col2im(const ConvGeom& g, int OH, int OW, const T* dcol, int images, T* dx) {
  const int64_t P = int64_t(OH) * OW, ld = images * P, plane = int64_t(g.H) * g.W;
  const Keep<T>* keep = make_tap(g, OH, OW, 0, 0).straight ? column_keep<T>(g, OH, OW) : nullptr;
  for (int m = 0; m < images; ++m)
    for (int c = 0; c < g.C; ++c) {
      T* dst = dx + (int64_t(m) * g.C + c) * plane;
      std::fill(dst, dst + plane, T(0));
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          const T* row = dcol + ((int64_t(c) * g.KH + u) * g.KW + v) * ld + m * P;
          fold_tap(g, OW, make_tap(g, OH, OW, u, v), u, v, keep ? keep + v * P : keep, row, dst);
        }
    }
}

// dst (images x F x P, NCHW) = src (F x images*P, batch along columns) + b.
// With src == dst (a chunk of one image) only the bias is added.
template <class T>
void unpack_rows(const T* src, int images, int F, int64_t P, const T* b, T* dst) {
  if (src == dst && !b) return;
  for (int m = 0; m < images; ++m)
    for (int f = 0; f < F; ++f) {
      const T* in = src + int64_t(f) * images * P + m * P;
      T* out = dst + (int64_t(m) * F + f) * P;
      const T bias = b ? b[f] : T(0);
      for (int64_t k = 0; k < P; ++k) out[k] = in[k] + bias;
    }
}

// dst (F x images*P) = src (images x F x P): the inverse of unpack_rows.
template <class T>
void pack_rows(const T* src, int images, int F, int64_t P, T* dst) {
  for (int m = 0; m < images; ++m)
    for (int f = 0; f < F; ++f) {
      const T* in = src + (int64_t(m) * F + f) * P;
      std::copy(in, in + P, dst + int64_t(f) * images * P + m * P);
    }
}

}  // namespace conv_detail
}  // namespace fg
