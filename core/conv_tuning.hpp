// How the im2col convolution kernels in conv.cpp cut a batch into chunks.
//
// A chunk of G images is unfolded into one column matrix of C*KH*KW rows and
// G*OH*OW columns, so each GEMM sees a wide right-hand side. G is the largest
// number of images whose column matrix fits in conv_col_budget() bytes
// (at least 1, at most N). The default budget is 64 MiB; tests lower it to
// make the kernels walk through several chunks, including a short last one.
#pragma once

#include <cstddef>

#include "core/conv.hpp"

namespace fg {

std::size_t conv_col_budget();
void set_conv_col_budget(std::size_t bytes);

// Images per chunk for geometry g and scalars of elem_bytes bytes.
int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes);

}  // namespace fg
