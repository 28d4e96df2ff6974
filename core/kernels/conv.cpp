// The fast convolution kernels: unfolding and folding around fg::gemm.
//
// Notation: P = OH*OW output pixels per image, CKK = C*KH*KW entries per
// receptive field. A chunk of G images is unfolded ("im2col") into
//
//   COL : CKK x (G*P), row-major, COL[(c,u,v), m*P + i*OW + j]
//         = x[n0+m, c, i*s - p + u, j*s - p + v]   (zero outside the image)
//
// so the images of the chunk lie side by side along the columns. With W the
// F x CKK filter matrix and Y' (F x G*P) the outputs of the chunk in the
// same column order:
//
//   forward         Y'  = W * COL          then Y' -> NCHW y, plus bias
//   backward, data  DCOL = W^T * DY'       then col2im: dx = sum of DCOL
//                                          entries that came from each pixel
//   backward, filter DW += DY' * COL^T     db = sum of dy
//
// The forward writes COL straight in the panel layout the GEMM reads
// (gemm_packed_ab), so COL is not copied again; the
// filters are packed once per call for all chunks (GemmPackedA). Where its
// taps are straight runs, it unfolds and multiplies a block of columns at a
// time, and its chunks are larger (conv_forward_block_cols and
// conv_forward_chunk_images in conv_tuning.hpp). With
// enough input channels (conv_channel_last_input/_weight, conv_tuning.hpp)
// the backward products take the rows of COL in (u, v, c) order instead
// (conv_unfold_hwc.hpp), with the images channel-last: the weight gradient
// writes COL^T straight into the GEMM's panels as one run of C values per
// tap and output pixel, and puts the columns of DW back in the order of w
// when the slabs are added; the data gradient computes DCOL^T = DY'^T W^T,
// a row per output pixel, and adds it back tap by tap as runs of C values.
// For a chunk of one image Y' and DY' are the image's own F x P block of
// the NCHW tensor, so nothing is copied. A 1x1 convolution with stride 1
// and no padding needs no unfolding: image n is already its own C x P
// column matrix.
//
// The chunk size G (conv_chunk_images(), see conv_tuning.hpp) keeps COL
// small enough to stay in cache, so unfolding, the GEMM that reads COL and
// the copies in and out of NCHW all work in cache. When there are enough
// chunks for every thread, the threads take whole chunks (each unfolds and
// multiplies on its own, a single-threaded GEMM); otherwise the chunks run
// one after the other, each GEMM using all threads. The weight gradient is
// summed per slab (a fixed range of chunks) into its own buffer, and the
// slabs are added in slab order, so the result does not depend on which
// thread ran what. Scratch buffers are kept per thread and reused, so a
// training loop does not allocate them at every step.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/conv_tuning.hpp"
#include "core/kernels/conv_unfold.hpp"
#include "core/kernels/conv_unfold_hwc.hpp"
#include "core/kernels/gemm.hpp"
#include "core/kernels/winograd.hpp"

namespace fg {

using namespace conv_detail;

namespace {

using tuning::round_up;

std::atomic<std::size_t> g_col_budget{tuning::kConvColBudget};
std::atomic<std::size_t> g_forward_block{tuning::kConvForwardBlockBytes};

// The scratch buffers of a thread, by what they hold. One call uses each
// for one thing; the next call reuses it.
enum class Scratch {
  Columns,      // a chunk's unfolded columns (COL, its panels, or DCOL)
  OutputRows,   // a chunk's F x G*P output or output gradient, columns in COL's order
  Filters,      // W^T packed tap-major, or the weight gradient's slabs
  ChannelLast,  // a chunk's images channel-last, or one row of the unfolding
  Count
};

// The calling thread's buffer for `role`, at least n long and aligned to
// 64 bytes (packed GEMM panels are read with aligned loads).
template <class T>
T* scratch(Scratch role, int64_t n) {
  constexpr int64_t extra = 64 / sizeof(T);
  thread_local std::vector<T> buf[int(Scratch::Count)];
  std::vector<T>& b = buf[int(role)];
  if (int64_t(b.size()) < n + extra) b.resize(n + extra);
  const auto p = reinterpret_cast<std::uintptr_t>(b.data());
  return reinterpret_cast<T*>((p + 63) / 64 * 64);
}

// Images whose columns fit in `budget` bytes: at least 1, at most N.
int chunk_images(const ConvGeom& g, std::size_t elem_bytes, std::size_t budget) {
  if (g.N <= 1 || g.OH() <= 0 || g.OW() <= 0) return 1;
  const int64_t per_image = int64_t(g.C) * g.KH * g.KW * g.OH() * g.OW() * int64_t(elem_bytes);
  if (per_image <= 0) return g.N;  // no input channels: nothing to unfold
  const int64_t fit = int64_t(budget) / per_image;
  return int(std::max<int64_t>(1, std::min<int64_t>(fit, g.N)));
}

bool pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.stride == 1 && g.pad == 0;
}

// How a batch is cut: chunks of G images (the last may be shorter), and
// whether the threads share out whole chunks (`spread`) or each chunk's
// GEMM uses them all.
struct Chunks {
  int G, count;
  bool spread;
  int images(int k, int N) const { return std::min(G, N - k * G); }
};

Chunks plan(const ConvGeom& g, std::size_t elem_bytes, int G = 0) {
  Chunks c;
  c.G = G > 0 ? G : conv_chunk_images(g, elem_bytes);
  c.count = (g.N + c.G - 1) / c.G;
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  c.spread = nt > 1 && c.count >= 2 * nt;
  return c;
}

// One chunk of the forward: y of images [n0, n0 + m).
template <class T>
void forward_chunk(const ConvGeom& g, int OH, int OW, const T* x, const GemmPackedA<T>& w,
                   const T* b, T* y, int n0, int m, int64_t block_cols) {
  const int64_t P = int64_t(OH) * OW;
  const int CKK = g.C * g.KH * g.KW, cols = int(m * P), NR = gemm_panel_width<T>();
  T* yn = y + int64_t(n0) * g.F * P;
  T* out = m == 1 ? yn : scratch<T>(Scratch::OutputRows, int64_t(g.F) * cols);
  const T* xn = x + int64_t(n0) * g.C * g.H * g.W;
  if (block_cols > 0 && make_tap(g, OH, OW, 0, 0).straight) {
    // A block of columns at a time, unfolded and multiplied while in cache.
    T* panels =
        scratch<T>(Scratch::Columns, round_up(std::min<int64_t>(cols, block_cols), NR) * CKK);
    for (int64_t c0 = 0; c0 < cols; c0 += block_cols) {
      const int64_t c1 = std::min<int64_t>(cols, c0 + block_cols);
      straight_panels(g, OH, OW, xn, c0, c1, NR, panels);
      gemm_packed_ab(w, panels, int(c1 - c0), T(1), T(0), out + c0, cols);
    }
  } else {
    T* panels = scratch<T>(Scratch::Columns, round_up(int64_t(cols), NR) * CKK);
    im2col_panels(g, OH, OW, xn, m, NR, panels, scratch<T>(Scratch::ChannelLast, P));
    gemm_packed_ab(w, panels, cols, T(1), T(0), out, cols);
  }
  unpack_rows(out, m, g.F, P, b, yn);
}

// One chunk of the backward to the input: dx of images [n0, n0 + m).
// Channel-last (wt: W^T packed once, rows in (u, v, c) order): DCOL^T =
// DY'^T * W^T has a row per output pixel, whose taps fold back as runs of
// C values onto the channel-last dx, turned into NCHW at the end. Else
// (pwt: W^T packed once in (c, u, v) order): DCOL = W^T * DY', then col2im.
template <class T>
void backward_input_chunk(const ConvGeom& g, int OH, int OW, const T* dy, const T* wt,
                          const GemmPackedA<T>* pwt, T* dx, int n0, int m) {
  const int64_t P = int64_t(OH) * OW, image = int64_t(g.C) * g.H * g.W;
  const int CKK = g.C * g.KH * g.KW, cols = int(m * P);
  const T* dyc = dy + int64_t(n0) * g.F * P;
  if (m > 1) {
    T* packed = scratch<T>(Scratch::OutputRows, int64_t(g.F) * cols);
    pack_rows(dyc, m, g.F, P, packed);
    dyc = packed;
  }
  T* dcol = scratch<T>(Scratch::Columns, int64_t(CKK) * cols);
  if (pwt) {
    gemm_packed_a(*pwt, false, cols, T(1), dyc, cols, T(0), dcol, cols);
    col2im(g, OH, OW, dcol, m, dx + n0 * image);
    return;
  }
  gemm_packed_b(true, cols, CKK, g.F, T(1), dyc, cols, wt, T(0), dcol, CKK);
  T* dxt = scratch<T>(Scratch::ChannelLast, m * image);
  std::fill(dxt, dxt + m * image, T(0));
  fold_rows(g, OH, OW, dcol, m, dxt);
  from_channel_last(dxt, m, g.C, int64_t(g.H) * g.W, dx + n0 * image);
}

// One chunk of the backward to the filters: acc = beta * acc + the
// chunk's DY' * COL^T (F x CKK). Channel-last: COL^T unfolded straight into
// the GEMM's panels, the columns of acc in (u, v, c) order (see
// conv_unfold_hwc.hpp); else COL unfolded row by row and packed by the
// GEMM, the columns in (c, u, v) order.
template <class T>
void backward_weight_chunk(const ConvGeom& g, int OH, int OW, const T* x, const T* dy, T* acc,
                           int n0, int m, T beta, bool channel_last) {
  const int64_t P = int64_t(OH) * OW, image = int64_t(g.C) * g.H * g.W;
  const int CKK = g.C * g.KH * g.KW, cols = int(m * P), NR = gemm_panel_width<T>();
  const T* dyc = dy + int64_t(n0) * g.F * P;
  if (m > 1) {
    T* packed = scratch<T>(Scratch::OutputRows, int64_t(g.F) * cols);
    pack_rows(dyc, m, g.F, P, packed);
    dyc = packed;
  }
  if (!channel_last) {
    T* col = scratch<T>(Scratch::Columns, int64_t(CKK) * cols);
    im2col(g, OH, OW, x + n0 * image, m, col);
    gemm(false, true, g.F, CKK, cols, T(1), dyc, cols, col, cols, beta, acc, CKK);
    return;
  }
  T* xt = scratch<T>(Scratch::ChannelLast, m * image);
  to_channel_last(x + n0 * image, m, g.C, int64_t(g.H) * g.W, xt);
  T* panels = scratch<T>(Scratch::Columns, round_up(int64_t(CKK), NR) * cols);
  im2row_panels(g, OH, OW, xt, m, NR, panels);
  gemm_packed_b(false, g.F, CKK, cols, T(1), dyc, cols, panels, beta, acc, CKK);
}

// db[f] = sum of dy over images and pixels. One running sum would be a
// chain of dependent adds (a few cycles each); kLanes sums, entry k of
// every plane going to sum k % kLanes, vectorise and overlap. The lanes
// are added in a fixed order, so the result depends on nothing but dy.
template <class T>
void bias_gradient(const ConvGeom& g, int64_t P, const T* dy, T* db) {
  constexpr int kLanes = tuning::kBiasGradientLanes;
#pragma omp parallel for schedule(static)
  for (int f = 0; f < g.F; ++f) {
    T lane[kLanes] = {};
    for (int n = 0; n < g.N; ++n) {
      const T* d = dy + (int64_t(n) * g.F + f) * P;
      int64_t k = 0;
      for (; k + kLanes <= P; k += kLanes)
        for (int l = 0; l < kLanes; ++l) lane[l] += d[k + l];
      for (int l = 0; k < P; ++k, ++l) lane[l] += d[k];
    }
    for (int w = kLanes / 2; w > 0; w /= 2)
      for (int l = 0; l < w; ++l) lane[l] += lane[l + w];
    db[f] = lane[0];
  }
}

}  // namespace

std::size_t conv_col_budget() { return g_col_budget.load(); }
void set_conv_col_budget(std::size_t bytes) { g_col_budget.store(bytes); }

int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes) {
  return chunk_images(g, elem_bytes, conv_col_budget());
}

int conv_forward_chunk_images(const ConvGeom& g, std::size_t elem_bytes) {
  const int wide = chunk_images(g, elem_bytes, conv_col_budget() * tuning::kConvForwardChunkScale);
  // The chunk's output (F x G*P, before it goes to NCHW) within the budget
  const int64_t out_image = int64_t(g.F) * g.OH() * g.OW() * int64_t(elem_bytes);
  const int64_t out_fit = out_image > 0 ? int64_t(conv_col_budget()) / out_image : wide;
  return std::max(conv_chunk_images(g, elem_bytes), int(std::min<int64_t>(wide, out_fit)));
}

std::size_t conv_forward_block_bytes() { return g_forward_block.load(); }
void set_conv_forward_block_bytes(std::size_t bytes) { g_forward_block.store(bytes); }

int64_t conv_forward_block_cols(const ConvGeom& g, int NR, std::size_t elem_bytes) {
  const int64_t bytes = int64_t(conv_forward_block_bytes());
  const int64_t column = int64_t(g.C) * g.KH * g.KW * int64_t(elem_bytes);
  if (bytes <= 0 || column <= 0) return 0;
  return std::max<int64_t>(1, bytes / column / NR) * NR;
}

bool conv_channel_last_input(const ConvGeom& g) { return g.C >= tuning::kConvChannelLastInputFrom; }
bool conv_channel_last_weight(const ConvGeom& g) {
  return g.C >= tuning::kConvChannelLastWeightFrom;
}

template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  if (int m = conv_winograd_tile(g, ConvPass::forward)) return winograd_forward(g, m, x, w, b, y);
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
  Chunks c = plan(g, sizeof(T));
  const GemmPackedA<T> pw(false, g.F, CKK, w, CKK);  // W, packed once for every chunk
  // Blocks of columns, and then larger chunks (see conv_tuning.hpp), unless
  // each chunk's GEMM runs on a team of threads.
  const bool team = !c.spread && !omp_in_parallel() && omp_get_max_threads() > 1;
  int64_t block = 0;
  if (!team && make_tap(g, OH, OW, 0, 0).straight) {
    block = conv_forward_block_cols(g, gemm_panel_width<T>(), sizeof(T));
    // At least kConvChunksPerThread chunks per thread when they are shared
    // out: with fewer, one thread may get a whole chunk more than another.
    const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
    const int even = std::max(c.G, g.N / (tuning::kConvChunksPerThread * nt));
    const Chunks wide = plan(g, sizeof(T), std::min(even, conv_forward_chunk_images(g, sizeof(T))));
    if (block > 0 && wide.spread == c.spread) c = wide;
  }
#pragma omp parallel for schedule(dynamic, 1) if (c.spread)
  for (int k = 0; k < c.count; ++k)
    forward_chunk(g, OH, OW, x, pw, b, y, k * c.G, c.images(k, g.N), block);
}

template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  if (int m = conv_winograd_tile(g, ConvPass::data)) return winograd_backward_input(g, m, dy, w, dx);
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
  const Chunks c = plan(g, sizeof(T));
  // W^T, packed once for every chunk, for one way or the other
  const int NR = gemm_panel_width<T>();
  std::unique_ptr<GemmPackedA<T>> pwt;
  T* wt = nullptr;
  if (conv_channel_last_input(g)) {
    wt = scratch<T>(Scratch::Filters, round_up(int64_t(CKK), NR) * g.F);
    pack_filters_tap_major(g, w, NR, wt);
  } else {
    pwt.reset(new GemmPackedA<T>(true, CKK, g.F, w, CKK));
  }
#pragma omp parallel for schedule(dynamic, 1) if (c.spread)
  for (int k = 0; k < c.count; ++k)
    backward_input_chunk(g, OH, OW, dy, wt, pwt.get(), dx, k * c.G, c.images(k, g.N));
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
  if (db) bias_gradient(g, P, dy, db);
  if (CKK == 0) return;
  if (int m = conv_winograd_tile(g, ConvPass::weight)) return winograd_backward_weight(g, m, x, dy, dw);
  if (pointwise(g)) {
    for (int n = 0; n < g.N; ++n)
      gemm(false, true, g.F, g.C, int(P), T(1), dy + int64_t(n) * g.F * P, int(P),
           x + int64_t(n) * g.C * P, int(P), T(n ? 1 : 0), dw, g.C);
    return;
  }
  // Slab s (one under set_fixed_order_sums) sums chunks [count*s/S, count*(s+1)/S) into
  // an F x CKK block, (u, v, c) columns; the blocks go into dw in slab order, (c, u, v) columns.
  const Chunks c = plan(g, sizeof(T));
  const int S = c.spread && !fixed_order_sums() ? std::min(c.count, tuning::kConvWeightSlabs) : 1;
  const int KK = g.KH * g.KW;
  const bool tap_major = conv_channel_last_weight(g);
  const int64_t size = int64_t(g.F) * CKK;
  T* parts = scratch<T>(Scratch::Filters, S * size);
#pragma omp parallel if (c.spread)
  {
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < S; ++s)
      for (int k = c.count * s / S, end = c.count * (s + 1) / S; k < end; ++k)
        backward_weight_chunk(g, OH, OW, x, dy, parts + s * size, k * c.G, c.images(k, g.N),
                              T(k > c.count * s / S ? 1 : 0), tap_major);
#pragma omp for schedule(static)
    for (int f = 0; f < g.F; ++f)
      for (int t = 0; t < KK; ++t)
        for (int ch = 0; ch < g.C; ++ch) {
          const int64_t from =
              int64_t(f) * CKK + (tap_major ? int64_t(t) * g.C + ch : int64_t(ch) * KK + t);
          T sum = parts[from];
          for (int s = 1; s < S; ++s) sum += parts[s * size + from];
          dw[int64_t(f) * CKK + int64_t(ch) * KK + t] = sum;
        }
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
