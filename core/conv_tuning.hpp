// How the im2col convolution kernels in conv.cpp cut a batch into chunks.
//
// A chunk of G images is unfolded into one column matrix of C*KH*KW rows and
// G*OH*OW columns, multiplied by one GEMM. G is the largest
// number of images whose column matrix fits in conv_col_budget() bytes
// (at least 1, at most N). Tests lower the budget to make the kernels walk
// through several chunks, including a short last one.
//
// The default, 2 MiB, keeps a chunk's column matrix in the caches (the
// LeNet++ 5x5 layers at batch 128 get chunks of 1 to 26 images), so the
// unfolding, the GEMM that reads it and the copies in and out of NCHW stay
// out of main memory; with many chunks the threads take whole chunks and a
// call starts one team of threads. Measured on 2 cores (bench_conv, one
// training step of each layer) this is 1.6-1.9x faster than chunks of 26
// to 128 images in a 64 MiB buffer, whose unfolding went to main memory.
#pragma once

#include <cstddef>

#include "core/conv.hpp"

namespace fg {

std::size_t conv_col_budget();
void set_conv_col_budget(std::size_t bytes);

// Images per chunk for geometry g and scalars of elem_bytes bytes.
int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes);

// Whether the backward to the input (resp. the filters) of g takes the
// channel-last way (conv_unfold_hwc.hpp: runs of C values per tap) rather
// than unfolding plane by plane (conv_unfold.hpp). The runs pay off once
// they are long enough. Measured on 1 thread (CPU time per image, 5x5
// kernels, pad 2, 28x28 planes, 32 filters): the filters' way is 16-19%
// faster at 32 and 16 channels, 10% slower at 8 and 2-3x slower at 4 and
// 1; the input's way is 5% faster at 32 channels, even at 16, 30% slower
// at 8 and 3x slower at 1. (From 32 channels up on the 14x14 and 7x7
// layers both ways are 3-20% faster.)
bool conv_channel_last_input(const ConvGeom& g);
bool conv_channel_last_weight(const ConvGeom& g);

}  // namespace fg
