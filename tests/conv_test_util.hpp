// What the convolution tests share (tests/test_conv.cpp, tests/test_winograd.cpp):
// random buffers, NaN-filled outputs and the relative difference they are judged by.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/random.hpp"

namespace fg_test {

template <class T>
std::vector<T> uniform_vec(size_t n, fg::Rng& rng) {
  std::vector<T> v(n);
  for (T& e : v) e = T(rng.uniform(-1.0, 1.0));
  return v;
}

// Outputs start as NaN, so one a kernel forgot to write fails rel_diff.
template <class T>
std::vector<T> nan_vec(size_t n) {
  return std::vector<T>(n, std::numeric_limits<T>::quiet_NaN());
}

// max |a - b| / max |b|; infinity if a holds a NaN or an infinity.
template <class T, class U>
double rel_diff(const std::vector<T>& a, const std::vector<U>& b) {
  REQUIRE(a.size() == b.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(double(a[i]))) return std::numeric_limits<double>::infinity();
    num = std::max(num, std::fabs(double(a[i]) - double(b[i])));
    den = std::max(den, std::fabs(double(b[i])));
  }
  return den > 0 ? num / den : num;
}

inline size_t x_size(const fg::ConvGeom& g) { return size_t(g.N) * g.C * g.H * g.W; }
inline size_t w_size(const fg::ConvGeom& g) { return size_t(g.F) * g.C * g.KH * g.KW; }
inline size_t y_size(const fg::ConvGeom& g) {
  return g.OH() <= 0 || g.OW() <= 0 ? 0 : size_t(g.N) * g.F * g.OH() * g.OW();
}

}  // namespace fg_test
