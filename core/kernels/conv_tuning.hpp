// How the im2col convolution kernels in conv.cpp cut a batch into chunks
// and pick their way. The fixed knobs and the reasons for their values are
// in core/kernels/tuning.hpp (the measurements in notes/06-kernels.md); the
// functions here apply them to a geometry, and two budgets can be changed
// at run time (tests lower them to walk through several chunks).
//
// A chunk of G images is unfolded into one column matrix of C*KH*KW rows and
// G*OH*OW columns, multiplied by one GEMM. G is the largest
// number of images whose column matrix fits in conv_col_budget() bytes
// (at least 1, at most N); tuning::kConvColBudget (2 MiB) by default.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/kernels/conv.hpp"
#include "core/kernels/tuning.hpp"

namespace fg {

std::size_t conv_col_budget();
void set_conv_col_budget(std::size_t bytes);

// Images per chunk for geometry g and scalars of elem_bytes bytes.
int conv_chunk_images(const ConvGeom& g, std::size_t elem_bytes);

// Whether the backward to the input (resp. the filters) of g takes the
// channel-last way (conv_unfold_hwc.hpp: runs of C values per tap) rather
// than unfolding plane by plane (conv_unfold.hpp): from
// tuning::kConvChannelLastInputFrom (resp. ...WeightFrom) input channels,
// where the runs are long enough to pay off.
bool conv_channel_last_input(const ConvGeom& g);
bool conv_channel_last_weight(const ConvGeom& g);

// The forward of a straight convolution (stride 1, output as wide as the
// input) unfolds and multiplies a chunk a block of columns at a time, so
// the unfolded block is still in cache when the GEMM reads it: blocks of
// about conv_forward_block_bytes() (a multiple of the GEMM's panel width,
// at least one panel; tuning::kConvForwardBlockBytes by default), or the
// whole chunk at once when that is 0. Not when each chunk's GEMM runs on a
// team of threads (too few chunks to share out): one product per chunk
// then starts one team.
std::size_t conv_forward_block_bytes();
void set_conv_forward_block_bytes(std::size_t bytes);

// Images per chunk of the forward when it goes by blocks of columns: the
// chunk's columns need not fit in the budget at once, so it takes
// tuning::kConvForwardChunkScale times the budget, as long as the chunk's
// output (F x G*OH*OW) fits in it (and never fewer images than
// conv_chunk_images). When the threads share out the chunks, conv.cpp also
// keeps at least tuning::kConvChunksPerThread chunks per thread.
int conv_forward_chunk_images(const ConvGeom& g, std::size_t elem_bytes);

// Columns per block for geometry g, panels of NR columns, scalars of
// elem_bytes bytes (0: no blocks).
int64_t conv_forward_block_cols(const ConvGeom& g, int NR, std::size_t elem_bytes);

}  // namespace fg
