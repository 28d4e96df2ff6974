// How the im2col convolution kernels in conv.cpp cut a batch into chunks.
//
// A chunk of G images is unfolded into one column matrix of C*KH*KW rows and
// G*OH*OW columns, so each GEMM sees a wide right-hand side. G is the largest
// number of images whose column matrix fits in conv_col_budget() bytes
// (at least 1, at most N). Tests lower the budget to make the kernels walk
// through several chunks, including a short last one.
//
// The default, 64 MiB, gives the LeNet++ 5x5 layers at batch 128 chunks of
// 26 to 128 images (20k to 100k columns), the wide products the GEMM is
// tuned for, and only 1 to 5 chunks, so few OpenMP fork/joins per call.
// The trade-off, measured on 2 cores: a chunk that stays in cache (2 to
// 4 MiB) makes unfolding about 2.5x cheaper and a training step of the
// layer 10-60% faster when threads wait passively (OMP_WAIT_POLICY=passive)
// or run alone, but on a machine loaded beyond its cores with the default
// spinning waits, its many small fork/joins make it 2-7x slower. 64 MiB
// loses less in the bad case; a program that owns a quiet machine may
// call set_conv_col_budget(4 << 20).
#pragma once

#include <cstddef>

#include "core/conv.hpp"

namespace fg {

std::size_t conv_col_budget();
void set_conv_col_budget(std::size_t bytes);

// Images per chunk for geometry g and scalars of elem_bytes bytes.
int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes);

}  // namespace fg
