// The fast convolution kernels: im2col/col2im onto fg::gemm.
//
// Notation: P = OH*OW output pixels per image, CKK = C*KH*KW entries per
// receptive field. A chunk of G images is unfolded ("im2col") into
//
//   COL : CKK x (G*P), row-major, COL[(c,u,v), m*P + i*OW + j]
//         = x[n0+m, c, i*s - p + u, j*s - p + v]   (zero outside the image)
//
// so the batch lies side by side along the columns. With W the F x CKK filter
// matrix and Y' (F x G*P) the outputs of the chunk in the same column order:
//
//   forward         Y'  = W * COL          then Y' -> NCHW y, plus bias
//   backward, data  DCOL = W^T * DY'       then col2im: dx = sum of DCOL
//                                          entries that came from each pixel
//   backward, filter DW += DY' * COL^T     (one GEMM per chunk), db = sum dy
//
// The chunk size G is chosen in conv_chunk_images() (see conv_tuning.hpp) so
// COL stays under a fixed budget. A 1x1 convolution with stride 1 and no
// padding needs no unfolding: image n is already its own C x P column matrix.
//
// Unfolding, folding back and the bias are OpenMP-parallel over (image,
// channel) pairs, which never write the same element; the GEMM parallelises
// itself. The scratch buffers are kept per calling thread and reused, so a
// training loop does not allocate them again at every step.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/conv.hpp"
#include "core/conv_tuning.hpp"
#include "core/gemm.hpp"

namespace fg {

namespace {

std::atomic<std::size_t> g_col_budget{std::size_t(64) << 20};  // 64 MiB

// The indices k in [0, count) with 0 <= k*s + off < size, as [lo, hi).
inline void valid_range(int off, int size, int s, int count, int& lo, int& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  const int top = size - 1 - off;  // need k*s <= top
  hi = top < 0 ? 0 : std::min(count, top / s + 1);
  lo = std::min(lo, hi);
}

// Scratch buffer number `slot` of the calling thread, at least n long.
template <class T>
T* scratch(int slot, int64_t n) {
  thread_local std::vector<T> buf[2];
  if (int64_t(buf[slot].size()) < n) buf[slot].resize(n);
  return buf[slot].data();
}

bool pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.stride == 1 && g.pad == 0;
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

Tap make_tap(const ConvGeom& g, int OH, int OW, int u, int v) {
  Tap t;
  valid_range(u - g.pad, g.H, g.stride, OH, t.ilo, t.ihi);
  valid_range(v - g.pad, g.W, g.stride, OW, t.jlo, t.jhi);
  t.straight = g.stride == 1 && OW == g.W;
  t.shift = int64_t(u - g.pad) * g.W + (v - g.pad);
  t.first = int64_t(t.ilo) * OW + t.jlo;
  t.last = int64_t(t.ihi - 1) * OW + t.jhi;
  return t;
}

// Zeroes the columns j < jlo and j >= jhi of the rows [ilo, ihi) of a tap.
template <class T>
void zero_wrapped(const Tap& t, int OW, T* row) {
  for (int i = t.ilo; i < t.ihi; ++i) {
    T* r = row + int64_t(i) * OW;
    for (int j = 0; j < t.jlo; ++j) r[j] = T(0);
    for (int j = t.jhi; j < OW; ++j) r[j] = T(0);
  }
}

// row (OH*OW) = the input plane `src` seen through tap t, zero outside.
template <class T>
void unfold_tap(const ConvGeom& g, int OH, int OW, const Tap& t, int u, int v, const T* src,
                T* row) {
  const int64_t P = int64_t(OH) * OW;
  if (t.empty()) {
    std::fill(row, row + P, T(0));
    return;
  }
  std::fill(row, row + int64_t(t.ilo) * OW, T(0));
  std::fill(row + int64_t(t.ihi) * OW, row + P, T(0));
  if (t.straight) {
    std::copy(src + t.first + t.shift, src + t.last + t.shift, row + t.first);
    zero_wrapped(t, OW, row);
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
// taps first zero the wrapped columns of row (scratch), so the one run adds
// exactly the entries that belong to the image.
template <class T>
void fold_tap(const ConvGeom& g, int OW, const Tap& t, int u, int v, T* row, T* dst) {
  if (t.empty()) return;
  if (t.straight) {
    zero_wrapped(t, OW, row);
    T* __restrict out = dst + (t.first + t.shift);
    const T* __restrict in = row + t.first;
    for (int64_t k = 0, n = t.last - t.first; k < n; ++k) out[k] += in[k];
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
#pragma omp parallel for collapse(2) schedule(static)
  for (int m = 0; m < images; ++m)
    for (int c = 0; c < g.C; ++c) {
      const T* src = x + (int64_t(m) * g.C + c) * plane;
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          T* row = col + ((int64_t(c) * g.KH + u) * g.KW + v) * ld + m * P;
          unfold_tap(g, OH, OW, make_tap(g, OH, OW, u, v), u, v, src, row);
        }
    }
}

// dx of `images` images = the DCOL entries folded back onto their pixels.
// DCOL is scratch: the entries that fall on padding are overwritten.
template <class T>
void col2im(const ConvGeom& g, int OH, int OW, T* dcol, int images, T* dx) {
  const int64_t P = int64_t(OH) * OW, ld = images * P, plane = int64_t(g.H) * g.W;
#pragma omp parallel for collapse(2) schedule(static)
  for (int m = 0; m < images; ++m)
    for (int c = 0; c < g.C; ++c) {
      T* dst = dx + (int64_t(m) * g.C + c) * plane;
      std::fill(dst, dst + plane, T(0));
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          T* row = dcol + ((int64_t(c) * g.KH + u) * g.KW + v) * ld + m * P;
          fold_tap(g, OW, make_tap(g, OH, OW, u, v), u, v, row, dst);
        }
    }
}

// dst (images x F x P, NCHW) = src (F x images*P, batch along columns) + b.
// With src == dst (a chunk of one image) only the bias is added.
template <class T>
void unpack_rows(const T* src, int images, int F, int64_t P, const T* b, T* dst) {
  if (src == dst && !b) return;
#pragma omp parallel for collapse(2) schedule(static)
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
#pragma omp parallel for collapse(2) schedule(static)
  for (int m = 0; m < images; ++m)
    for (int f = 0; f < F; ++f) {
      const T* in = src + (int64_t(m) * F + f) * P;
      std::copy(in, in + P, dst + int64_t(f) * images * P + m * P);
    }
}

}  // namespace

std::size_t conv_col_budget() { return g_col_budget.load(); }
void set_conv_col_budget(std::size_t bytes) { g_col_budget.store(bytes); }

int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes) {
  if (g.N <= 1 || g.OH() <= 0 || g.OW() <= 0) return 1;
  const int64_t per_image = int64_t(g.C) * g.KH * g.KW * g.OH() * g.OW() * int64_t(elem_bytes);
  if (per_image <= 0) return g.N;  // no input channels: nothing to unfold
  const int64_t fit = int64_t(conv_col_budget()) / per_image;
  return int(std::max<int64_t>(1, std::min<int64_t>(fit, g.N)));
}

template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const int OH = g.OH(), OW = g.OW();
  if (OH <= 0 || OW <= 0 || g.N <= 0 || g.F <= 0) return;  // y has no elements
  const int64_t P = int64_t(OH) * OW;
  const int CKK = g.C * g.KH * g.KW;
  if (CKK == 0) {  // no input channels: the output is the bias alone
    for (int n = 0; n < g.N; ++n)
      for (int f = 0; f < g.F; ++f) {
        T* out = y + (int64_t(n) * g.F + f) * P;
        std::fill(out, out + P, b ? b[f] : T(0));
      }
    return;
  }
  if (pointwise(g)) {
    for (int n = 0; n < g.N; ++n) {
      T* yn = y + int64_t(n) * g.F * P;
      gemm(false, false, g.F, int(P), g.C, T(1), w, g.C, x + int64_t(n) * g.C * P, int(P), T(0),
           yn, int(P));
      unpack_rows(yn, 1, g.F, P, b, yn);
    }
    return;
  }
  const int G = conv_chunk_images(g, sizeof(T));
  T* col = scratch<T>(0, int64_t(CKK) * G * P);
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int m = std::min(G, g.N - n0);
    const int cols = int(m * P);
    T* yn = y + int64_t(n0) * g.F * P;
    T* out = m == 1 ? yn : scratch<T>(1, int64_t(g.F) * cols);
    im2col(g, OH, OW, x + int64_t(n0) * g.C * g.H * g.W, m, col);
    gemm(false, false, g.F, cols, CKK, T(1), w, CKK, col, cols, T(0), out, cols);
    unpack_rows(out, m, g.F, P, b, yn);
  }
}

template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int OH = g.OH(), OW = g.OW();
  const int64_t P = int64_t(OH) * OW, image = int64_t(g.C) * g.H * g.W;
  const int CKK = g.C * g.KH * g.KW;
  if (OH <= 0 || OW <= 0 || g.F <= 0 || CKK == 0) {  // no path from x to the output
    std::fill(dx, dx + std::max<int64_t>(0, g.N) * image, T(0));
    return;
  }
  if (pointwise(g)) {
    for (int n = 0; n < g.N; ++n)
      gemm(true, false, g.C, int(P), g.F, T(1), w, g.C, dy + int64_t(n) * g.F * P, int(P), T(0),
           dx + n * image, int(P));
    return;
  }
  const int G = conv_chunk_images(g, sizeof(T));
  T* dcol = scratch<T>(0, int64_t(CKK) * G * P);
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int m = std::min(G, g.N - n0);
    const int cols = int(m * P);
    const T* dyn = dy + int64_t(n0) * g.F * P;
    const T* dyc = dyn;
    if (m > 1) {
      T* packed = scratch<T>(1, int64_t(g.F) * cols);
      pack_rows(dyn, m, g.F, P, packed);
      dyc = packed;
    }
    gemm(true, false, CKK, cols, g.F, T(1), w, CKK, dyc, cols, T(0), dcol, cols);
    col2im(g, OH, OW, dcol, m, dx + n0 * image);
  }
}

template <class T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db) {
  const int OH = g.OH(), OW = g.OW();
  const int64_t P = int64_t(OH) * OW;
  const int CKK = g.C * g.KH * g.KW;
  if (g.F <= 0) return;
  if (OH <= 0 || OW <= 0 || g.N <= 0) {  // no output: the gradients are zero
    std::fill(dw, dw + int64_t(g.F) * CKK, T(0));
    if (db) std::fill(db, db + g.F, T(0));
    return;
  }
  if (db) {  // same summation order as the naive twin: images, then pixels
#pragma omp parallel for schedule(static)
    for (int f = 0; f < g.F; ++f) {
      T acc = 0;
      for (int n = 0; n < g.N; ++n) {
        const T* d = dy + (int64_t(n) * g.F + f) * P;
        for (int64_t k = 0; k < P; ++k) acc += d[k];
      }
      db[f] = acc;
    }
  }
  if (CKK == 0) return;
  if (pointwise(g)) {
    for (int n = 0; n < g.N; ++n)
      gemm(false, true, g.F, g.C, int(P), T(1), dy + int64_t(n) * g.F * P, int(P),
           x + int64_t(n) * g.C * P, int(P), T(n ? 1 : 0), dw, g.C);
    return;
  }
  const int G = conv_chunk_images(g, sizeof(T));
  T* col = scratch<T>(0, int64_t(CKK) * G * P);
  for (int n0 = 0; n0 < g.N; n0 += G) {
    const int m = std::min(G, g.N - n0);
    const int cols = int(m * P);
    const T* dyn = dy + int64_t(n0) * g.F * P;
    const T* dyc = dyn;
    if (m > 1) {
      T* packed = scratch<T>(1, int64_t(g.F) * cols);
      pack_rows(dyn, m, g.F, P, packed);
      dyc = packed;
    }
    im2col(g, OH, OW, x + int64_t(n0) * g.C * g.H * g.W, m, col);
    gemm(false, true, g.F, CKK, cols, T(1), dyc, cols, col, cols, T(n0 ? 1 : 0), dw, CKK);
  }
}

template void conv2d_forward<float>(const ConvGeom&, const float*, const float*, const float*,
                                    float*);
template void conv2d_forward<double>(const ConvGeom&, const double*, const double*,
                                     const double*, double*);
template void conv2d_backward_input<float>(const ConvGeom&, const float*, const float*, float*);
template void conv2d_backward_input<double>(const ConvGeom&, const double*, const double*,
                                            double*);
template void conv2d_backward_weight<float>(const ConvGeom&, const float*, const float*, float*,
                                            float*);
template void conv2d_backward_weight<double>(const ConvGeom&, const double*, const double*,
                                             double*, double*);

}  // namespace fg
