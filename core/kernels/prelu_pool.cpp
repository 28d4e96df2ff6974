// The fast PReLU and max-pool kernels (see prelu_pool.hpp): the planes (for
// PReLU's backward, the channels) are split among the threads, and each
// plane is read and written once.
#include "core/kernels/prelu_pool.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/kernels/lanes.hpp"

namespace fg {

namespace {

// Below this many elements one thread does it all (a team costs more).
constexpr int64_t kParallelFrom = int64_t(1) << 15;

// dx of one plane of n values (a loop the compiler vectorises).
template <class T>
void prelu_plane_dx(const T* x, const T* g, T a, int64_t n, T* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0 ? g[i] : a * g[i];
}

// Eight values on GCC vectors: the plain loop below, written with a select,
// is not vectorised for float by GCC (it branches, and mispredicts whenever
// the signs of x are mixed).
constexpr int kLanes = 8;
template <class T>
using Lanes = VectorLanes<T, kLanes>;

// sum + g x [x <= 0] over one plane, added in element order. The products
// (0 where x > 0) are made first, a chunk at a time, with no branch; adding
// 0.0 where x > 0 leaves the sum's bits as skipping would, since the sum
// starts at +0.
template <class T>
double prelu_plane_slope_sum(const T* x, const T* g, int64_t n, double sum) {
  constexpr int64_t kChunk = 512;
  double part[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t len = std::min(kChunk, n - i0);
    int64_t i = 0;
    for (; i + kLanes <= len; i += kLanes) {
      Lanes<T> xv, gv;
      std::memcpy(&xv, x + i0 + i, sizeof xv);
      std::memcpy(&gv, g + i0 + i, sizeof gv);
      const Lanes<double> xd = __builtin_convertvector(xv, Lanes<double>);
      const Lanes<double> gd = __builtin_convertvector(gv, Lanes<double>);
      const Lanes<double> p = xd > 0.0 ? Lanes<double>{} : gd * xd;
      std::memcpy(part + i, &p, sizeof p);
    }
    for (; i < len; ++i) part[i] = x[i0 + i] > 0 ? 0.0 : double(g[i0 + i]) * double(x[i0 + i]);
    for (i = 0; i < len; ++i) sum += part[i];
  }
  return sum;
}

// One plane of max pooling; K > 0 is the window side known when compiled
// (k == K), K == 0 takes it from k. Only K = 2 is compiled on its own: with
// K = 3, GCC turned the selects below into branches, several times slower
// on bench_layers' 3x3 pool than the loop with k unknown.
template <class T, int K>
void pool_plane(const T* x, int W, int k, int s, int OH, int OW, T* y, int32_t* argmax) {
  const int kk = K > 0 ? K : k;
  for (int i = 0; i < OH; ++i)
    for (int j = 0; j < OW; ++j) {
      T best = -std::numeric_limits<T>::infinity();
      int32_t where = i * s * W + j * s;
      for (int u = 0; u < kk; ++u)
        for (int v = 0; v < kk; ++v) {
          const int32_t p = (i * s + u) * W + j * s + v;
          const bool above = x[p] > best;  // selects, not branches: random data
          best = above ? x[p] : best;      // would mispredict half of them
          where = above ? p : where;
        }
      y[i * OW + j] = best;
      argmax[i * OW + j] = where;
    }
}

}  // namespace

template <class T>
void prelu_forward(int64_t N, int C, int64_t plane, const T* x, const T* alpha, bool shared,
                   T* y) {
#pragma omp parallel for schedule(static) if (N * C * plane >= kParallelFrom)
  for (int64_t q = 0; q < N * C; ++q) {
    const T a = alpha[shared ? 0 : q % C];
    const T* xq = x + q * plane;
    T* yq = y + q * plane;
    for (int64_t i = 0; i < plane; ++i) yq[i] = xq[i] > 0 ? xq[i] : a * xq[i];
  }
}

template <class T>
void prelu_backward(int64_t N, int C, int64_t plane, const T* x, const T* alpha, bool shared,
                    const T* g, T* dx, T* dalpha) {
  // One thread per channel: its planes one after the other, each read once
  // (dx, then the slope's sum while the plane is still in cache).
  std::vector<double> per_channel(C);
#pragma omp parallel for schedule(static) if (N * C * plane >= kParallelFrom)
  for (int c = 0; c < C; ++c) {
    const T a = alpha[shared ? 0 : c];
    double sum = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t at = (n * C + c) * plane;
      prelu_plane_dx(x + at, g + at, a, plane, dx + at);
      sum = prelu_plane_slope_sum(x + at, g + at, plane, sum);
    }
    per_channel[c] = sum;
  }
  if (!shared) {
    for (int c = 0; c < C; ++c) dalpha[c] = T(per_channel[c]);
    return;
  }
  T total = 0;  // the channels' sums, each rounded to T, added in channel order
  for (int c = 0; c < C; ++c) total += T(per_channel[c]);
  dalpha[0] = total;
}

template <class T>
void maxpool_forward(int64_t planes, int H, int W, int k, int s, const T* x, T* y,
                     int32_t* argmax) {
  const int OH = (H - k) / s + 1, OW = (W - k) / s + 1;
  const int64_t in = int64_t(H) * W, out = int64_t(OH) * OW;
#pragma omp parallel for schedule(static) if (planes * in >= kParallelFrom)
  for (int64_t q = 0; q < planes; ++q) {
    const T* xq = x + q * in;
    if (k == 2) pool_plane<T, 2>(xq, W, k, s, OH, OW, y + q * out, argmax + q * out);
    else pool_plane<T, 0>(xq, W, k, s, OH, OW, y + q * out, argmax + q * out);
  }
}

template <class T>
void maxpool_backward(int64_t planes, int H, int W, int k, int s, const int32_t* argmax,
                      const T* g, T* dx) {
  const int64_t in = int64_t(H) * W, out = int64_t((H - k) / s + 1) * ((W - k) / s + 1);
#pragma omp parallel for schedule(static) if (planes * in >= kParallelFrom)
  for (int64_t q = 0; q < planes; ++q) {
    T* dxq = dx + q * in;
    std::fill(dxq, dxq + in, T(0));
    for (int64_t o = 0; o < out; ++o) dxq[argmax[q * out + o]] += g[q * out + o];
  }
}

template void prelu_forward<float>(int64_t, int, int64_t, const float*, const float*, bool,
                                   float*);
template void prelu_forward<double>(int64_t, int, int64_t, const double*, const double*, bool,
                                    double*);
template void prelu_backward<float>(int64_t, int, int64_t, const float*, const float*, bool,
                                    const float*, float*, float*);
template void prelu_backward<double>(int64_t, int, int64_t, const double*, const double*, bool,
                                     const double*, double*, double*);
template void maxpool_forward<float>(int64_t, int, int, int, int, const float*, float*,
                                     int32_t*);
template void maxpool_forward<double>(int64_t, int, int, int, int, const double*, double*,
                                      int32_t*);
template void maxpool_backward<float>(int64_t, int, int, int, int, const int32_t*, const float*,
                                      float*);
template void maxpool_backward<double>(int64_t, int, int, int, int, const int32_t*,
                                       const double*, double*);

}  // namespace fg
