// PReLU and max-pooling kernels over raw buffers, with their naive twins.
//
// Both work on P = N C planes of an NCHW (or N x C, planes of one value)
// buffer; plane q belongs to channel q % C.
//
//   PReLU     y = x if x > 0 else alpha_c x
//             dx = g if x > 0 else alpha_c g
//             dalpha_c = sum over the planes of channel c of g x [x <= 0]
//   max pool  y[q, i, j] = max of the k x k window of plane q at (i s, j s);
//             argmax[q, i, j] = where in plane q it was (the first of equal
//             maxima in row-major order); dx gets g at argmax, summed
//             where windows overlap, zero elsewhere
//
// Every kernel overwrites its outputs (the graph op accumulates). shared
// means one slope for every channel (alpha[0], dalpha[0]). The kernels
// validate nothing: core/ops_nn.cpp checks the shapes.
//
// The fast kernels (prelu_pool.cpp) run in one pass over memory, written
// with selects rather than branches on the data, the channels (PReLU's
// backward) or planes (the others) split among the threads. dalpha_c is
// summed in double in element order by the one thread that has channel c,
// as the naive twin sums it: the same bits for any number of threads (and,
// in float, as the twin). With one shared slope, the channels' sums, each
// rounded to T, are added in channel order (the naive twin adds every
// element into one double). The naive twins (prelu_pool_naive.cpp) are
// plain loops in element order, the definitions the tests compare against.
#pragma once

#include <cstdint>

namespace fg {

template <class T>
void prelu_forward(int64_t N, int C, int64_t plane, const T* x, const T* alpha, bool shared,
                   T* y);
template <class T>
void prelu_backward(int64_t N, int C, int64_t plane, const T* x, const T* alpha, bool shared,
                    const T* g, T* dx, T* dalpha);

// x: planes of H x W; y, argmax: planes of OH x OW, OH = (H - k) / s + 1.
template <class T>
void maxpool_forward(int64_t planes, int H, int W, int k, int s, const T* x, T* y,
                     int32_t* argmax);
template <class T>
void maxpool_backward(int64_t planes, int H, int W, int k, int s, const int32_t* argmax,
                      const T* g, T* dx);

template <class T>
void prelu_forward_naive(int64_t N, int C, int64_t plane, const T* x, const T* alpha,
                         bool shared, T* y);
template <class T>
void prelu_backward_naive(int64_t N, int C, int64_t plane, const T* x, const T* alpha,
                          bool shared, const T* g, T* dx, T* dalpha);
template <class T>
void maxpool_forward_naive(int64_t planes, int H, int W, int k, int s, const T* x, T* y,
                           int32_t* argmax);
template <class T>
void maxpool_backward_naive(int64_t planes, int H, int W, int k, int s, const int32_t* argmax,
                            const T* g, T* dx);

}  // namespace fg
