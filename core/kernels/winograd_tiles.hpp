// The tiles of the Winograd convolution (winograd.cpp), and the buffers
// its stages work in: which tiles a block holds (Tiling, TileAt), the zero-
// bordered copy of the planes a block reads (Padded), the gather of a
// window for 16 tiles at once (gather, one tile per vector lane) and each
// thread's scratch buffers. Only winograd.cpp includes this header.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/lanes.hpp"

namespace fg {
namespace winograd_detail {

// Scratch buffer `slot` of the calling thread, at least n long, aligned to
// 64 bytes (a cache line), kept for the next call. Slots 0 to 2 serve each
// thread of a team (a block's V, its Mb or D, its padded planes; slot 0 of
// int64_t its window starts), slot 3 the caller (the filters U, or the
// weight gradient's slabs S).
template <class T>
T* scratch(int slot, int64_t n) {
  constexpr int64_t extra = 64 / sizeof(T);
  thread_local std::vector<T> buf[4];
  if (int64_t(buf[slot].size()) < n + extra) buf[slot].resize(n + extra);
  const auto p = reinterpret_cast<std::uintptr_t>(buf[slot].data());
  return reinterpret_cast<T*>((p + 63) / 64 * 64);
}

struct Tiling {
  int m, TH, TW;
  int64_t tiles;  // N TH TW
  int block;      // tiles per block
  int64_t blocks;
  // Distance between the alpha^2 matrices of `rows` rows and `block`
  // columns of one block: 16 entries (one or two cache lines) more than
  // their size, or with a power-of-two size they would all fall in the same
  // set of the L1 cache (the transforms touch one entry of each in turn).
  int64_t stride(int rows) const { return int64_t(rows) * block + 64 / 4; }
  Tiling(const ConvGeom& g, int m_, int alpha, int channels, std::size_t elem, std::size_t budget)
      : m(m_) {
    TH = (g.OH() + m - 1) / m, TW = (g.OW() + m - 1) / m;
    tiles = int64_t(g.N) * TH * TW;
    const int64_t per_tile = int64_t(alpha) * alpha * channels * int64_t(elem);
    // A whole number of lane groups (16 tiles), at least one.
    const int64_t fit = std::min<int64_t>(tiles + 15, int64_t(budget) / per_tile);
    block = int(std::max<int64_t>(16, fit / 16 * 16));
    blocks = (tiles + block - 1) / block;
  }
  // The most images the tiles of one block can reach into.
  int images_max() const {
    const int64_t per_image = int64_t(TH) * TW;
    return int(std::min<int64_t>(tiles / per_image, (block + per_image - 1) / per_image + 1));
  }
};

// The transforms work on kLanes tiles at once: Lanes<T> holds one value
// per tile (a GCC vector, so the arithmetic below runs on whole vectors and
// the partial sums stay in registers).
constexpr int kLanes = 16;
template <class T>
using Lanes = VectorLanes<T, kLanes>;

// The first nl lanes of v to dst, and back (whole vectors when nl is kLanes).
template <class T>
inline void store_lanes(const Lanes<T>& v, int nl, T* dst) {
  if (nl == kLanes) std::memcpy(dst, &v, sizeof v);
  else for (int l = 0; l < nl; ++l) dst[l] = v[l];
}
template <class T>
inline void load_lanes(const T* src, int nl, Lanes<T>& v) {
  if (nl == kLanes) std::memcpy(&v, src, sizeof v);
  else for (int l = 0; l < nl; ++l) v[l] = src[l];
}

// Image and tile row and column of tile t.
struct TileAt {
  int n, th, tw;
  TileAt(const Tiling& tl, int64_t t)
      : n(int(t / (int64_t(tl.TH) * tl.TW))), th(int(t / tl.TW % tl.TH)), tw(int(t % tl.TW)) {}
};

// The planes of one channel that a block of tiles reads, copied with a
// zero border so that every tile's window lies inside and the gathers need
// no test at the edge: images n0 .. n0 + images - 1 of that channel, each
// as Hp x Wp with the image's (rows x cols) from (top, left) on. Tile
// (n, th, tw)'s window starts at (n - n0) Hp Wp + th m Wp + tw m.
struct Padded {
  int rows, cols, top, left, Hp, Wp;
  int n0 = 0, images = 0;
  // Windows of K x K from (th m - top, tw m - left) on for every tile of tl.
  Padded(int rows_, int cols_, int top_, int left_, const Tiling& tl, int K)
      : rows(rows_), cols(cols_), top(top_), left(left_),
        Hp((tl.TH - 1) * tl.m + K), Wp((tl.TW - 1) * tl.m + K) {}
  int64_t plane() const { return int64_t(Hp) * Wp; }
  // Tiles t0 .. t0 + count - 1 read images n0 .. n0 + images - 1; their
  // borders in buf are zeroed here, once for all channels.
  template <class T>
  void cover(const Tiling& tl, int64_t t0, int count, T* buf) {
    n0 = TileAt(tl, t0).n;
    images = TileAt(tl, t0 + count - 1).n - n0 + 1;
    std::fill(buf, buf + images * plane(), T(0));
  }
  // The window's start of tile t, for the first nl of kLanes tiles from t
  // on; the other lanes repeat the first (their results are not stored).
  void starts(const Tiling& tl, int64_t t, int nl, int64_t* at) const {
    for (int l = 0; l < nl; ++l) {
      const TileAt w(tl, t + l);
      at[l] = (w.n - n0) * plane() + int64_t(w.th) * tl.m * Wp + int64_t(w.tw) * tl.m;
    }
    for (int l = nl; l < kLanes; ++l) at[l] = at[0];
  }
  // Channel c of the covered images of src (image after image, each of
  // `channels` planes of rows x cols) into buf, inside the zero border.
  template <class T>
  void fill(const T* src, int channels, int c, T* buf) const {
    const int h = std::min(rows, Hp - top), w = std::min(cols, Wp - left);
    for (int n = 0; n < images; ++n) {
      const T* from = src + (int64_t(n0 + n) * channels + c) * rows * cols;
      T* to = buf + n * plane() + int64_t(top) * Wp + left;
      for (int r = 0; r < h; ++r, from += cols, to += Wp)
        for (int k = 0; k < w; ++k) to[k] = from[k];
    }
  }
};

// Lane l of out (K x K per lane) = the K x K window of buf (rows Wp apart)
// from at[l] on. Entry by entry across the lanes, so each vector is whole
// long before it is read back.
template <class T, int K>
inline void gather(const T* buf, int Wp, const int64_t* at, Lanes<T>* out) {
  for (int u = 0; u < K; ++u)
    for (int v = 0; v < K; ++v) {
      const T* p = buf + int64_t(u) * Wp + v;
      Lanes<T>& o = out[u * K + v];
      for (int l = 0; l < kLanes; ++l) o[l] = p[at[l]];
    }
}

}  // namespace winograd_detail
}  // namespace fg
