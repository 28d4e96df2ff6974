// PReLU and max-pool kernels (core/kernels/prelu_pool.hpp): the naive twins
// against hand-worked numbers, then the fast kernels against the naive
// twins over odd sizes, batch 1, shared and per-channel slopes, ties, and
// 1 to 3 threads on both sides of the size where the threads start.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/kernels/prelu_pool.hpp"
#include "core/random.hpp"
#include "tests/conv_test_util.hpp"

using fg_test::nan_vec;
using fg_test::uniform_vec;

namespace {

struct Threads {  // restores the thread count when a test ends
  int saved = omp_get_max_threads();
  ~Threads() { omp_set_num_threads(saved); }
};

template <class T> double dalpha_tol();
template <> double dalpha_tol<float>() { return 1e-6; }
template <> double dalpha_tol<double>() { return 1e-12; }

// (N, C, plane): odd planes (a tail past the 8 lanes), batch 1, one value
// per plane (the N x C input of prelu_fc), and sizes on both sides of
// 2^15 elements, where the fast kernels start their threads.
const int64_t kPreluSizes[][3] = {{1, 1, 1}, {1, 3, 7}, {2, 3, 13}, {3, 5, 17}, {7, 2, 1},
                                  {1, 4, 64}, {4, 7, 1089}, {5, 7, 1089}, {2, 3, 5461}};

}  // namespace

TEMPLATE_TEST_CASE("prelu naive kernels match hand-worked values", "[prelu]", float, double) {
  using T = TestType;
  // One image, two channels of three values; g = 1..6.
  const std::vector<T> x = {2, -1, 0, -3, 4, T(-0.5)}, g = {1, 2, 3, 4, 5, 6};
  std::vector<T> y(6), dx(6), da(2);
  SECTION("a slope per channel: alpha = (0.25, 0.5)") {
    const std::vector<T> alpha = {T(0.25), T(0.5)};
    // x <= 0 takes the slope (x = 0 too): 0.25 * -1, 0.25 * 0, 0.5 * -3, 0.5 * -0.5.
    fg::prelu_forward_naive<T>(1, 2, 3, x.data(), alpha.data(), false, y.data());
    CHECK(y == std::vector<T>{2, T(-0.25), 0, T(-1.5), 4, T(-0.25)});
    // dx = g where x > 0, alpha_c g elsewhere; dalpha_0 = 2 (-1) + 3 (0) = -2,
    // dalpha_1 = 4 (-3) + 6 (-0.5) = -15.
    fg::prelu_backward_naive<T>(1, 2, 3, x.data(), alpha.data(), false, g.data(), dx.data(),
                                da.data());
    CHECK(dx == std::vector<T>{1, T(0.5), T(0.75), 2, 5, 3});
    CHECK(da == std::vector<T>{-2, -15});
  }
  SECTION("one shared slope: alpha = 0.25") {
    const std::vector<T> alpha = {T(0.25)};
    fg::prelu_backward_naive<T>(1, 2, 3, x.data(), alpha.data(), true, g.data(), dx.data(),
                                da.data());
    CHECK(dx == std::vector<T>{1, T(0.5), T(0.75), 1, 5, T(1.5)});
    CHECK(da[0] == -17);
  }
}

TEMPLATE_TEST_CASE("prelu fast kernels agree with the naive twins", "[prelu]", float, double) {
  using T = TestType;
  Threads guard;
  fg::Rng rng(1701);
  for (const auto& s : kPreluSizes)
    for (bool shared : {false, true}) {
      const int64_t N = s[0], plane = s[2], n = N * s[1] * plane;
      const int C = int(s[1]), slopes = shared ? 1 : C;
      auto x = uniform_vec<T>(n, rng);
      for (int64_t i = 0; i < n; i += 5) x[i] = 0;  // x = 0 takes the slope
      const auto g = uniform_vec<T>(n, rng);
      const auto alpha = uniform_vec<T>(slopes, rng);
      auto y_ref = nan_vec<T>(n), dx_ref = nan_vec<T>(n), da_ref = nan_vec<T>(slopes);
      fg::prelu_forward_naive(N, C, plane, x.data(), alpha.data(), shared, y_ref.data());
      fg::prelu_backward_naive(N, C, plane, x.data(), alpha.data(), shared, g.data(),
                               dx_ref.data(), da_ref.data());
      std::vector<T> da_one_thread;
      for (int threads : {1, 2, 3}) {
        omp_set_num_threads(threads);
        INFO("N=" << N << " C=" << C << " plane=" << plane << (shared ? " shared" : "") << ", "
                  << threads << " threads");
        auto y = nan_vec<T>(n), dx = nan_vec<T>(n), da = nan_vec<T>(slopes);
        fg::prelu_forward(N, C, plane, x.data(), alpha.data(), shared, y.data());
        fg::prelu_backward(N, C, plane, x.data(), alpha.data(), shared, g.data(), dx.data(),
                           da.data());
        CHECK(y == y_ref);    // the same formula per element: the same bits
        CHECK(dx == dx_ref);
        // Per channel, dalpha is summed in the naive twin's order, and in
        // float every g x is exact in double: the same bits. (In double the
        // twin's compiler may fuse a multiply and add.) One shared slope adds
        // the channels' sums instead. Otherwise equal up to rounding, and
        // the same bits for every thread count.
        if (!shared && std::is_same<T, float>::value) CHECK(da == da_ref);
        for (int c = 0; c < slopes; ++c)
          CHECK(std::fabs(double(da[c]) - double(da_ref[c])) <=
                dalpha_tol<T>() * std::max(1.0, std::fabs(double(da_ref[c]))));
        if (threads == 1) da_one_thread = da;
        CHECK(da == da_one_thread);
      }
    }
}

TEMPLATE_TEST_CASE("max-pool naive kernels match hand-worked values", "[pool]", float, double) {
  using T = TestType;
  SECTION("2x2 windows, stride 2, ties go to the first in row-major order") {
    const std::vector<T> x = {1, 3, 2, 2,   //
                              3, 0, 1, 2,   //
                              5, 4, 7, 6,   //
                              4, 5, 8, 6};
    std::vector<T> y(4), dx(16);
    std::vector<int32_t> at(4);
    fg::maxpool_forward_naive<T>(1, 4, 4, 2, 2, x.data(), y.data(), at.data());
    CHECK(y == std::vector<T>{3, 2, 5, 8});
    CHECK(at == std::vector<int32_t>{1, 2, 8, 14});  // 3 at (0,1) before (1,0); 2 at (0,2); 5 at (2,0)
    const std::vector<T> g = {10, 20, 30, 40};
    fg::maxpool_backward_naive<T>(1, 4, 4, 2, 2, at.data(), g.data(), dx.data());
    std::vector<T> want(16, 0);
    want[1] = 10, want[2] = 20, want[8] = 30, want[14] = 40;
    CHECK(dx == want);
  }
  SECTION("3x3 windows, stride 2: the overlapping windows' gradients add up") {
    // A 5x5 plane 0..24 with 100 in the middle, which all four windows hold.
    std::vector<T> x(25), y(4), dx(25);
    for (int i = 0; i < 25; ++i) x[i] = T(i);
    x[12] = 100;
    std::vector<int32_t> at(4);
    fg::maxpool_forward_naive<T>(1, 5, 5, 3, 2, x.data(), y.data(), at.data());
    CHECK(y == std::vector<T>{100, 100, 100, 100});
    CHECK(at == std::vector<int32_t>{12, 12, 12, 12});
    const std::vector<T> g = {1, 2, 3, 4};
    fg::maxpool_backward_naive<T>(1, 5, 5, 3, 2, at.data(), g.data(), dx.data());
    std::vector<T> want(25, 0);
    want[12] = 10;
    CHECK(dx == want);
  }
  SECTION("a window of -infinity keeps its first position; the last odd row and column are left out") {
    const T inf = std::numeric_limits<T>::infinity();
    // 3 x 5, k = 2, s = 2: outputs 1 x 2 from rows 0-1 and columns 0-3.
    const std::vector<T> x = {-inf, -inf, 1, 0, 9,  //
                              -inf, -inf, 0, 2, 9,  //
                              9, 9, 9, 9, 9};
    std::vector<T> y(2), dx(15);
    std::vector<int32_t> at(2);
    fg::maxpool_forward_naive<T>(1, 3, 5, 2, 2, x.data(), y.data(), at.data());
    CHECK(y == std::vector<T>{-inf, 2});
    CHECK(at == std::vector<int32_t>{0, 8});
    const std::vector<T> g = {5, 7};
    fg::maxpool_backward_naive<T>(1, 3, 5, 2, 2, at.data(), g.data(), dx.data());
    std::vector<T> want(15, 0);
    want[0] = 5, want[8] = 7;
    CHECK(dx == want);
  }
}

TEMPLATE_TEST_CASE("max-pool fast kernels agree with the naive twins", "[pool]", float, double) {
  using T = TestType;
  Threads guard;
  fg::Rng rng(1702);
  // (planes, H, W): one plane, odd sides, and sizes on both sides of 2^15 inputs.
  const int sizes[][3] = {{1, 4, 4}, {3, 7, 5}, {6, 9, 11}, {40, 28, 28}, {42, 28, 28}};
  for (const auto& s : sizes)
    for (int k : {1, 2, 3, 4})
      for (int st : {1, 2, 3})
        for (bool ties : {false, true}) {
          const int64_t planes = s[0];
          const int H = s[1], W = s[2];
          if (k > H || k > W) continue;
          const int64_t out = planes * ((H - k) / st + 1) * ((W - k) / st + 1);
          auto x = uniform_vec<T>(planes * H * W, rng);
          if (ties)  // three values only: most windows hold a tie
            for (T& v : x) v = std::floor(3 * (v + 1) / 2);
          const auto g = uniform_vec<T>(out, rng);
          auto y_ref = nan_vec<T>(out), dx_ref = nan_vec<T>(planes * H * W);
          std::vector<int32_t> at_ref(out, -1);
          fg::maxpool_forward_naive(planes, H, W, k, st, x.data(), y_ref.data(), at_ref.data());
          fg::maxpool_backward_naive(planes, H, W, k, st, at_ref.data(), g.data(), dx_ref.data());
          for (int threads : {1, 2, 3}) {
            omp_set_num_threads(threads);
            INFO(planes << " planes of " << H << "x" << W << ", k=" << k << " stride=" << st
                        << (ties ? " with ties, " : ", ") << threads << " threads");
            auto y = nan_vec<T>(out), dx = nan_vec<T>(planes * H * W);
            std::vector<int32_t> at(out, -1);
            fg::maxpool_forward(planes, H, W, k, st, x.data(), y.data(), at.data());
            fg::maxpool_backward(planes, H, W, k, st, at.data(), g.data(), dx.data());
            CHECK(y == y_ref);  // the same comparisons and sums, in the same order
            CHECK(at == at_ref);
            CHECK(dx == dx_ref);
          }
        }
}
