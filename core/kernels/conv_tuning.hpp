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

namespace fg {

// Which way each pass of a convolution goes: Winograd (winograd.hpp) with
// tiles of m x m, or the im2col path above.
enum class ConvPass { forward, data, weight };

// The tile size m for pass p of g, or 0 for the im2col path. Under the
// default mode this is the rule below; set_conv_winograd_mode() (or the
// environment variable FG_CONV_WINOGRAD, read once) forces either path.
//
// The rule (winograd_rule.cpp): F(4x4, 5x5) for every pass of stride-1
// 5x5 layers with at least 32 input and 32 output channels; the im2col
// path for everything else. Measured with bench_conv --winograd-only
// (float, batch 128, 2 threads, im2col time over Winograd time, medians of
// 7 alternating rounds, two runs on a quiet machine; the table is in
// notes/06-kernels.md, section "Winograd"): on LeNet++'s layers 2 to 6
// F(4x4, 5x5) is 1.29 to 2.19 times faster, forward, data gradient and
// weight gradient alike, while on the 1-channel first layer it takes 2 to
// 4 times as long (0.26 to 0.48: a 1-deep GEMM saves nothing and the
// transforms remain). F(2x2, 5x5) is slower than F(4x4, 5x5) on every
// layer and pass (0.14 to 1.23), so the rule never picks it; 3x3 layers
// were not measured and stay on im2col.
int conv_winograd_tile(const ConvGeom& g, ConvPass p);

// -1: the rule (the default); 0: never Winograd; 2 or 4: Winograd with
// that tile wherever winograd_supported() allows. FG_CONV_WINOGRAD=off,
// 2 or 4 sets the starting mode; anything else there throws fg::Error at
// the first convolution, naming the value.
int conv_winograd_mode();
void set_conv_winograd_mode(int mode);

}  // namespace fg
