// set_fixed_order_sums (core/kernels/gemm.hpp): with it, a GEMM deep enough
// to be cut over K and a convolution's weight gradient whose chunks the
// threads share out give on 2 threads the bits of 1 thread; without it they
// do not (which shows the products below do take the paths in question).
#include <omp.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/gemm.hpp"

using namespace fg;

namespace {

std::vector<float> noise(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs f on `threads` OpenMP threads with the switch as given, then puts both back.
template <class F>
void with(int threads, bool fixed, F f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  set_fixed_order_sums(fixed);
  f();
  set_fixed_order_sums(false);
  omp_set_num_threads(before);
}

}  // namespace

TEST_CASE("fixed-order sums: a deep, narrow GEMM gives one thread's bits on two", "[gemm][fixed-order]") {
  // 16 x 16 outputs over K = 40000: too few outputs for the threads, so two
  // threads cut K into slabs (split_k_slabs) unless told not to.
  const int M = 16, N = 16, K = 40000;
  const std::vector<float> A = noise(size_t(M) * K, 1), B = noise(size_t(K) * N, 2);
  auto product = [&](int threads, bool fixed) {
    std::vector<float> C(size_t(M) * N);
    with(threads, fixed, [&] { gemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N); });
    return C;
  };
  const std::vector<float> one = product(1, false);
  CHECK(same_bits(product(1, true), one));   // one thread: the switch changes nothing
  CHECK(same_bits(product(2, true), one));
  CHECK(!same_bits(product(2, false), one));  // the cut over K is taken, and rounds otherwise
  CHECK_FALSE(fixed_order_sums());
}

TEST_CASE("fixed-order sums: a convolution's weight gradient gives one thread's bits on two", "[conv][fixed-order]") {
  // 5x5 filters with 8 channels (no Winograd: that needs 32), 256 images: the
  // two threads share out the chunks and sum them in slabs unless told not to.
  const ConvGeom g{256, 8, 14, 14, 16, 5, 5, 1, 2};
  const std::vector<float> x = noise(size_t(g.N) * g.C * g.H * g.W, 3);
  const std::vector<float> dy = noise(size_t(g.N) * g.F * g.OH() * g.OW(), 4);
  auto grad = [&](int threads, bool fixed) {
    std::vector<float> dw(size_t(g.F) * g.C * g.KH * g.KW);
    with(threads, fixed, [&] { conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), (float*)nullptr); });
    return dw;
  };
  const std::vector<float> one = grad(1, false);
  CHECK(same_bits(grad(1, true), one));
  CHECK(same_bits(grad(2, true), one));
  CHECK(!same_bits(grad(2, false), one));
}
