// The explorer's numbers (demos/explorer): each point's loss, theta_y, psi and
// -dL/dh, -dL/dW, the margin playground's p_y, and the page writer's errors.
// The browser side is tests/browser/explorer_test.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "core/random.hpp"
#include "tests/cli_test_util.hpp"
#include "tests/data_test_util.hpp"
#include "demos/explorer/grad_field.hpp"
#include "demos/explorer/page.hpp"
#include "demos/explorer/playground.hpp"
#include "demos/explorer/probe.hpp"
#include "losses/amsoftmax.hpp"
#include "losses/arcface.hpp"

using namespace fg;

namespace {

Tensor mat(int r, int c, std::vector<real> v) { return Tensor::from({r, c}, std::move(v)); }

// ArcFace's loss of one point written out: -log softmax with the target
// logit s cos(theta_y + m) (theta_y + m <= pi here).
double arcface_by_hand(const Tensor& W, const real* h, int y, double s, double m) {
  const int K = W.size(0);
  // All in double: float products here would put rounding noise into the
  // central differences taken of this function.
  const double h0 = h[0], h1 = h[1], hn = std::hypot(h0, h1);
  double z[8], zmax = -1e300;
  for (int j = 0; j < K; ++j) {
    const double w0 = W.at(j, 0), w1 = W.at(j, 1);
    const double c = (w0 * h0 + w1 * h1) / (hn * std::hypot(w0, w1));
    z[j] = s * (j == y ? std::cos(std::acos(c) + m) : c);
    zmax = std::max(zmax, z[j]);
  }
  double sum = 0;
  for (int j = 0; j < K; ++j) sum += std::exp(z[j] - zmax);
  return -(z[y] - zmax - std::log(sum));
}

}  // namespace

TEST_CASE("explorer: a point's loss, angle, psi and -dL/dh", "[explorer]") {
  auto obj = make_objective("arcface", LossContext{3, 2, 7}, {{"s", "8"}, {"m", "0.3"}});
  const Tensor W = obj->class_weights();
  const Tensor H = mat(3, 2, {1, 0.5, -0.3, 2, 0.2, -1});
  const std::vector<int> y = {0, 2, 1};
  const PointProbes p = probe_points(*obj, H, y, W);
  REQUIRE(p.note.empty());
  for (int i = 0; i < 3; ++i) {
    const real* h = H.data() + 2 * i;
    const real* w = W.data() + 2 * y[size_t(i)];
    const double c = (w[0] * h[0] + w[1] * h[1]) / (std::hypot(h[0], h[1]) * std::hypot(w[0], w[1]));
    CHECK(p.theta_deg[size_t(i)] == Approx(std::acos(c) * 180 / M_PI).epsilon(1e-4));
    CHECK(p.psi[size_t(i)] == Approx(std::cos(std::acos(c) + 0.3)).epsilon(1e-4));
    CHECK(p.loss[size_t(i)] == Approx(arcface_by_hand(W, h, y[size_t(i)], 8, 0.3)).epsilon(1e-4));
    // -dL/dh against a central difference of the hand-written loss.
    for (int k = 0; k < 2; ++k) {
      const double eps = 1e-3;
      real hp[2] = {h[0], h[1]}, hm[2] = {h[0], h[1]};
      hp[k] += real(eps), hm[k] -= real(eps);
      const double fd = (arcface_by_hand(W, hp, y[size_t(i)], 8, 0.3) - arcface_by_hand(W, hm, y[size_t(i)], 8, 0.3)) /
                        (2 * eps);
      CHECK(p.neg_grad.at(i, k) == Approx(-fd).epsilon(2e-3).margin(1e-4));
    }
  }
  // The objective's parameter gradients are left at zero.
  for (const NamedVar& v : obj->parameters())
    for (int64_t i = 0; i < v.second.grad().numel(); ++i) CHECK(v.second.grad()[i] == 0);
}

TEST_CASE("explorer: -dL/dW is minus the gradient of the batch's mean loss", "[explorer]") {
  auto obj = make_objective("arcface", LossContext{3, 2, 11}, {{"s", "8"}, {"m", "0.3"}});
  const Tensor W = obj->class_weights().clone();
  const Tensor H = mat(3, 2, {1, 0.5, -0.3, 2, 0.2, -1});
  const std::vector<int> y = {0, 2, 1};
  const Tensor push = class_weight_push(*obj, H, y);
  REQUIRE(push.dim() == 2);
  auto mean_loss = [&](const Tensor& Wx) {
    double s = 0;
    for (int i = 0; i < 3; ++i) s += arcface_by_hand(Wx, H.data() + 2 * i, y[size_t(i)], 8, 0.3);
    return s / 3;
  };
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 2; ++k) {
      const double eps = 1e-3;
      Tensor Wp = W.clone(), Wm = W.clone();
      Wp.at(j, k) += real(eps), Wm.at(j, k) -= real(eps);
      CHECK(push.at(j, k) == Approx(-(mean_loss(Wp) - mean_loss(Wm)) / (2 * eps)).epsilon(2e-3).margin(1e-4));
    }
}

TEST_CASE("explorer: no angle or psi without class weights; pair losses say why they have no per-point loss",
          "[explorer]") {
  auto soft = make_objective("softmax", LossContext{3, 2, 1});
  const Tensor H = mat(2, 2, {1, 0, 0, 1});
  const PointProbes p = probe_points(*soft, H, {0, 1}, soft->class_weights());
  CHECK(std::isnan(p.psi[0]));  // softmax has no target-logit function
  CHECK(std::isfinite(p.theta_deg[0]));
  CHECK(std::isfinite(p.loss[1]));
  auto trip = make_objective("triplet", LossContext{3, 2, 1});
  const PointProbes q = probe_points(*trip, H, {0, 1}, Tensor());
  CHECK(std::isnan(q.theta_deg[0]));
  CHECK_THAT(q.note, Catch::Contains("pair and triplet"));
  CHECK(std::isnan(q.loss[0]));
  CHECK(std::isnan(q.neg_grad[1]));
  CHECK_THROWS_AS(probe_points(*soft, H, {0}, Tensor()), Error);
}

TEST_CASE("explorer: the playground's p_y on a circle of K classes", "[explorer]") {
  // K = 2, m = 0, theta = 0: the other class sits at cos pi = -1.
  CHECK(playground_py("arcface", 0, 2, 3, 0) == Approx(std::exp(3.0) / (std::exp(3.0) + std::exp(-3.0))));
  // CosFace, K = 4, theta = 30 degrees: cosines cos(90k - 30) to classes 1..3.
  const double t = M_PI / 6, s = 5, m = 0.2;
  double others = 0;
  for (int k = 1; k < 4; ++k) others += std::exp(s * std::cos(2 * M_PI * k / 4 - t));
  const double target = std::exp(s * (std::cos(t) - m));
  CHECK(playground_py("cosface", m, 4, s, t) == Approx(target / (target + others)).epsilon(1e-5));
  // ArcFace on W_y: p_y grows with s while m < 2 pi / K, falls when m > 2 pi / K.
  CHECK(playground_py("arcface", 0.5, 10, 64, 0) > playground_py("arcface", 0.5, 10, 16, 0));
  CHECK(playground_py("arcface", 0.7, 10, 64, 0) < playground_py("arcface", 0.7, 10, 16, 0));
  CHECK_THROWS_AS(playground_py("softmax", 0, 4, 1, 0), Error);
  CHECK_THROWS_AS(playground_py("arcface", 0, 1, 1, 0), Error);
}

TEST_CASE("explorer: the page holds its data whole and refuses what it cannot draw", "[explorer]") {
  auto obj = make_objective("arcface", LossContext{3, 2, 7}, {{"s", "8"}, {"m", "0.3"}});
  const Tensor H = mat(3, 2, {1, 0.5, -0.3, 2, 0.2, -1});
  ExplorerRun run;
  run.title = "a </script> title", run.dim = 2, run.names = {"a", "b", "c"};
  run.frames.push_back(explorer_frame(*obj, H, {0, 2, 1}, obj->class_weights(), Tensor(), 0, 0.5, 2, 1));
  CHECK(run.frames[0].y.size() == 2);  // at most max_points rows
  ExplorerPage page;
  page.title = "test", page.runs.push_back(run), page.playground = false;
  const std::string path = "build/test_explorer_page.html";
  write_explorer(path, page);
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string html = ss.str();
  CHECK(html.find("a <\\/script> title") != std::string::npos);
  CHECK(html.rfind("</html>") != std::string::npos);
  std::remove(path.c_str());
  ExplorerPage bad = page;
  bad.runs[0].dim = 1;
  CHECK_THROWS_WITH(write_explorer(path, bad), Catch::Contains("dim 1") && Catch::Contains("2 or more"));
  bad.runs[0].dim = 2, bad.runs[0].frames.clear();
  CHECK_THROWS_WITH(write_explorer(path, bad), Catch::Contains("no frames"));
  CHECK_THROWS_WITH(write_explorer(path, ExplorerPage{}), Catch::Contains("no runs"));
}

TEST_CASE("explorer: target_row's dL/dtheta is the slope of its own loss, and ArcFace's stays positive past pi - m",
          "[explorer]") {
  const std::vector<TargetLogit> ts = {plain_cosine(), cosine_margin_target(0.35), arcface_target(0.5, false)};
  for (const TargetLogit& t : ts)
    for (double deg : {20.0, 70.0, 120.0, 170.0}) {
      // Central differences of the float build need a wider step and tolerance.
      const bool dbl = sizeof(real) == 8;
      const double th = deg * M_PI / 180, eps = dbl ? 1e-5 : 3e-3, tol = dbl ? 1e-4 : 2e-2;
      const double Lp = -std::log(target_row(t, th + eps, 8, 10, 0.1).p_y);
      const double Lm = -std::log(target_row(t, th - eps, 8, 10, 0.1).p_y);
      CHECK(target_row(t, th, 8, 10, 0.1).dL_dtheta == Approx((Lp - Lm) / (2 * eps)).epsilon(tol).margin(1e-9));
    }
  // Past theta = pi - m (150.4 degrees for m = 0.5) the fallback branch still pulls theta down.
  for (double deg : {152.0, 165.0, 179.0})
    CHECK(target_row(arcface_target(0.5, false), deg * M_PI / 180, 64, 10, 0).dL_dtheta > 0);
  CHECK(target_row(plain_cosine(), 1.0, 8, 10, 0).psi == Approx(std::cos(1.0)));
  CHECK_THROWS_AS(target_row(plain_cosine(), 1.0, 8, 1, 0), Error);
}

TEST_CASE("explorer: the grad field draws 2-D features and refuses others", "[explorer]") {
  auto obj = make_objective("cosface", LossContext{3, 2, 5}, {{"s", "8"}, {"m", "0.2"}});
  FeatureSnapshot s{mat(4, 2, {1, 0.5, -0.3, 2, 0.2, -1, 0.5, 0.5}), {0, 1, 2, 0}, obj->class_weights(), Tensor(),
                    Scoring::Cosine, {"a", "b", "c"}};
  const Canvas c = grad_field_figure(*obj, s, "t", 3).render();
  CHECK(c.width() > 0);
  auto trip = make_objective("triplet", LossContext{3, 2, 5});
  FeatureSnapshot t = s;
  t.W = Tensor();
  CHECK_NOTHROW(grad_field_figure(*trip, t, "t", 10).render());
  FeatureSnapshot d3 = s;
  d3.H = mat(2, 3, {1, 0, 0, 0, 1, 0});
  d3.y = {0, 1};
  CHECK_THROWS_WITH(grad_field_figure(*obj, d3, "t", 10), Catch::Contains("needs 2-D features"));
}

TEST_CASE("explorer: batch_push is minus the batch loss's gradient; points in no active triplet get zero",
          "[explorer]") {
  auto trip = make_objective("triplet", LossContext{2, 2, 3});
  // Far apart classes: every triplet satisfied, nothing pushes.
  const Tensor far = mat(4, 2, {1, 0, 1, 0.05f, -1, 0, -1, 0.05f});
  const Tensor z = batch_push(*trip, far, {0, 0, 1, 1});
  for (int64_t i = 0; i < z.numel(); ++i) CHECK(z[i] == 0);
  // A negative inside class 0: against finite differences of the objective's own forward.
  const Tensor H = mat(4, 2, {1, 0, 0.8f, 0.5f, 0.9f, 0.2f, -1, 0.1f});
  const std::vector<int> y = {0, 0, 1, 1};
  const Tensor g = batch_push(*trip, H, y);
  auto loss_at = [&](const Tensor& X) {
    NoGrad off;
    return double(trip->forward(LossInput{constant(X), y}).value().item());
  };
  const bool dbl = sizeof(real) == 8;
  const double eps = dbl ? 1e-6 : 1e-3;
  double total = 0;
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 2; ++k) {
      Tensor P = H.clone(), M = H.clone();
      P.at(i, k) += real(eps), M.at(i, k) -= real(eps);
      CHECK(g.at(i, k) == Approx(-(loss_at(P) - loss_at(M)) / (2 * eps)).epsilon(dbl ? 1e-5 : 2e-2).margin(1e-6));
      total += std::abs(g.at(i, k));
    }
  CHECK(total > 0);
}

TEST_CASE("figures grad-theta writes its picture; feature2d --grad-field refuses 3-D", "[explorer]") {
  REQUIRE(std::ifstream("build/figures").good());
  fg_test::TempDir dir;
  auto [code, err] = fg_test::run_command("build/figures grad-theta --s 30 --K 4 --other-cos 0.2 --out " +
                                          dir.path.string());
  INFO(err);
  REQUIRE(code == 0);
  std::ifstream png(dir.path / "grad_theta.png", std::ios::binary);
  char magic[4] = {};
  png.read(magic, 4);
  CHECK(std::string(magic, 4) == "\x89PNG");
  std::tie(code, err) = fg_test::run_command("build/figures grad-theta --K 1");
  CHECK(code == 2);
  CHECK_THAT(err, Catch::Contains("--K"));
  std::tie(code, err) = fg_test::run_command("build/figures grad-theta --other-cos 2");
  CHECK(code == 2);
  CHECK_THAT(err, Catch::Contains("--other-cos"));
  std::tie(code, err) = fg_test::run_command("build/feature2d --data digits --dim 3 --grad-field");
  CHECK(code == 2);
  CHECK_THAT(err, Catch::Contains("--grad-field") && Catch::Contains("--dim 2"));
}

TEST_CASE("explorer: a triplet objective's points get the numbers of the P x K batch they are drawn in",
          "[explorer]") {
  // Two identities of two unit points each; P = 2, K = 2 draws all four into
  // batch 0. mining=all: 4 anchors x 1 positive x 2 negatives = 8 triplets,
  // t = |a - p|^2 - |a - n|^2 + 0.2. Each anchor has one open hinge (t = 2 - 2 +
  // 0.2) and one closed (2 - 4 + 0.2), so L = 4 * 0.2 / 8 = 0.1. For h_0 = (1, 0):
  // as anchor (p (0,1), n (0,-1)) dt/da = 2(n - p) = (0, -4); as positive of
  // anchor (0,1) with n (-1,0): dt/dp = 2(p - a) = (2, -2); as negative of anchor
  // (0,-1) with p (-1,0): dt/dn = 2(a - n) = (-2, -2). dL/dh_0 = (0, -8) / 8, and
  // normalising h (already unit) keeps a tangent gradient: -dL/dh_0 = (0, 1).
  auto obj = make_objective("triplet", LossContext{2, 2, 3});
  const Tensor H = mat(4, 2, {1, 0, 0, 1, -1, 0, 0, -1});
  const std::vector<int> y = {0, 0, 1, 1};
  PointProbes p = probe_points(*obj, H, y, Tensor());
  CHECK_FALSE(p.note.empty());  // no loss of one point alone
  probe_pk_batches(*obj, H, y, 2, 2, 5, p);
  CHECK(p.batch_shape == "2 x 2");
  for (int i = 0; i < 4; ++i) {
    CHECK(p.batch[size_t(i)] == 0);
    CHECK(p.loss[size_t(i)] == Approx(0.1));
  }
  CHECK(p.neg_grad.at(0, 0) == Approx(0).margin(1e-6));
  CHECK(p.neg_grad.at(0, 1) == Approx(1));
  CHECK_THAT(p.note, Catch::Contains("2 x 2") && Catch::EndsWith("4 of 4 points drawn in 1 batch"));

  // Each identity's points together, far from the other's: every hinge
  // closed, a zero loss and no pull on any point (in no active triplet).
  const Tensor apart = mat(4, 2, {1, 0, 1, 0, -1, 0, -1, 0});
  PointProbes q = probe_points(*obj, apart, y, Tensor());
  probe_pk_batches(*obj, apart, y, 2, 2, 5, q);
  for (int i = 0; i < 4; ++i) {
    CHECK(q.loss[size_t(i)] == 0);
    CHECK(q.neg_grad.at(i, 0) == 0);
    CHECK(q.neg_grad.at(i, 1) == 0);
  }
  // Three identities where P asks for four: said, not thrown.
  PointProbes r = probe_points(*obj, H, {0, 0, 1, 2}, Tensor());
  probe_pk_batches(*obj, H, {0, 0, 1, 2}, 4, 2, 5, r);
  CHECK_THAT(r.note, Catch::Contains("no 4 x 2 batch of these points"));
}

TEST_CASE("explorer: a run of more than three dimensions is drawn on its PCA plane, through the origin",
          "[explorer]") {
  // Four 4-D points spread along e1 (variance 2) and e3 (variance 0.5): the
  // principal axes are e1 and e3 (each signed along (1, 1, 1, 1)), so
  // v -> (v_1, v_3); h / |h| -> (v_1, v_3) / |v|; nothing is centred.
  ExplorerFrame f;
  f.H = mat(4, 4, {2, 0, 0, 0, -2, 0, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0});
  f.W = mat(2, 4, {1, 1, 1, 1, 0, 3, 0, 4});
  f.probes.neg_grad = mat(4, 4, {0.5, 7, -0.25, 9, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0});
  const FrameView v = project_frame(f);
  const double want_H[8] = {2, 0, -2, 0, 0, 1, 0, -1}, want_W[4] = {1, 1, 0, 0};
  const double want_Wn[4] = {0.5, 0.5, 0, 0}, want_g[8] = {0.5, -0.25, 0, 0, 1, 1, 0, 0};
  for (int k = 0; k < 8; ++k) CHECK(v.H[k] == Approx(want_H[k]).margin(1e-6));
  for (int k = 0; k < 8; ++k) CHECK(v.Hn[k] == Approx(want_H[k] / (k < 4 ? 2 : 1)).margin(1e-6));
  for (int k = 0; k < 4; ++k) CHECK(v.W[k] == Approx(want_W[k]).margin(1e-6));
  for (int k = 0; k < 4; ++k) CHECK(v.Wn[k] == Approx(want_Wn[k]).margin(1e-6));
  for (int k = 0; k < 8; ++k) CHECK(v.grad[k] == Approx(want_g[k]).margin(1e-6));
  CHECK(v.C.numel() == 0);  // no centres: none projected

  // A whole 5-D run: the page holds the plane (view 2) and the full -dL/dh.
  auto obj = make_objective("cosface", LossContext{3, 5, 7}, {{"s", "8"}});
  Rng rng(3);
  const Tensor H5 = Tensor::uniform({6, 5}, rng, -1, 1);
  ExplorerRun run;
  run.title = "five", run.dim = 5, run.names = {"a", "b", "c"};
  run.frames.push_back(explorer_frame(*obj, H5, {0, 1, 2, 0, 1, 2}, obj->class_weights(), Tensor(), 0, 0.5, 0, 1));
  ExplorerPage page;
  page.title = "five", page.runs.push_back(run), page.playground = false;
  const std::string path = "build/test_explorer_dim5.html";
  write_explorer(path, page);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string html = ss.str();
  CHECK(html.find("\"dim\":5, \"view\":2") != std::string::npos);
  CHECK(html.find("\"grad_full\":[") != std::string::npos);
  CHECK(html.find("\"Hn\":[") != std::string::npos);
  CHECK(html.find("PCA plane") != std::string::npos);  // the page says how it draws it
  std::remove(path.c_str());
}
