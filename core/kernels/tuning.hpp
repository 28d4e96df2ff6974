// Every tuning knob of the GEMM and convolution kernels, in one place, each
// with the reason for its value. The measurements behind them are in
// notes/06-kernels.md. Changing a knob changes speed, never results beyond
// the rounding of a different summation order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace fg {
namespace tuning {

// The arithmetic of blocks and panels (a >= 0, b > 0): ceil(a / b), and a
// rounded up to a multiple of b.
template <class A, class B> constexpr std::common_type_t<A, B> ceil_div(A a, B b) {
  return (a + b - 1) / b;
}
template <class A, class B> constexpr std::common_type_t<A, B> round_up(A a, B b) {
  return ceil_div(a, b) * b;
}

// ---- the register tile of the GEMM micro-kernel ---------------------------

// Bytes per vector register: what the compiler was told the machine has.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif

// Lanes per vector (L), rows (MR) and vectors per row (NV) of the register
// tile; NR = NV * L columns. MR x NV accumulators plus NV vectors of a row of
// B must fit in the register file: 8 x 3 + 3 = 27 of AVX-512's 32 registers,
// 6 x 2 + 2 = 14 of AVX2's 16. Every panel width the kernels use is this NR.
template <class T> struct Tile {
  static constexpr int L = kVecBytes / int(sizeof(T));
  static constexpr int MR = kVecBytes == 64 ? 8 : 6;
  static constexpr int NV = kVecBytes == 64 ? 3 : 2;
  static constexpr int NR = NV * L;
};

// ---- cache blocking of the GEMM (in elements of T) ------------------------

// KC: the depth of a packed block. A micro-panel of A (MR x KC) stays in L1
// and the k loop is long enough to hide the tile's loads and stores.
// M2 x KC: a task's packed A block, in L3. KC x N2: a task's packed B block,
// in the 1 MB L2. kPartBudget: what the partial sums of a split-K product may
// take (16 MB).
template <class T> struct Blocks {
  static constexpr int KC = 384;
  static constexpr int M2 = 128 * Tile<T>::MR;
  static constexpr int N2 = 8 * Tile<T>::NR;
  static constexpr int64_t kPartBudget = (int64_t(16) << 20) / int64_t(sizeof(T));
};

// Rows of B ahead of the one being packed that are asked for in advance:
// enough to cover the memory latency of a transposed read.
constexpr int kPrefetchRows = 8;

// ---- which way a GEMM goes ------------------------------------------------

// Products of at most this many multiply-adds are three plain loops: packing
// would cost more than the product.
constexpr int64_t kSmallGemmMacs = 256;

// Vectors run along N. When N fills vectors worse than M would by more than
// this fraction, the product computes C^T = op(B)^T op(A)^T instead.
constexpr double kTransposeFillGain = 0.1;

// ---- threads --------------------------------------------------------------

// Multiply-adds per thread: a product gets one thread per this many, up to
// the OpenMP thread count. Starting a team costs microseconds; half a million
// multiply-adds take about 50 microseconds on one core, so a thread always
// has much more work than its start-up.
constexpr int64_t kMacsPerThread = int64_t(1) << 19;

// Whether a team pays (gemm_driver.hpp's team_pays): one thread's time is
// estimated at this many multiply-adds per nanosecond (about 160 GFLOP/s,
// one AVX-512 core), against twice the measured start-up delay of a team.
// While teams are judged too slow, one is tried again every kTeamRetryNs
// (200 ms) to measure the delay anew. On a loaded machine this keeps the
// one-image LeNet++ products 10 to 40 times faster than always starting a
// team (notes/06-kernels.md).
constexpr int64_t kOneThreadMacsPerNs = 80;
constexpr int64_t kTeamRetryNs = 200000000;

// Tasks per thread a product's C is cut into, so that a thread held up by
// another program delays one small task, not a quarter of the product.
constexpr int kTasksPerThread = 4;

// A split-K product cuts K into slabs of at least this depth (shorter slabs
// spend more on adding partial sums than they save).
constexpr int kSplitKMinDepth = 512;

// ---- convolution ----------------------------------------------------------

// A chunk of images is unfolded into at most this many bytes of columns
// (2 MiB), so the unfolding, the GEMM reading it and the copies to NCHW stay
// in cache: 1.6-1.9x faster than 64 MiB chunks on 2 cores.
constexpr std::size_t kConvColBudget = std::size_t(2) << 20;

// A straight forward unfolds and multiplies blocks of columns of about this
// many bytes (512 KiB): 2-3% less forward time on 1 thread than whole chunks;
// 256 KiB to 1 MiB measure alike.
constexpr std::size_t kConvForwardBlockBytes = std::size_t(512) << 10;

// The forward's chunks, unfolded a block at a time, may hold this many times
// the column budget (4-7% less forward time on the 14x14 and 7x7 layers).
constexpr std::size_t kConvForwardChunkScale = 4;

// Chunks per thread the forward keeps when threads share out chunks: with
// fewer, one thread may get a whole chunk more than another.
constexpr int kConvChunksPerThread = 4;

// Slabs of the weight gradient when threads share out the chunks: each slab
// sums into its own buffer, added in slab order (deterministic).
constexpr int kConvWeightSlabs = 4;

// Input channels from which the backward products go channel-last (runs of
// C values per tap). Filters: 16-19% faster at 16 and 32 channels, 10%
// slower at 8. Input: 5% faster at 32, even at 16, 30% slower at 8.
constexpr int kConvChannelLastWeightFrom = 16;
constexpr int kConvChannelLastInputFrom = 32;

// The channel-last unfoldings copy runs of values in pieces of this many
// bytes (one 512-bit register; the compiler turns each piece into one
// load and one store), the tail value by value.
constexpr int kCopyRunBytes = 64;

// Partial sums of the bias gradient: 32 independent running sums vectorise
// and overlap, where one sum is a chain of dependent adds. Changing it
// changes the summation order (and so the last bits of db).
constexpr int kBiasGradientLanes = 32;

}  // namespace tuning
}  // namespace fg
