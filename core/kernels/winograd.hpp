// Winograd convolution for stride-1 layers with square r x r filters
// (r = 3 or 5), in tiles of m x m outputs (m = 2 or 4): the same contract
// as the kernels of conv.hpp (NCHW buffers, cross-correlation, outputs
// overwritten), with fewer multiplications.
//
// Each tile of m x m outputs of filter f reads an alpha x alpha patch
// (alpha = m + r - 1) of every input channel c, and
//
//   Y_f = A^T [ sum_c (G w_fc G^T) .* (B^T d_c B) ] A
//
// (winograd_transforms.hpp builds A^T, G and B^T). Element xi of the
// alpha x alpha transformed tiles is therefore one matrix product over the
// channels, U[xi] (F x C filters) times V[xi] (C x tiles): the
// multiplications become alpha^2 GEMMs through fg::gemm, with alpha^2
// multiply-adds per tile and channel pair instead of m^2 r^2 (36 instead
// of 100 for F(2x2, 5x5), 64 instead of 400 for F(4x4, 5x5)).
//
// The data gradient is the forward of the "full" correlation of dy with the
// filters turned by 180 degrees and with input and output channels swapped
// (padding r - 1 - pad). The weight gradient is the correlation of x with
// dy, computed as F(r x r, m x m): tiles of m x m of dy against patches of
// x, summed over all tiles in the transformed domain by alpha^2 GEMMs
// (F x tiles times tiles x C) before one output transform per filter.
//
// Rounding: float's error grows with m (see notes/06-kernels.md, section
// "Winograd"). The naive twins of conv.hpp are the definitions the tests
// compare against.
#pragma once

#include "core/kernels/conv.hpp"

namespace fg {

// Whether g can go through Winograd with tiles of m x m: stride 1, square
// 3x3 or 5x5 filters, m 2 or 4, 0 <= pad <= r - 1, at least one output
// pixel, and at least one image, channel and filter.
bool winograd_supported(const ConvGeom& g, int m);

// y = conv(x, w) + b (b may be null).
template <class T>
void winograd_forward(const ConvGeom& g, int m, const T* x, const T* w, const T* b, T* y);
// dx = d loss / d x, given dy.
template <class T>
void winograd_backward_input(const ConvGeom& g, int m, const T* dy, const T* w, T* dx);
// dw = d loss / d w, given x and dy (the bias gradient is not computed here).
template <class T>
void winograd_backward_weight(const ConvGeom& g, int m, const T* x, const T* dy, T* dw);

}  // namespace fg
