// Convolution kernels: the naive twins against hand-worked numbers and finite
// differences, then the fast im2col/GEMM kernels against the naive twins.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/conv_tuning.hpp"
#include "core/kernels/gemm.hpp"
#include "core/random.hpp"
#include "tests/conv_test_util.hpp"

using fg::ConvGeom;
using fg_test::nan_vec;
using fg_test::rel_diff;
using fg_test::uniform_vec;
using fg_test::w_size;
using fg_test::x_size;
using fg_test::y_size;

namespace {

template <class T> double tol();
template <> double tol<float>() { return 1e-5; }
template <> double tol<double>() { return 1e-12; }

std::string describe(const ConvGeom& g) {
  std::ostringstream s;
  s << "N=" << g.N << " C=" << g.C << " " << g.H << "x" << g.W << " F=" << g.F << " k=" << g.KH
    << "x" << g.KW << " stride=" << g.stride << " pad=" << g.pad;
  return s.str();
}

// Strides 1 and 2, padding 0 to 2, kernels 1, 3, 5 (and two non-square
// ones), several channel counts, batches 1 and 3, non-square images.
std::vector<ConvGeom> geometries() {
  std::vector<ConvGeom> out;
  const int channels[][2] = {{1, 2}, {3, 4}, {5, 3}};
  const int images[][2] = {{7, 10}, {6, 5}};
  for (int stride : {1, 2})
    for (int pad : {0, 1, 2})
      for (int k : {1, 3, 5})
        for (const auto& cf : channels)
          for (int n : {1, 3})
            for (const auto& hw : images) {
              ConvGeom g{n, cf[0], hw[0], hw[1], cf[1], k, k, stride, pad};
              if (g.OH() > 0 && g.OW() > 0) out.push_back(g);
            }
  out.push_back(ConvGeom{2, 2, 6, 9, 3, 3, 5, 1, 1});
  out.push_back(ConvGeom{3, 4, 8, 5, 2, 1, 3, 2, 2});
  return out;
}

// Runs fast and naive kernels of every kind on g and checks they agree.
// The fast outputs start as NaN, so an element left unwritten fails.
template <class T>
void check_fast_against_naive(const ConvGeom& g, fg::Rng& rng, bool with_bias) {
  INFO(describe(g) << (with_bias ? " with bias" : " without bias"));
  const auto x = uniform_vec<T>(x_size(g), rng), w = uniform_vec<T>(w_size(g), rng);
  const auto b = uniform_vec<T>(g.F, rng), dy = uniform_vec<T>(y_size(g), rng);
  const T* bp = with_bias ? b.data() : nullptr;

  auto y = nan_vec<T>(y_size(g)), y_ref = nan_vec<T>(y_size(g));
  fg::conv2d_forward(g, x.data(), w.data(), bp, y.data());
  fg::conv2d_forward_naive(g, x.data(), w.data(), bp, y_ref.data());
  CHECK(rel_diff(y, y_ref) <= tol<T>());

  auto dx = nan_vec<T>(x_size(g)), dx_ref = nan_vec<T>(x_size(g));
  fg::conv2d_backward_input(g, dy.data(), w.data(), dx.data());
  fg::conv2d_backward_input_naive(g, dy.data(), w.data(), dx_ref.data());
  CHECK(rel_diff(dx, dx_ref) <= tol<T>());

  auto dw = nan_vec<T>(w_size(g)), dw_ref = nan_vec<T>(w_size(g));
  auto db = nan_vec<T>(g.F), db_ref = nan_vec<T>(g.F);
  fg::conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), with_bias ? db.data() : nullptr);
  fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), dw_ref.data(),
                                   with_bias ? db_ref.data() : nullptr);
  CHECK(rel_diff(dw, dw_ref) <= tol<T>());
  if (with_bias) CHECK(rel_diff(db, db_ref) <= tol<T>());
}

// Restores the column budget when a test that changed it ends.
struct BudgetGuard {
  std::size_t saved = fg::conv_col_budget();
  ~BudgetGuard() { fg::set_conv_col_budget(saved); }
};

}  // namespace

TEMPLATE_TEST_CASE("conv2d naive forward matches hand-worked examples", "[conv]", float, double) {
  using T = TestType;
  // x is one 3x3 image 1..9, w one 2x2 filter [[1,2],[3,4]], b = 0.5.
  const std::vector<T> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 2, 3, 4}, b = {T(0.5)};
  SECTION("stride 1, no padding") {
    // y[0,0] = 1*1 + 2*2 + 3*4 + 4*5 = 37    y[0,1] = 1*2 + 2*3 + 3*5 + 4*6 = 47
    // y[1,0] = 1*4 + 2*5 + 3*7 + 4*8 = 67    y[1,1] = 1*5 + 2*6 + 3*8 + 4*9 = 77
    const ConvGeom g{1, 1, 3, 3, 1, 2, 2, 1, 0};
    REQUIRE(g.OH() == 2);
    std::vector<T> y(4);
    fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), y.data());
    CHECK(y == std::vector<T>{T(37.5), T(47.5), T(67.5), T(77.5)});
  }
  SECTION("stride 2, padding 1") {
    // Windows start at rows/cols -1 and 1; the padded row/column -1 reads 0.
    // y[0,0] = 4*x[0,0] = 4                  y[0,1] = 3*x[0,1] + 4*x[0,2] = 6 + 12 = 18
    // y[1,0] = 2*x[1,0] + 4*x[2,0] = 8 + 28 = 36
    // y[1,1] = 1*x[1,1] + 2*x[1,2] + 3*x[2,1] + 4*x[2,2] = 5 + 12 + 24 + 36 = 77
    const ConvGeom g{1, 1, 3, 3, 1, 2, 2, 2, 1};
    REQUIRE(g.OH() == 2);
    std::vector<T> y(4);
    fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), y.data());
    CHECK(y == std::vector<T>{T(4.5), T(18.5), T(36.5), T(77.5)});
  }
  SECTION("two channels, two filters, two images") {
    // Image 0: channel 0 is x above, channel 1 all ones. Image 1 is image 0
    // times 2. Filter 0 is [[1,2],[3,4]] on channel 0 and all ones on
    // channel 1 (adds 4); filter 1 is zero on channel 0 and [[0,0],[0,-1]]
    // on channel 1 (adds -1). No bias.
    std::vector<T> x2(2 * 2 * 9, T(1));
    for (int k = 0; k < 9; ++k) {
      x2[k] = x[k];
      x2[18 + k] = 2 * x[k];
      x2[27 + k] = 2;
    }
    const std::vector<T> w2 = {1, 2, 3, 4, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, -1};
    const ConvGeom g{2, 2, 3, 3, 2, 2, 2, 1, 0};
    std::vector<T> y(2 * 2 * 4);
    fg::conv2d_forward_naive(g, x2.data(), w2.data(), static_cast<const T*>(nullptr), y.data());
    // Image 0: filter 0 gives 37+4, 47+4, 67+4, 77+4; filter 1 gives -1 each.
    // Image 1 doubles everything: 82, 102, 142, 162 and -2.
    CHECK(y == std::vector<T>{41, 51, 71, 81, -1, -1, -1, -1, 82, 102, 142, 162, -2, -2, -2, -2});
  }
}

TEST_CASE("conv2d naive backward kernels match finite differences of the naive forward",
          "[conv]") {
  // L = sum(y * dy) with y = conv(x, w) + b, so dL/dx, dL/dw, dL/db are what
  // the backward kernels return. L is linear in each argument, so central
  // differences are exact up to rounding.
  const ConvGeom cases[] = {{2, 2, 5, 6, 3, 3, 3, 2, 1},
                            {1, 3, 4, 7, 2, 5, 5, 1, 2},
                            {2, 2, 6, 5, 2, 3, 1, 1, 0}};
  fg::Rng rng(7);
  for (const ConvGeom& g : cases) {
    INFO(describe(g));
    auto x = uniform_vec<double>(x_size(g), rng), w = uniform_vec<double>(w_size(g), rng);
    auto b = uniform_vec<double>(g.F, rng);
    const auto dy = uniform_vec<double>(y_size(g), rng);
    auto loss = [&]() {
      std::vector<double> y(y_size(g));
      fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), y.data());
      double s = 0;
      for (size_t i = 0; i < y.size(); ++i) s += y[i] * dy[i];
      return s;
    };
    auto numeric = [&](std::vector<double>& v) {
      std::vector<double> grad(v.size());
      const double h = 1e-3;
      for (size_t i = 0; i < v.size(); ++i) {
        const double keep = v[i];
        v[i] = keep + h;
        const double up = loss();
        v[i] = keep - h;
        const double down = loss();
        v[i] = keep;
        grad[i] = (up - down) / (2 * h);
      }
      return grad;
    };
    std::vector<double> dx(x.size()), dw(w.size()), db(b.size());
    fg::conv2d_backward_input_naive(g, dy.data(), w.data(), dx.data());
    fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), dw.data(), db.data());
    CHECK(rel_diff(dx, numeric(x)) <= 1e-9);
    CHECK(rel_diff(dw, numeric(w)) <= 1e-9);
    CHECK(rel_diff(db, numeric(b)) <= 1e-9);
  }
}

TEMPLATE_TEST_CASE("conv2d fast forward and backward match the naive twins", "[conv]", float,
                   double) {
  fg::Rng rng(11);
  const auto gs = geometries();
  REQUIRE(gs.size() > 150);
  for (size_t i = 0; i < gs.size(); ++i) check_fast_against_naive<TestType>(gs[i], rng, i % 4 != 3);
}

// The weight gradient unfolds channel-last, a run of C values per tap that
// is cut where it crosses a GEMM panel (16 to 48 rows): channel counts
// below, at and above a panel, and runs whole vectors long with a ragged end;
// the taps of a kernel row go as one run, none of them inside at the edges.
TEMPLATE_TEST_CASE("conv2d fast kernels match with many channels", "[conv]", float, double) {
  fg::Rng rng(23);
  const ConvGeom shapes[] = {{2, 32, 6, 5, 3, 5, 5, 1, 2},  {1, 16, 5, 7, 2, 3, 3, 2, 1},
                             {3, 50, 4, 4, 4, 3, 3, 1, 0},  {2, 100, 3, 5, 2, 3, 2, 1, 1},
                             {1, 17, 7, 7, 5, 5, 5, 2, 2},  {2, 64, 4, 4, 3, 1, 1, 1, 0},
                             {2, 32, 4, 3, 2, 2, 2, 1, 2},  // padding past the kernel
                             {2, 8, 6, 5, 3, 3, 3, 1, 1}};
  int channel_last[2] = {0, 0};
  for (const ConvGeom& s : shapes) {
    channel_last[0] += fg::conv_channel_last_input(s);
    channel_last[1] += fg::conv_channel_last_weight(s);
    check_fast_against_naive<TestType>(s, rng, true);
  }
  // Both ways of each backward kernel are met here.
  CHECK(channel_last[0] > 0);
  CHECK(channel_last[0] < int(std::size(shapes)));
  CHECK(channel_last[1] > 0);
  CHECK(channel_last[1] < int(std::size(shapes)));
}

TEMPLATE_TEST_CASE("conv2d fast kernels agree when the batch is cut into chunks", "[conv]",
                   float, double) {
  using T = TestType;
  BudgetGuard guard;
  // C=2, 3x3 kernel, pad 1 on 4x4: P = 16, CKK = 18, a column block of 288
  // scalars per image.
  const ConvGeom g{5, 2, 4, 4, 3, 3, 3, 1, 1};
  const std::size_t per_image = 288 * sizeof(T);
  fg::set_conv_col_budget(0);
  CHECK(fg::conv_chunk_images(g, sizeof(T)) == 1);
  fg::set_conv_col_budget(2 * per_image + per_image / 2);
  CHECK(fg::conv_chunk_images(g, sizeof(T)) == 2);
  fg::set_conv_col_budget(1000 * per_image);
  CHECK(fg::conv_chunk_images(g, sizeof(T)) == 5);

  fg::Rng rng(13);
  const ConvGeom shapes[] = {g, {3, 3, 7, 6, 4, 5, 5, 2, 2}, {4, 2, 6, 9, 3, 3, 3, 2, 0},
                             {4, 64, 5, 4, 3, 3, 3, 1, 1}};
  for (const ConvGeom& s : shapes)
    for (int images : {1, 2, 3}) {  // 3 images of 4 or 5 leave a short last chunk
      const std::size_t one = std::size_t(s.C) * s.KH * s.KW * s.OH() * s.OW() * sizeof(T);
      fg::set_conv_col_budget(images * one);
      REQUIRE(fg::conv_chunk_images(s, sizeof(T)) == images);
      check_fast_against_naive<T>(s, rng, true);
    }
}

// The forward unfolds a stride-1 convolution that keeps the width straight
// into the GEMM's panels (8 to 48 columns), a block of columns at a time
// unless a chunk's GEMM runs on a team of threads. Images of 100 to 400
// pixels give panels wholly inside one image (with and without wrapped
// columns), cut at an image's end, and spanning two images; blocks of 1 and
// 2.5 panels end inside panels and images; 24 images give forward chunks
// above the column budget. Blocks change which columns a GEMM call sees,
// not how any output is summed: the bits are the same without them.
TEMPLATE_TEST_CASE("conv2d fast forward over whole and split panels and blocks", "[conv]", float,
                   double) {
  using T = TestType;
  BudgetGuard guard;
  struct Restore {
    std::size_t block = fg::conv_forward_block_bytes();
    int threads = omp_get_max_threads();
    ~Restore() { fg::set_conv_forward_block_bytes(block); omp_set_num_threads(threads); }
  } restore;
  fg::Rng rng(29);
  const int NR = fg::gemm_panel_width<T>();
  const ConvGeom shapes[] = {{5, 4, 14, 13, 5, 5, 5, 1, 2},
                             {2, 3, 20, 20, 3, 3, 3, 1, 1},
                             {3, 2, 9, 16, 3, 5, 3, 1, 1},  // rows cut, columns kept
                             {6, 33, 12, 10, 4, 5, 5, 1, 2},
                             {24, 4, 11, 12, 5, 5, 5, 1, 2}};  // chunks larger than the budget's
  for (const ConvGeom& s : shapes) {
    REQUIRE(s.OW() == s.W);
    REQUIRE(s.OH() * s.OW() > 2 * NR);
    const std::size_t column = std::size_t(s.C) * s.KH * s.KW * sizeof(T);
    const auto x = uniform_vec<T>(x_size(s), rng), w = uniform_vec<T>(w_size(s), rng);
    for (int threads : {1, 2, 3})
      for (int images : {1, 2, 3}) {
        omp_set_num_threads(threads);
        fg::set_conv_col_budget(images * column * s.OH() * s.OW());
        REQUIRE(fg::conv_chunk_images(s, sizeof(T)) == std::min(images, s.N));
        if (s.N == 24) CHECK(fg::conv_forward_chunk_images(s, sizeof(T)) > images);
        std::vector<T> y_whole(y_size(s));
        fg::set_conv_forward_block_bytes(0);
        CHECK(fg::conv_forward_block_cols(s, NR, sizeof(T)) == 0);
        fg::conv2d_forward<T>(s, x.data(), w.data(), nullptr, y_whole.data());
        for (std::size_t block : {column * NR, column * NR * 5 / 2}) {
          INFO(threads << " threads, chunks of " << images << " images, blocks of " << block
                       << " bytes");
          fg::set_conv_forward_block_bytes(block);
          const int64_t cols = fg::conv_forward_block_cols(s, NR, sizeof(T));
          CHECK(cols % NR == 0);
          CHECK(cols < s.OH() * s.OW());
          check_fast_against_naive<T>(s, rng, images != 2);
          std::vector<T> y1(y_size(s)), y2(y_size(s));
          fg::conv2d_forward<T>(s, x.data(), w.data(), nullptr, y1.data());
          fg::conv2d_forward<T>(s, x.data(), w.data(), nullptr, y2.data());
          CHECK(y1 == y2);
          CHECK(y1 == y_whole);
        }
      }
  }
}

// The threads share out whole chunks when there are at least two per
// thread (the weight gradient then sums per slab of chunks); below that each
// chunk's GEMM uses all threads. Both ways, with 1 to 3 threads, short last
// chunks, slabs of unequal length, strides and padding, must match the
// naive twins and give the same bits when run again.
TEMPLATE_TEST_CASE("conv2d fast kernels agree when threads share out the chunks", "[conv]",
                   float, double) {
  using T = TestType;
  BudgetGuard guard;
  struct ThreadsGuard {
    int saved = omp_get_max_threads();
    ~ThreadsGuard() { omp_set_num_threads(saved); }
  } threads_guard;
  fg::Rng rng(19);
  const ConvGeom shapes[] = {{9, 3, 7, 6, 4, 5, 5, 1, 2},
                             {11, 2, 9, 8, 3, 3, 3, 2, 1},
                             {7, 4, 5, 5, 5, 3, 3, 1, 0},
                             {9, 64, 5, 4, 3, 3, 3, 1, 1},  // the channel-last ways
                             {5, 40, 6, 5, 2, 3, 3, 2, 2}};
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    for (const ConvGeom& s : shapes)
      for (int images : {1, 2, 3, 4, 100}) {  // 100: one chunk, one GEMM over all threads
        INFO(threads << " threads, chunks of " << images << " images");
        const std::size_t one = std::size_t(s.C) * s.KH * s.KW * s.OH() * s.OW() * sizeof(T);
        fg::set_conv_col_budget(images * one);
        REQUIRE(fg::conv_chunk_images(s, sizeof(T)) == std::min(images, s.N));
        check_fast_against_naive<T>(s, rng, images % 2 == 1);

        const auto x = uniform_vec<T>(x_size(s), rng), w = uniform_vec<T>(w_size(s), rng);
        const auto dy = uniform_vec<T>(y_size(s), rng);
        std::vector<T> y1(y_size(s)), y2(y_size(s)), dx1(x_size(s)), dx2(x_size(s));
        std::vector<T> dw1(w_size(s)), dw2(w_size(s));
        for (int rep = 0; rep < 2; ++rep) {
          fg::conv2d_forward<T>(s, x.data(), w.data(), nullptr, (rep ? y2 : y1).data());
          fg::conv2d_backward_input(s, dy.data(), w.data(), (rep ? dx2 : dx1).data());
          fg::conv2d_backward_weight<T>(s, x.data(), dy.data(), (rep ? dw2 : dw1).data(),
                                        nullptr);
        }
        CHECK(y1 == y2);
        CHECK(dx1 == dx2);
        CHECK(dw1 == dw2);
      }
  }
}

TEMPLATE_TEST_CASE("conv2d kernels handle a kernel larger than the padded input", "[conv]",
                   float, double) {
  using T = TestType;
  fg::Rng rng(17);
  // 2x3 image, 5x5 kernel, pad 1: OH = OW = 0, no output pixel.
  const ConvGeom g{2, 2, 2, 3, 3, 5, 5, 1, 1};
  REQUIRE(g.OH() <= 0);
  const auto x = uniform_vec<T>(x_size(g), rng), w = uniform_vec<T>(w_size(g), rng);
  const auto b = uniform_vec<T>(g.F, rng);
  std::vector<T> y(1, T(42)), dy(1, T(42));  // one sentinel: must not be written
  fg::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
  fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), y.data());
  CHECK(y[0] == T(42));
  for (int fast = 0; fast < 2; ++fast) {
    auto dx = nan_vec<T>(x_size(g)), dw = nan_vec<T>(w_size(g)), db = nan_vec<T>(g.F);
    if (fast) {
      fg::conv2d_backward_input(g, dy.data(), w.data(), dx.data());
      fg::conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), db.data());
    } else {
      fg::conv2d_backward_input_naive(g, dy.data(), w.data(), dx.data());
      fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), dw.data(), db.data());
    }
    CHECK(dx == std::vector<T>(x.size(), T(0)));
    CHECK(dw == std::vector<T>(w.size(), T(0)));
    CHECK(db == std::vector<T>(b.size(), T(0)));
  }
  // Stride 2 with a kernel one row too tall: (2 - 3) / 2 + 1 rounds to one
  // output row whose window hangs off the image. Both kernels treat the
  // missing row as padding and stay inside the buffers.
  const ConvGeom edge{2, 2, 2, 5, 3, 3, 3, 2, 0};
  REQUIRE(edge.OH() == 1);
  check_fast_against_naive<T>(edge, rng, true);
}
