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
#include <cstdint>

#include "core/kernels/conv.hpp"

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

// The forward of a straight convolution (stride 1, output as wide as the
// input) unfolds and multiplies a chunk a block of columns at a time, so
// the unfolded block is still in cache when the GEMM reads it: blocks of
// about conv_forward_block_bytes() (a multiple of the GEMM's panel width,
// at least one panel; 512 KiB by default, 2-3% less forward time on 1
// thread than whole chunks, and 256 KiB to 1 MiB measured alike), or the
// whole chunk at once when that is 0. Not when each chunk's GEMM runs on a
// team of threads (too few chunks to share out): one product per chunk
// then starts one team.
std::size_t conv_forward_block_bytes();
void set_conv_forward_block_bytes(std::size_t bytes);

// Images per chunk of the forward when it goes by blocks of columns: the
// chunk's columns need not fit in the budget at once, so it takes 4 times
// the budget, as long as the chunk's output (F x G*OH*OW) fits in it (and
// never fewer images than conv_chunk_images). This gives the 14x14 and
// 7x7 LeNet++ layers chunks of 4 to 13 images and their last, partly empty
// GEMM panel a smaller share of the work (4-7% less forward time on 1
// thread for the 64->64 14x14 and 128->128 7x7 layers); the output bound
// keeps the 1-channel layer at 26 images (at 107 its 11 MiB output went
// through memory, 11% slower). When the threads share out the chunks,
// conv.cpp also keeps at least 4 chunks per thread (the 64->128 7x7
// layer's 6 chunks of 25 images left one of 2 threads 22 images more).
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
// The rule (winograd_rule.cpp), for stride-1 5x5 layers with at least 32
// input and 32 output channels; everything else takes the im2col path:
//   forward and data gradient: F(4x4, 5x5) when C == F;
//   weight gradient:           F(4x4, 5x5) when the output is 14x14 or more.
// Measured with bench_conv --winograd-only (float, batch 128, im2col time
// over Winograd time, medians of three runs on 2 threads of a loaded
// machine; all runs in notes/06-kernels.md, section "Winograd"): on the
// LeNet++ layers 32->32, 64->64 and 128->128 Winograd is 1.04-1.24x faster
// forward and 1.12-1.39x on the data gradient, but on the widening layers
// 32->64 and 64->128 it is 0.89 and 1.05 forward (the latter within the
// scatter of the runs, 0.66 to 1.22) and 0.84 and 0.73 on the
// data gradient. Its weight gradient is 1.09-1.29x faster at 28x28 and
// 14x14 and 0.97 and 0.89 at 7x7 (8x8 outputs computed for 7x7, and the
// alpha^2 F C sums no longer fit in the cache). The 1-channel first layer
// is slower in 8 of 9 measurements (0.07 to 0.85; its weight gradient once
// 1.19): a 1-deep GEMM saves nothing, and the transforms remain. F(2x2, 5x5) is slower than F(4x4, 5x5) everywhere and the rule
// never picks it; 3x3 layers were not measured and stay on im2col.
int conv_winograd_tile(const ConvGeom& g, ConvPass p);

// -1: the rule (the default); 0: never Winograd; 2 or 4: Winograd with
// that tile wherever winograd_supported() allows. FG_CONV_WINOGRAD=off,
// 2 or 4 sets the starting mode; anything else there throws fg::Error at
// the first convolution, naming the value.
int conv_winograd_mode();
void set_conv_winograd_mode(int mode);

}  // namespace fg
