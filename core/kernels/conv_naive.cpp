// The naive twins of the convolution kernels: the definitions, as plain
// loops, that the fast im2col/GEMM versions in conv.cpp are tested against.
//
// Cross-correlation with stride s and zero padding p:
//
//   y[n,f,i,j] = b[f] + sum_{c,u,v} w[f,c,u,v] * x[n, c, i*s - p + u, j*s - p + v]
//
// where an x index outside the image reads as zero. The two backward kernels
// are the partial derivatives of that sum:
//
//   dx[n,c,r,q] = sum over (f,i,j,u,v) with i*s - p + u = r, j*s - p + v = q
//                 of dy[n,f,i,j] * w[f,c,u,v]
//   dw[f,c,u,v] = sum_{n,i,j} dy[n,f,i,j] * x[n, c, i*s - p + u, j*s - p + v]
//   db[f]       = sum_{n,i,j} dy[n,f,i,j]
#include <algorithm>
#include <cstdint>

#include "core/kernels/conv.hpp"

namespace fg {

namespace {

// Flat index of element (a, b, r, q) of an A x B x R x Q array.
inline int64_t at4(int a, int b, int r, int q, int B, int R, int Q) {
  return ((int64_t(a) * B + b) * R + r) * Q + q;
}

}  // namespace

template <class T>
void conv2d_forward_naive(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  const int OH = g.OH(), OW = g.OW();
  if (OH <= 0 || OW <= 0) return;  // no output pixels: nothing to write
  for (int n = 0; n < g.N; ++n)
    for (int f = 0; f < g.F; ++f)
      for (int i = 0; i < OH; ++i)
        for (int j = 0; j < OW; ++j) {
          T acc = b ? b[f] : T(0);
          for (int c = 0; c < g.C; ++c)
            for (int u = 0; u < g.KH; ++u)
              for (int v = 0; v < g.KW; ++v) {
                const int r = i * g.stride - g.pad + u, q = j * g.stride - g.pad + v;
                if (r < 0 || r >= g.H || q < 0 || q >= g.W) continue;  // zero padding
                acc += w[at4(f, c, u, v, g.C, g.KH, g.KW)] * x[at4(n, c, r, q, g.C, g.H, g.W)];
              }
          y[at4(n, f, i, j, g.F, OH, OW)] = acc;
        }
}

template <class T>
void conv2d_backward_input_naive(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  std::fill(dx, dx + int64_t(g.N) * g.C * g.H * g.W, T(0));
  const int OH = g.OH(), OW = g.OW();
  if (OH <= 0 || OW <= 0) return;  // x touched no output: its gradient is zero
  for (int n = 0; n < g.N; ++n)
    for (int f = 0; f < g.F; ++f)
      for (int i = 0; i < OH; ++i)
        for (int j = 0; j < OW; ++j) {
          const T d = dy[at4(n, f, i, j, g.F, OH, OW)];
          for (int c = 0; c < g.C; ++c)
            for (int u = 0; u < g.KH; ++u)
              for (int v = 0; v < g.KW; ++v) {
                const int r = i * g.stride - g.pad + u, q = j * g.stride - g.pad + v;
                if (r < 0 || r >= g.H || q < 0 || q >= g.W) continue;  // a padding zero
                dx[at4(n, c, r, q, g.C, g.H, g.W)] += d * w[at4(f, c, u, v, g.C, g.KH, g.KW)];
              }
        }
}

template <class T>
void conv2d_backward_weight_naive(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db) {
  const int OH = g.OH(), OW = g.OW();
  const bool empty = OH <= 0 || OW <= 0;  // then every gradient is zero
  for (int f = 0; f < g.F; ++f) {
    for (int c = 0; c < g.C; ++c)
      for (int u = 0; u < g.KH; ++u)
        for (int v = 0; v < g.KW; ++v) {
          T acc = 0;
          for (int n = 0; n < g.N && !empty; ++n)
            for (int i = 0; i < OH; ++i)
              for (int j = 0; j < OW; ++j) {
                const int r = i * g.stride - g.pad + u, q = j * g.stride - g.pad + v;
                if (r < 0 || r >= g.H || q < 0 || q >= g.W) continue;
                acc += dy[at4(n, f, i, j, g.F, OH, OW)] * x[at4(n, c, r, q, g.C, g.H, g.W)];
              }
          dw[at4(f, c, u, v, g.C, g.KH, g.KW)] = acc;
        }
    if (db) {
      T acc = 0;
      for (int n = 0; n < g.N && !empty; ++n)
        for (int i = 0; i < OH; ++i)
          for (int j = 0; j < OW; ++j) acc += dy[at4(n, f, i, j, g.F, OH, OW)];
      db[f] = acc;
    }
  }
}

template void conv2d_forward_naive<float>(const ConvGeom&, const float*, const float*,
                                          const float*, float*);
template void conv2d_forward_naive<double>(const ConvGeom&, const double*, const double*,
                                           const double*, double*);
template void conv2d_backward_input_naive<float>(const ConvGeom&, const float*, const float*,
                                                 float*);
template void conv2d_backward_input_naive<double>(const ConvGeom&, const double*, const double*,
                                                  double*);
template void conv2d_backward_weight_naive<float>(const ConvGeom&, const float*, const float*,
                                                  float*, float*);
template void conv2d_backward_weight_naive<double>(const ConvGeom&, const double*, const double*,
                                                   double*, double*);

}  // namespace fg
