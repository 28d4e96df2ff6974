// 2-D convolution kernels over raw NCHW buffers (cross-correlation, as in
// every deep-learning framework), with their naive direct-loop twins.
//
//   x  : N x C x H x W          input
//   w  : F x C x KH x KW        filters
//   b  : F                      bias (may be null)
//   y  : N x F x OH x OW        output, OH = (H + 2 pad - KH) / stride + 1
//
// Every kernel overwrites its output buffer (the graph op accumulates).
// The kernels validate nothing: the caller checks the shapes and that
// H + 2 pad >= KH and W + 2 pad >= KW (below that, C++ division rounds
// (H + 2 pad - KH) / stride towards zero and OH() can come out as 1 for
// stride > 1). For any stride >= 1, pad >= 0 and sizes >= 0, no kernel
// reads or writes outside
// the buffers sized from it; with OH() or OW() <= 0 the forward writes
// nothing and the backward kernels write zeros.
//
// The fast kernels (conv.cpp) unfold the batch in small chunks (see
// conv_tuning.hpp) into per-thread scratch buffers that are kept for the
// next call. Their direct-loop twins (conv_naive.cpp) are the definitions
// the tests compare against.
#pragma once

namespace fg {

struct ConvGeom {
  int N, C, H, W;     // input
  int F, KH, KW;      // filters
  int stride = 1, pad = 0;
  int OH() const { return (H + 2 * pad - KH) / stride + 1; }
  int OW() const { return (W + 2 * pad - KW) / stride + 1; }
};

// y = conv(x, w) + b
template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
// dx = d loss / d x, given dy
template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx);
// dw = d loss / d w and db = d loss / d b (db may be null), given x and dy
template <class T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db);

template <class T>
void conv2d_forward_naive(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
template <class T>
void conv2d_backward_input_naive(const ConvGeom& g, const T* dy, const T* w, T* dx);
template <class T>
void conv2d_backward_weight_naive(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db);

}  // namespace fg
