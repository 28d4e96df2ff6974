// Winograd convolution: the transform matrices against hand-derived numbers
// and against the 1-D correlation they stand for, then the three kernels
// against the direct-loop twins of conv.hpp over the LeNet++ layers and odd
// shapes, in double and in float.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/kernels/conv.hpp"
#include "core/kernels/conv_tuning.hpp"
#include "core/kernels/winograd.hpp"
#include "core/kernels/winograd_transforms.hpp"
#include "core/random.hpp"
#include "tests/conv_test_util.hpp"

using fg::ConvGeom;
using fg_test::nan_vec;
using fg_test::rel_diff;
using fg_test::uniform_vec;

namespace {

std::string describe(const ConvGeom& g, int m) {
  std::ostringstream s;
  s << "F(" << m << "x" << m << ", " << g.KH << "x" << g.KW << ") N=" << g.N << " C=" << g.C
    << " " << g.H << "x" << g.W << " F=" << g.F << " pad=" << g.pad;
  return s.str();
}

// Float tolerance per tile size: the largest error of notes/06-kernels.md's
// table ("Winograd") over the LeNet++ layers and the three passes, times
// about 3 for other random data.
double float_tol(int m) { return m == 2 ? 2.5e-5 : 4e-5; }

// Runs the three Winograd kernels in T on g and compares them with the
// direct twins in double on the same data (rounded to T).
template <class T>
void check_against_direct(const ConvGeom& g, int m, fg::Rng& rng, double tol) {
  INFO(describe(g, m));
  REQUIRE(fg::winograd_supported(g, m));
  const size_t nx = size_t(g.N) * g.C * g.H * g.W, nw = size_t(g.F) * g.C * g.KH * g.KW;
  const size_t ny = size_t(g.N) * g.F * g.OH() * g.OW();
  const auto x = uniform_vec<T>(nx, rng), w = uniform_vec<T>(nw, rng);
  const auto b = uniform_vec<T>(g.F, rng), dy = uniform_vec<T>(ny, rng);
  const std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()),
      bd(b.begin(), b.end()), dyd(dy.begin(), dy.end());

  auto y = nan_vec<T>(ny);
  std::vector<double> y_ref(ny);
  fg::winograd_forward(g, m, x.data(), w.data(), b.data(), y.data());
  fg::conv2d_forward_naive(g, xd.data(), wd.data(), bd.data(), y_ref.data());
  CHECK(rel_diff(y, y_ref) <= tol);

  auto dx = nan_vec<T>(nx);
  std::vector<double> dx_ref(nx);
  fg::winograd_backward_input(g, m, dy.data(), w.data(), dx.data());
  fg::conv2d_backward_input_naive(g, dyd.data(), wd.data(), dx_ref.data());
  CHECK(rel_diff(dx, dx_ref) <= tol);

  auto dw = nan_vec<T>(nw);
  std::vector<double> dw_ref(nw);
  fg::winograd_backward_weight(g, m, x.data(), dy.data(), dw.data());
  fg::conv2d_backward_weight_naive(g, xd.data(), dyd.data(), dw_ref.data(), (double*)nullptr);
  CHECK(rel_diff(dw, dw_ref) <= tol);
}

// The six 5x5, padding-2 convolutions of LeNet++, at batch n.
std::vector<ConvGeom> lenet_layers(int n) {
  return {{n, 1, 28, 28, 32, 5, 5, 1, 2},  {n, 32, 28, 28, 32, 5, 5, 1, 2},
          {n, 32, 14, 14, 64, 5, 5, 1, 2}, {n, 64, 14, 14, 64, 5, 5, 1, 2},
          {n, 64, 7, 7, 128, 5, 5, 1, 2},  {n, 128, 7, 7, 128, 5, 5, 1, 2}};
}

// Sides that are not multiples of the tile, 1 and 3 channels, batch 1,
// every padding the kernels take, 3x3 and 5x5 filters, outputs of 1 pixel.
std::vector<ConvGeom> odd_shapes() {
  std::vector<ConvGeom> out;
  for (int r : {3, 5})
    for (int pad = 0; pad < r; ++pad)
      for (const auto& s : {ConvGeom{1, 1, 9, 11, 2, r, r, 1, pad},
                            ConvGeom{2, 3, 7, 6, 4, r, r, 1, pad},
                            ConvGeom{1, 3, 5, 13, 1, r, r, 1, pad},
                            ConvGeom{3, 2, r, r, 3, r, r, 1, pad}})
        out.push_back(s);
  return out;
}

// Restores the Winograd mode when a test that changed it ends.
struct ModeGuard {
  int saved = fg::conv_winograd_mode();
  ~ModeGuard() { fg::set_conv_winograd_mode(saved); }
};

}  // namespace

// F(2, 3) from the points 0, 1, -1 and infinity, worked by hand from the
// construction in winograd_transforms.hpp: M_0 = x^2 - 1 (N_0 = -1),
// M_1 = x^2 + x (N_1 = 2), M_2 = x^2 - x (N_2 = 2), M = x^3 - x.
TEST_CASE("winograd F(2, 3) matrices match the hand-worked construction", "[winograd]") {
  const fg::WinogradMatrices w = fg::winograd_matrices(2, 3);
  CHECK(w.alpha == 4);
  CHECK(w.AT == std::vector<double>{1, 1, 1, 0, 0, 1, -1, 1});
  CHECK(w.G == std::vector<double>{-1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1});
  CHECK(w.BT == std::vector<double>{-1, 0, 1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, -1, 0, 1});
  CHECK(fg::winograd_points(8) == std::vector<double>{0, 1, -1, 0.5, -0.5, 2, -2});
}

TEST_CASE("winograd matrices compute the 1-D correlation they stand for", "[winograd]") {
  fg::Rng rng(5);
  for (int m : {1, 2, 3, 4, 5})
    for (int r : {1, 2, 3, 4, 5}) {
      if (m == 1 && r == 1) continue;  // nothing to multiply: no points
      INFO("F(" << m << ", " << r << ")");
      const fg::WinogradMatrices w = fg::winograd_matrices(m, r);
      const int a = w.alpha;
      const auto g = uniform_vec<double>(r, rng), d = uniform_vec<double>(a, rng);
      for (int j = 0; j < m; ++j) {
        double direct = 0, wino = 0;
        for (int u = 0; u < r; ++u) direct += g[u] * d[j + u];
        for (int i = 0; i < a; ++i) {
          double gg = 0, dd = 0;
          for (int u = 0; u < r; ++u) gg += w.G[i * r + u] * g[u];
          for (int k = 0; k < a; ++k) dd += w.BT[i * a + k] * d[k];
          wino += w.AT[j * a + i] * gg * dd;
        }
        CHECK(wino == Approx(direct).margin(1e-13));
      }
    }
  CHECK_THROWS_WITH(fg::winograd_matrices(8, 5), Catch::Contains("F(8, 5)"));
}

TEST_CASE("winograd_supported takes stride-1 square 3x3 and 5x5 filters", "[winograd]") {
  const ConvGeom ok{2, 3, 8, 8, 4, 5, 5, 1, 2};
  CHECK(fg::winograd_supported(ok, 2));
  CHECK(fg::winograd_supported(ok, 4));
  CHECK_FALSE(fg::winograd_supported(ok, 3));
  ConvGeom g = ok;
  g.stride = 2;
  CHECK_FALSE(fg::winograd_supported(g, 2));
  g = ok, g.KW = 3;
  CHECK_FALSE(fg::winograd_supported(g, 2));
  g = ok, g.KH = g.KW = 7;
  CHECK_FALSE(fg::winograd_supported(g, 2));
  g = ok, g.pad = 5;  // past r - 1: the data gradient would need a negative padding
  CHECK_FALSE(fg::winograd_supported(g, 2));
  g = ok, g.H = 3, g.pad = 0;  // no output row
  CHECK_FALSE(fg::winograd_supported(g, 2));
  g = ok, g.C = 0;
  CHECK_FALSE(fg::winograd_supported(g, 2));
}

TEST_CASE("winograd kernels match the direct twins in double", "[winograd]") {
  fg::Rng rng(17);
  for (int m : {2, 4}) {
    for (const ConvGeom& g : lenet_layers(2)) check_against_direct<double>(g, m, rng, 1e-12);
    for (const ConvGeom& g : odd_shapes()) check_against_direct<double>(g, m, rng, 1e-12);
  }
}

TEST_CASE("winograd kernels match the direct twins in float", "[winograd]") {
  fg::Rng rng(19);
  for (int m : {2, 4}) {
    for (const ConvGeom& g : lenet_layers(2)) check_against_direct<float>(g, m, rng, float_tol(m));
    for (const ConvGeom& g : odd_shapes()) check_against_direct<float>(g, m, rng, float_tol(m));
  }
}

// Many blocks of tiles, several slabs of the weight gradient, threads
// sharing them out: the result equals a second run bit for bit.
TEST_CASE("winograd kernels are deterministic over many blocks", "[winograd]") {
  fg::Rng rng(29);
  const ConvGeom g{40, 8, 12, 12, 8, 5, 5, 1, 2};
  const size_t nx = size_t(g.N) * g.C * g.H * g.W, nw = size_t(g.F) * g.C * 25;
  const auto x = uniform_vec<double>(nx, rng), dy = uniform_vec<double>(nx, rng);
  std::vector<double> dw1(nw), dw2(nw), dw_ref(nw);
  fg::winograd_backward_weight(g, 4, x.data(), dy.data(), dw1.data());
  fg::winograd_backward_weight(g, 4, x.data(), dy.data(), dw2.data());
  fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), dw_ref.data(), (double*)nullptr);
  CHECK(dw1 == dw2);
  CHECK(rel_diff(dw1, dw_ref) <= 1e-12);
}

TEST_CASE("conv2d picks Winograd by the rule of conv_tuning.hpp", "[winograd]") {
  ModeGuard guard;
  fg::set_conv_winograd_mode(-1);
  const auto layers = lenet_layers(128);
  // Layers 1 to 6: every pass but those of the 1-channel first layer.
  const int forward[] = {0, 4, 4, 4, 4, 4}, weight[] = {0, 4, 4, 4, 4, 4};
  for (size_t k = 0; k < layers.size(); ++k) {
    INFO("layer " << k + 1);
    CHECK(fg::conv_winograd_tile(layers[k], fg::ConvPass::forward) == forward[k]);
    CHECK(fg::conv_winograd_tile(layers[k], fg::ConvPass::data) == forward[k]);
    CHECK(fg::conv_winograd_tile(layers[k], fg::ConvPass::weight) == weight[k]);
  }
  ConvGeom g = layers[1];
  g.stride = 2;
  CHECK(fg::conv_winograd_tile(g, fg::ConvPass::forward) == 0);
  g = layers[1], g.KH = g.KW = 3, g.pad = 1;  // 3x3: not measured, im2col
  CHECK(fg::conv_winograd_tile(g, fg::ConvPass::forward) == 0);
  fg::set_conv_winograd_mode(0);
  CHECK(fg::conv_winograd_tile(layers[1], fg::ConvPass::forward) == 0);
  fg::set_conv_winograd_mode(2);
  CHECK(fg::conv_winograd_tile(layers[0], fg::ConvPass::weight) == 2);
  CHECK(fg::conv_winograd_tile(g, fg::ConvPass::data) == 2);
  g.stride = 2;
  CHECK(fg::conv_winograd_tile(g, fg::ConvPass::data) == 0);  // forced, but not supported
  CHECK_THROWS_WITH(fg::set_conv_winograd_mode(3), Catch::Contains("mode 3"));
  CHECK(fg::conv_winograd_mode() == 2);
}

// conv2d_* forced through each path: both match the direct twin, and the
// forced Winograd one is the Winograd kernel itself, bit for bit.
TEMPLATE_TEST_CASE("conv2d forced through Winograd or im2col matches the twins", "[winograd]",
                   float, double) {
  using T = TestType;
  ModeGuard guard;
  fg::Rng rng(31);
  const double tol = sizeof(T) == 8 ? 1e-12 : float_tol(4);
  for (const ConvGeom& g : {ConvGeom{2, 32, 9, 7, 33, 5, 5, 1, 2}, ConvGeom{1, 3, 6, 5, 2, 3, 3, 1, 1}}) {
    INFO(describe(g, 4));
    const size_t nx = size_t(g.N) * g.C * g.H * g.W, nw = size_t(g.F) * g.C * g.KH * g.KW;
    const size_t ny = size_t(g.N) * g.F * g.OH() * g.OW();
    const auto x = uniform_vec<T>(nx, rng), w = uniform_vec<T>(nw, rng),
               b = uniform_vec<T>(g.F, rng), dy = uniform_vec<T>(ny, rng);
    std::vector<T> y_ref(ny), dx_ref(nx), dw_ref(nw), db_ref(g.F);
    fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), y_ref.data());
    fg::conv2d_backward_input_naive(g, dy.data(), w.data(), dx_ref.data());
    fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), dw_ref.data(), db_ref.data());
    std::vector<T> wy(ny), wdx(nx), wdw(nw);
    fg::winograd_forward(g, 4, x.data(), w.data(), b.data(), wy.data());
    fg::winograd_backward_input(g, 4, dy.data(), w.data(), wdx.data());
    fg::winograd_backward_weight(g, 4, x.data(), dy.data(), wdw.data());
    for (int mode : {0, 4}) {
      INFO("mode " << mode);
      fg::set_conv_winograd_mode(mode);
      auto y = nan_vec<T>(ny), dx = nan_vec<T>(nx), dw = nan_vec<T>(nw), db = nan_vec<T>(g.F);
      fg::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
      fg::conv2d_backward_input(g, dy.data(), w.data(), dx.data());
      fg::conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), db.data());
      CHECK(rel_diff(y, y_ref) <= tol);
      CHECK(rel_diff(dx, dx_ref) <= tol);
      CHECK(rel_diff(dw, dw_ref) <= tol);
      CHECK(rel_diff(db, db_ref) <= (sizeof(T) == 8 ? 1e-12 : 1e-5));
      CHECK((y == wy) == (mode == 4));
      CHECK((dx == wdx) == (mode == 4));
      CHECK((dw == wdw) == (mode == 4));
    }
  }
}
