// Winograd convolution (see winograd.hpp): one function per stage.
//
//   transform_filters  U[xi] = (G w G^T)[xi]           alpha^2 matrices Fo x Ci
//   transform_tiles    V[xi] = (B^T d B)[xi]           per block of tiles: Ci x tiles
//   (alpha^2 GEMMs)    Mb[xi] = U[xi] V[xi]            Fo x tiles
//   transform_outputs  y tile = A^T Mb A (+ bias)      cropped at the image's edge
//
// and for the weight gradient, with the matrices of F(r, m):
//
//   transform_tiles    V[xi]  as above                 Ci x tiles
//   transform_tiles    D[xi] = (G dy G^T)[xi]          Fo x tiles (m x m windows of dy)
//   (alpha^2 GEMMs)    S[xi] += D[xi] V[xi]^T          Fo x Ci, summed over all tiles
//   transform_weights  dw = A^T S A                    r x r per filter and channel
//
// Tile t = (n TH + th) TW + tw covers outputs [th m, th m + m) x [tw m, tw m + m)
// of image n and reads inputs from (th m - pad, tw m - pad) on, reading zeros
// outside the image. The threads take blocks of tiles; the blocks' size keeps
// their V and Mb within kBlockBytes, so they stay in the core's cache.
// The weight gradient sums blocks in kSlabs fixed slabs, added in slab
// order: the result does not depend on which thread ran what. Its blocks
// are larger (V and D within kWeightBlockBytes): a block's tiles are the
// inner dimension of its GEMMs, each of which reads and writes a whole
// F x C slab, so more tiles per block mean fewer passes over the slabs.
#include "core/kernels/winograd.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/kernels/lanes.hpp"
#include "core/kernels/winograd_tiles.hpp"
#include "core/kernels/winograd_transforms.hpp"

namespace fg {

namespace {

using namespace winograd_detail;

constexpr std::size_t kBlockBytes = std::size_t(1) << 20;
// 4 MiB: on the 128->128 7x7 layer at batch 32, one thread, the weight
// gradient took 4.3 ms against 5.0 ms with blocks of 1 MiB (medians of
// three alternating runs of bench_conv --winograd-only --batch 32); the six
// layers' weight gradients together, 18.1 against 18.3 ms.
constexpr std::size_t kWeightBlockBytes = std::size_t(4) << 20;
constexpr int kSlabs = 4;

template <class T>
struct Mats {  // the matrices of F(m, r) in T
  std::vector<T> AT, G, BT;
  Mats(int m, int r) {
    const WinogradMatrices w = winograd_matrices(m, r);
    AT.assign(w.AT.begin(), w.AT.end());
    G.assign(w.G.begin(), w.G.end());
    BT.assign(w.BT.begin(), w.BT.end());
  }
};

// out (P x P) = M (P x Q) x (Q x Q) M^T, every entry of x and out a Lanes:
// the input and filter transforms (P = alpha) and the output transform
// (P = m or r, Q = alpha) are all this one sandwich. Each entry of M
// multiplies a whole row (or column) of vectors, so a zero entry, a third
// of F(4, 5)'s B^T, is skipped with one test.
template <class T, int P, int Q>
inline void sandwich(const T* M, const Lanes<T>* x, Lanes<T>* out) {
  Lanes<T> tmp[P * Q];  // M x, row by row
  for (int p = 0; p < P; ++p) {
    Lanes<T> row[Q] = {};
    for (int u = 0; u < Q; ++u) {
      const T c = M[p * Q + u];
      if (c == T(0)) continue;
      for (int q = 0; q < Q; ++q) row[q] += c * x[u * Q + q];
    }
    for (int q = 0; q < Q; ++q) tmp[p * Q + q] = row[q];
  }
  for (int r = 0; r < P; ++r) {  // (M x) M^T, column by column
    Lanes<T> col[P] = {};
    for (int q = 0; q < Q; ++q) {
      const T c = M[r * Q + q];
      if (c == T(0)) continue;
      for (int p = 0; p < P; ++p) col[p] += c * tmp[p * Q + q];
    }
    for (int p = 0; p < P; ++p) out[p * P + r] = col[p];
  }
}

// U[(xi Fo + o) Ci + i] = (G g_oi G^T)[xi], with g_oi = w[o][i] (w: Fo x Ci
// x R x R) or, when flipped, w[i][o] turned by 180 degrees (w: Ci x Fo x R x R).
template <class T, int A, int R>
void transform_filters(const T* G, int Fo, int Ci, const T* w, bool flipped, T* U) {
  const int64_t pairs = int64_t(Fo) * Ci;
#pragma omp parallel for schedule(static) if (!omp_in_parallel() && pairs >= 256)
  for (int64_t p0 = 0; p0 < pairs; p0 += kLanes) {
    Lanes<T> g[R * R] = {}, t[A * A];
    const int nl = int(std::min<int64_t>(kLanes, pairs - p0));
    for (int l = 0; l < nl; ++l) {
      const int o = int((p0 + l) / Ci), i = int((p0 + l) % Ci);
      const T* src = w + (flipped ? int64_t(i) * Fo + o : int64_t(o) * Ci + i) * R * R;
      for (int k = 0; k < R * R; ++k) g[k][l] = flipped ? src[R * R - 1 - k] : src[k];
    }
    sandwich<T, A, R>(G, g, t);
    for (int xi = 0; xi < A * A; ++xi)
      for (int l = 0; l < nl; ++l) U[int64_t(xi) * pairs + p0 + l] = t[xi][l];
  }
}

// Out[(xi P + p) ld + j] = (X d X^T)[xi] for tiles t0 + j, j < count, with
// d the K x K window of plane p that the tile reads (src: P planes an
// image); buf holds pd's planes. Two stages are this one: the input tiles
// V (X = B^T, K = alpha, src = x, P = C) and the weight gradient's tiles of
// the output gradient D (X = G, K = m, src = dy, P = F; zeros past the edge).
template <class T, int A, int K>
void transform_tiles(const Tiling& tl, const T* X, const T* src, int P, int64_t t0, int count,
                     int ld, T* out, Padded& pd, T* buf) {
  pd.cover(tl, t0, count, buf);
  const int groups = (count + kLanes - 1) / kLanes;
  int64_t* at = scratch<int64_t>(0, int64_t(groups) * kLanes);
  for (int j0 = 0, k = 0; j0 < count; j0 += kLanes, ++k)
    pd.starts(tl, t0 + j0, std::min(kLanes, count - j0), at + k * kLanes);
  for (int p = 0; p < P; ++p) {
    pd.fill(src, P, p, buf);
    for (int j0 = 0, k = 0; j0 < count; j0 += kLanes, ++k) {
      const int nl = std::min(kLanes, count - j0);
      Lanes<T> d[K * K], v[A * A];
      gather<T, K>(buf, pd.Wp, at + k * kLanes, d);
      sandwich<T, A, K>(X, d, v);
      for (int xi = 0; xi < A * A; ++xi)
        store_lanes(v[xi], nl, out + xi * tl.stride(P) + int64_t(p) * ld + j0);
    }
  }
}

// y tiles t0 + j, j < count, of every filter: A^T Mb A plus the bias,
// cropped at the image's edge.
template <class T, int A, int M>
void transform_outputs(const ConvGeom& g, const Tiling& tl, const T* AT, const T* Mb, int64_t t0,
                       int count, int ld, const T* b, T* y) {
  const int OH = g.OH(), OW = g.OW();
  for (int j0 = 0; j0 < count; j0 += kLanes) {
    const int nl = std::min(kLanes, count - j0);
    int64_t first[kLanes];  // each tile's first output in filter 0's plane
    int rows[kLanes], cols[kLanes];
    for (int l = 0; l < nl; ++l) {
      const TileAt at(tl, t0 + j0 + l);
      rows[l] = std::min(M, OH - at.th * M), cols[l] = std::min(M, OW - at.tw * M);
      first[l] = (int64_t(at.n) * g.F * OH + at.th * M) * OW + at.tw * M;
    }
    for (int f = 0; f < g.F; ++f) {
      Lanes<T> mt[A * A], out[M * M];
      for (int xi = 0; xi < A * A; ++xi)
        load_lanes(Mb + xi * tl.stride(g.F) + int64_t(f) * ld + j0, nl, mt[xi]);
      sandwich<T, M, A>(AT, mt, out);
      if (b)
        for (int k = 0; k < M * M; ++k) out[k] += b[f];
      for (int l = 0; l < nl; ++l) {
        T* dst = y + first[l] + int64_t(f) * OH * OW;
        // Whole tiles (most of them) take the same loop with constant bounds,
        // unrolled: the 32->32 28x28 forward and data gradient at batch 32
        // took about a tenth longer through the general loop alone.
        if (rows[l] == M && cols[l] == M) {
          for (int u = 0; u < M; ++u)
            for (int v = 0; v < M; ++v) dst[int64_t(u) * OW + v] = out[u * M + v][l];
          continue;
        }
        for (int u = 0; u < rows[l]; ++u)
          for (int v = 0; v < cols[l]; ++v) dst[int64_t(u) * OW + v] = out[u * M + v][l];
      }
    }
  }
}

// dw[f][c] = A^T S[.][f][c] A, S the sum of the kS slabs of A^2 F C each.
template <class T, int A, int R>
void transform_weights(const ConvGeom& g, const T* AT, const T* S, int kS, T* dw) {
  const int64_t pairs = int64_t(g.F) * g.C, size = int64_t(A) * A * pairs;
#pragma omp parallel for schedule(static) if (!omp_in_parallel() && pairs >= 256)
  for (int64_t p0 = 0; p0 < pairs; p0 += kLanes) {
    const int nl = int(std::min<int64_t>(kLanes, pairs - p0));
    Lanes<T> mt[A * A] = {}, out[R * R];
    for (int xi = 0; xi < A * A; ++xi)
      for (int k = 0; k < kS; ++k) {  // slab order, as the sums are defined
        Lanes<T> s = {};
        load_lanes(S + k * size + xi * pairs + p0, nl, s);
        mt[xi] = k ? mt[xi] + s : s;
      }
    sandwich<T, R, A>(AT, mt, out);
    for (int l = 0; l < nl; ++l)
      for (int k = 0; k < R * R; ++k) dw[(p0 + l) * R * R + k] = out[k][l];
  }
}

// The forward on g with tiles of M x M, the filters given as Fo x Ci x R x R
// (or, flipped, as Ci x Fo x R x R; see transform_filters).
template <class T, int M, int R>
void forward(const ConvGeom& g, const T* x, const T* w, bool flipped, const T* b, T* y) {
  constexpr int A = M + R - 1;
  const Mats<T> mt(M, R);
  T* U = scratch<T>(3, int64_t(A) * A * g.F * g.C);  // the caller's, not the team's
  transform_filters<T, A, R>(mt.G.data(), g.F, g.C, w, flipped, U);
  std::vector<GemmPackedA<T>> packed;  // U[xi], packed once for every block
  packed.reserve(A * A);
  for (int xi = 0; xi < A * A; ++xi)
    packed.emplace_back(false, g.F, g.C, U + int64_t(xi) * g.F * g.C, g.C);
  const Tiling tl(g, M, A, g.C + g.F, sizeof(T), kBlockBytes);
  const int ld = tl.block;
#pragma omp parallel for schedule(dynamic, 1) if (!omp_in_parallel() && tl.blocks > 1)
  for (int64_t k = 0; k < tl.blocks; ++k) {
    const int64_t t0 = k * tl.block;
    const int count = int(std::min<int64_t>(tl.block, tl.tiles - t0));
    T* V = scratch<T>(0, A * A * tl.stride(g.C));
    T* Mb = scratch<T>(1, A * A * tl.stride(g.F));
    Padded pd(g.H, g.W, g.pad, g.pad, tl, A);
    T* buf = scratch<T>(2, tl.images_max() * pd.plane());
    transform_tiles<T, A, A>(tl, mt.BT.data(), x, g.C, t0, count, ld, V, pd, buf);
    for (int xi = 0; xi < A * A; ++xi)
      gemm_packed_a(packed[xi], false, count, T(1), V + xi * tl.stride(g.C), ld, T(0),
           Mb + xi * tl.stride(g.F), ld);
    transform_outputs<T, A, M>(g, tl, mt.AT.data(), Mb, t0, count, ld, b, y);
  }
}

template <class T, int M, int R>
void weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  constexpr int A = M + R - 1;
  const Mats<T> mt(R, M);  // F(r, m): r outputs of an m-tap correlation
  const Tiling tl(g, M, A, g.C + g.F, sizeof(T), kWeightBlockBytes);
  const int ld = tl.block, kS = int(std::min<int64_t>(kSlabs, tl.blocks));
  const int64_t size = int64_t(A) * A * g.F * g.C;
  T* S = scratch<T>(3, kS * size);  // the caller's; each slab's first block overwrites it
#pragma omp parallel for schedule(dynamic, 1) if (!omp_in_parallel() && kS > 1)
  for (int s = 0; s < kS; ++s) {
    const int64_t first = tl.blocks * s / kS, end = tl.blocks * (s + 1) / kS;
    for (int64_t k = first; k < end; ++k) {
      const int64_t t0 = k * tl.block;
      const int count = int(std::min<int64_t>(tl.block, tl.tiles - t0));
      T* V = scratch<T>(0, A * A * tl.stride(g.C));
      T* D = scratch<T>(1, A * A * tl.stride(g.F));
      Padded px(g.H, g.W, g.pad, g.pad, tl, A), pdy(g.OH(), g.OW(), 0, 0, tl, M);
      T* buf = scratch<T>(2, tl.images_max() * std::max(px.plane(), pdy.plane()));
      transform_tiles<T, A, A>(tl, mt.BT.data(), x, g.C, t0, count, ld, V, px, buf);
      transform_tiles<T, A, M>(tl, mt.G.data(), dy, g.F, t0, count, ld, D, pdy, buf);
      for (int xi = 0; xi < A * A; ++xi)
        gemm(false, true, g.F, g.C, count, T(1), D + xi * tl.stride(g.F), ld,
             V + xi * tl.stride(g.C), ld, T(k > first ? 1 : 0),
             S + s * size + int64_t(xi) * g.F * g.C, g.C);
    }
  }
  transform_weights<T, A, R>(g, mt.AT.data(), S, kS, dw);
}

// Calls fn(M, R) with M and R as compile-time constants.
template <class Fn>
void with_tile(int m, int r, Fn&& fn) {
  using I2 = std::integral_constant<int, 2>;
  using I4 = std::integral_constant<int, 4>;
  using I3 = std::integral_constant<int, 3>;
  using I5 = std::integral_constant<int, 5>;
  if (m == 2 && r == 3) fn(I2{}, I3{});
  else if (m == 4 && r == 3) fn(I4{}, I3{});
  else if (m == 2 && r == 5) fn(I2{}, I5{});
  else fn(I4{}, I5{});
}

}  // namespace

bool winograd_supported(const ConvGeom& g, int m) {
  const int r = g.KH;
  return g.stride == 1 && g.KW == r && (r == 3 || r == 5) && (m == 2 || m == 4) && g.pad >= 0 &&
         g.pad <= r - 1 && g.N > 0 && g.C > 0 && g.F > 0 && g.OH() > 0 && g.OW() > 0;
}

template <class T>
void winograd_forward(const ConvGeom& g, int m, const T* x, const T* w, const T* b, T* y) {
  with_tile(m, g.KH, [&](auto M, auto R) { forward<T, M(), R()>(g, x, w, false, b, y); });
}

template <class T>
void winograd_backward_input(const ConvGeom& g, int m, const T* dy, const T* w, T* dx) {
  // dx = the full correlation of dy with the turned filters, channels swapped.
  const ConvGeom back{g.N, g.F, g.OH(), g.OW(), g.C, g.KH, g.KW, 1, g.KH - 1 - g.pad};
  with_tile(m, g.KH, [&](auto M, auto R) { forward<T, M(), R()>(back, dy, w, true, nullptr, dx); });
}

template <class T>
void winograd_backward_weight(const ConvGeom& g, int m, const T* x, const T* dy, T* dw) {
  with_tile(m, g.KH, [&](auto M, auto R) { weight<T, M(), R()>(g, x, dy, dw); });
}

template void winograd_forward<float>(const ConvGeom&, int, const float*, const float*,
                                      const float*, float*);
template void winograd_forward<double>(const ConvGeom&, int, const double*, const double*,
                                       const double*, double*);
template void winograd_backward_input<float>(const ConvGeom&, int, const float*, const float*,
                                             float*);
template void winograd_backward_input<double>(const ConvGeom&, int, const double*,
                                              const double*, double*);
template void winograd_backward_weight<float>(const ConvGeom&, int, const float*, const float*,
                                              float*);
template void winograd_backward_weight<double>(const ConvGeom&, int, const double*,
                                               const double*, double*);

}  // namespace fg
