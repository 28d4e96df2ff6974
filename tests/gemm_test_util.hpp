// B (K x N, row-major) packed by hand into the documented panel layout of
// gemm_panel_width columns (core/kernels/gemm.hpp), for the tests of the
// entry points that take a caller's packed B. The last panel is padded with
// NaN, so a padding column that reached C would show; the panels start at a
// 64-byte boundary of `store`.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels/gemm.hpp"

namespace fg_test {

template <class T>
T* pack_panels_by_hand(const std::vector<T>& B, int K, int N, std::vector<T>& store) {
  const int NR = fg::gemm_panel_width<T>(), panels = (N + NR - 1) / NR;
  store.assign(size_t(panels) * NR * K + 64, std::numeric_limits<T>::quiet_NaN());
  T* p = store.data();
  while (reinterpret_cast<std::uintptr_t>(p) % 64) ++p;
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < N; ++j) p[size_t(j / NR) * NR * K + size_t(k) * NR + j % NR] = B[size_t(k) * N + j];
  return p;
}

}  // namespace fg_test
