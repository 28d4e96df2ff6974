// The naive twins of the PReLU and max-pool kernels (prelu_pool.hpp): one
// thread, every element in order, the formulas as written there.
#include <algorithm>
#include <limits>
#include <vector>

#include "core/kernels/prelu_pool.hpp"

namespace fg {

template <class T>
void prelu_forward_naive(int64_t N, int C, int64_t plane, const T* x, const T* alpha,
                         bool shared, T* y) {
  for (int64_t n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int64_t i = (n * C + c) * plane; i < (n * C + c + 1) * plane; ++i)
        y[i] = x[i] > 0 ? x[i] : alpha[shared ? 0 : c] * x[i];
}

template <class T>
void prelu_backward_naive(int64_t N, int C, int64_t plane, const T* x, const T* alpha,
                          bool shared, const T* g, T* dx, T* dalpha) {
  const int slopes = shared ? 1 : C;
  std::vector<double> sum(slopes, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int64_t i = (n * C + c) * plane; i < (n * C + c + 1) * plane; ++i) {
        const int s = shared ? 0 : c;
        dx[i] = x[i] > 0 ? g[i] : alpha[s] * g[i];
        if (!(x[i] > 0)) sum[s] += double(g[i]) * double(x[i]);
      }
  for (int s = 0; s < slopes; ++s) dalpha[s] = T(sum[s]);
}

template <class T>
void maxpool_forward_naive(int64_t planes, int H, int W, int k, int s, const T* x, T* y,
                           int32_t* argmax) {
  const int OH = (H - k) / s + 1, OW = (W - k) / s + 1;
  for (int64_t q = 0; q < planes; ++q)
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        T best = -std::numeric_limits<T>::infinity();
        int32_t where = i * s * W + j * s;
        for (int u = 0; u < k; ++u)
          for (int v = 0; v < k; ++v) {
            const int32_t p = (i * s + u) * W + j * s + v;
            if (x[q * H * W + p] > best) best = x[q * H * W + p], where = p;
          }
        y[(q * OH + i) * OW + j] = best;
        argmax[(q * OH + i) * OW + j] = where;
      }
}

template <class T>
void maxpool_backward_naive(int64_t planes, int H, int W, int k, int s, const int32_t* argmax,
                            const T* g, T* dx) {
  const int64_t out = int64_t((H - k) / s + 1) * ((W - k) / s + 1);
  std::fill(dx, dx + planes * H * W, T(0));
  for (int64_t q = 0; q < planes; ++q)
    for (int64_t o = 0; o < out; ++o) dx[q * H * W + argmax[q * out + o]] += g[q * out + o];
}

template void prelu_forward_naive<float>(int64_t, int, int64_t, const float*, const float*,
                                         bool, float*);
template void prelu_forward_naive<double>(int64_t, int, int64_t, const double*, const double*,
                                          bool, double*);
template void prelu_backward_naive<float>(int64_t, int, int64_t, const float*, const float*,
                                          bool, const float*, float*, float*);
template void prelu_backward_naive<double>(int64_t, int, int64_t, const double*, const double*,
                                           bool, const double*, double*, double*);
template void maxpool_forward_naive<float>(int64_t, int, int, int, int, const float*, float*,
                                           int32_t*);
template void maxpool_forward_naive<double>(int64_t, int, int, int, int, const double*, double*,
                                            int32_t*);
template void maxpool_backward_naive<float>(int64_t, int, int, int, int, const int32_t*,
                                            const float*, float*);
template void maxpool_backward_naive<double>(int64_t, int, int, int, int, const int32_t*,
                                             const double*, double*);

}  // namespace fg
