// The convolution ladder: the forward y = conv(x, w) + b (core/kernels/conv.hpp
// for the layout) from the direct loops to the fast path, one change per
// step, each a function (build/bench/ladder measures them,
// tests/test_ladder.cpp checks them against conv2d_forward_naive). Not the
// production path: conv2d_forward (core/kernels/conv.cpp) is the last rung.
//
//   step 0  direct loops    seven loops, the definition: conv2d_forward_naive
//   step 1  im2col + GEMM   each image unfolded into COL (C KH KW x OH OW),
//                           then Y = W COL by gemm()
//   step 2  packed panels   COL written straight in the panels the GEMM's
//                           micro-kernel reads, W packed once for all images
//   step 3  conv2d_forward  chunks of images side by side, threads over the
//                           chunks, unfolded a block of columns at a time
#pragma once

#include "core/kernels/conv.hpp"

namespace fg {
namespace ladder {

template <class T>
void conv_step1_im2col_gemm(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
// Step 1's unfolding of one image x (C x H x W) into COL (C KH KW x OH OW).
template <class T> void im2col(const ConvGeom& g, const T* x, T* col);

template <class T>
void conv_step2_packed_panels(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);

template <class T> struct ConvStep {
  const char* name;
  void (*run)(const ConvGeom& g, const T* x, const T* w, const T* b, T* y);
};
// The steps in order, from conv2d_forward_naive to conv2d_forward.
template <class T> const ConvStep<T>* conv_steps(int* count);

}  // namespace ladder
}  // namespace fg
