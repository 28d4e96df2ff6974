// figures: the lecture's three comparison pictures, each one command.
//
//   build/figures center-lambda    softmax + lambda * center with lambda = 0.001,
//                                  0.01, 0.1, 1: the features of each (four panels,
//                                  centres c_j as diamonds), as in the Center
//                                  Loss paper's figure of the lecture
//   build/figures lsoftmax-m       L-Softmax with m = 1, 2, 3, 4: training
//                                  features (top row) and test features (bottom)
//   build/figures target-logits    the target logit psi(theta) of softmax,
//                                  SphereFace, CosFace, ArcFace and combined
//                                  margins against theta, from the losses' own
//                                  psi functions (the lecture's "final loss
//                                  comparison"); trains nothing
//   build/figures grad-theta       for each margin loss at one scale s (--s,
//                                  default 64) and K classes (--K, default 10)
//                                  with the other K - 1 cosines held at
//                                  --other-cos (default 0): psi(theta), p_y and
//                                  dL/dtheta_y against theta, the gradient from
//                                  the margin-softmax node's own backward
//                                  (demos/explorer/playground.hpp); trains nothing
//
// Each writes one PNG into --out (default out/figures): center_lambda.png,
// lsoftmax_m.png, target_logits.png, grad_theta.png, and prints its path. The training
// figures share the gallery's budget options (--data, --epochs,
// --train-images, ...); `build/figures CMD --help` lists them.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "core/data/batching.hpp"
#include "demos/cli/args.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/features/metrics.hpp"
#include "demos/features/run.hpp"
#include "demos/features/views.hpp"
#include "demos/explorer/playground.hpp"
#include "demos/train/trace.hpp"
#include "losses/amsoftmax.hpp"
#include "losses/arcface.hpp"
#include "losses/combined.hpp"
#include "losses/lsoftmax.hpp"
#include "losses/params.hpp"
#include "demos/cli/counted.hpp"

using namespace fg;

namespace {

const char* kUsage =
    "figures center-lambda|lsoftmax-m|target-logits|grad-theta [--s X] [--K N] [--other-cos X] [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR] "
    "[--epochs N] [--train-images N] [--test-images N] [--batch N] [--optim sgd|adam] [--lr X] [--clip X] [--seed N] "
    "[--threads N] [--jobs N] [--out DIR] [--trace-nonfinite] [--quiet] [--help]";

// The budget options of the training figures.
struct Budget {
  std::string data_spec, optim, out;
  int epochs = 4, train_images = kPanelTrainImages, test_images = 0, threads = 1, batch = 32, jobs = 0;
  double lr = 0.02, clip = 5;
  int64_t seed = 1;
  bool quiet = false;
};

Budget read_budget(Args& args, bool trains) {
  Budget b;
  if (trains) {
    b.data_spec = args.get_string("--data", "mnist", kDataChoices);
    b.epochs = args.get_int("--epochs", 4, 1, 1000, "passes over the training images, for every panel");
    b.train_images = args.get_int("--train-images", kPanelTrainImages, 0, 10000000, "training images (0: all)");
    b.test_images = args.get_int("--test-images", 0, 0, 10000000, "test images (0: all)");
    b.optim = args.get_choice("--optim", "sgd", {"sgd", "adam"}, "optimizer");
    b.lr = args.get_double("--lr", b.optim == "sgd" ? 0.02 : 0.002, 1e-6, 10,
                           "initial learning rate (cosine decay to 0)");
    b.batch = args.get_int("--batch", 32, 2, 4096, "images per step");
    b.clip = args.get_double("--clip", 5, 0, 1e9, "clip the gradients' global norm to this (0: off)");
    b.seed = args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
    b.threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    b.jobs = args.get_int("--jobs", 0, 0, 64,
                          "panels trained at once, each on --threads / jobs threads (0: one per thread)");
    b.quiet = args.get_flag("--quiet", "no progress bar");
    read_trace_nonfinite(args);
  }
  b.out = args.get_string("--out", "out/figures", "output directory");
  args.finish();
  if (trains) check_data_spec(args, b.data_spec);
  make_out_dir(args, "--out", b.out);
  return b;
}

DataSplit load_budget_data(const Budget& b) {
  DataSplit d = load_data(b.data_spec, uint64_t(b.seed));
  auto cap = [&](Dataset& s, int n, uint64_t stream) {
    if (n <= 0 || n >= s.size()) return;
    std::vector<int> keep = epoch_order(s.size(), derive_seed(uint64_t(b.seed), stream), 0);
    keep.resize(size_t(n));
    std::sort(keep.begin(), keep.end());
    const std::string name = s.name;
    s = subset(s, keep);
    s.name = name + " (" + std::to_string(n) + " of them)";
  };
  cap(d.train, b.train_images, 0x5eb);
  cap(d.test, b.test_images, 0x7e5);
  std::printf("%s; %s over %d training images a panel\n", d.description.c_str(), counted(b.epochs, "epoch").c_str(),
              d.train.size());
  std::fflush(stdout);
  return d;
}

struct Trained {
  FeatureSnapshot train, test;
  double accuracy = NAN;
};

// Trains one objective on the budget; the features of the test set and of
// (at most 5000) training images.
Trained train_one(const std::string& objective, const Budget& b, const DataSplit& d, bool alone) {
  FeatureRunOptions o;
  o.objective = objective, o.dim = 2, o.epochs = b.epochs, o.optimizer = b.optim, o.lr = b.lr;
  o.batch = b.batch, o.clip = b.clip;
  o.seed = uint64_t(b.seed), o.eval_each_epoch = false, o.progress = !b.quiet && alone, o.verbose = alone;
  FeatureRun run(o, d.train, &d.test);
  run.trainer().fit();
  Trained t;
  const Embeddings te = run.trainer().evaluate(d.test);
  std::vector<int> order = epoch_order(d.train.size(), derive_seed(uint64_t(b.seed), 0x7a1), 0);
  order.resize(std::min<size_t>(order.size(), 5000));
  const Embeddings tr = run.trainer().evaluate_indices(d.train, order);
  const Tensor W = run.class_weights().clone(), C = run.centres().clone();
  t.test = FeatureSnapshot{te.h, te.labels, W, C, run.scoring(), d.test.class_names};
  t.train = FeatureSnapshot{tr.h, tr.labels, W, C, run.scoring(), d.train.class_names};
  t.test.max_points = t.train.max_points = 5000;
  t.accuracy = te.has_accuracy ? te.accuracy : NAN;
  const int K = std::max(d.train.num_classes(), d.test.num_classes());
  const FeatureMetrics f = feature_metrics(te.h, te.labels, K);
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::printf("%s: test accuracy %.3f, intra-class angle %.1f deg, min inter-class angle %.1f deg\n",
              objective.c_str(), t.accuracy, f.intra_deg, f.min_inter_deg);
  std::fflush(stdout);
  return t;
}

// Trains every objective, `b.jobs` at a time (see run_tasks).
std::vector<Trained> train_all(const std::vector<std::string>& objectives, const Budget& b, const DataSplit& d) {
  const int n = int(objectives.size());
  const int jobs = b.jobs > 0 ? b.jobs : std::max(1, std::min(b.threads, n));
  const int per_job = std::max(1, b.threads / jobs);
  std::printf("%d trainings, %d at a time on %d thread%s each\n", n, jobs, per_job, per_job > 1 ? "s" : "");
  std::fflush(stdout);
  std::vector<Trained> out(static_cast<size_t>(n));
  run_tasks(n, jobs, per_job, [&](int i) { out[size_t(i)] = train_one(objectives[size_t(i)], b, d, jobs == 1); });
  return out;
}

std::string acc_text(double a) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "test acc %.3f", a);
  return buf;
}

int center_lambda(Args& args) {
  const Budget b = read_budget(args, true);
  const DataSplit d = load_budget_data(b);
  const double lambdas[] = {0.001, 0.01, 0.1, 1};
  Figure fig(4, 1, 440, 440);
  fig.title = "softmax + lambda * center loss (alpha_c = 0.5): training features of " + d.train.name;
  std::vector<std::string> objectives;
  for (double l : lambdas) objectives.push_back("softmax+" + num_str(l) + "*center");
  const std::vector<Trained> runs = train_all(objectives, b, d);
  for (int i = 0; i < 4; ++i) {
    const Trained& t = runs[size_t(i)];
    fig.panel(i) = raw_panel(t.train, "lambda = " + num_str(lambdas[i]) + ", " + acc_text(t.accuracy));
    if (i > 0) fig.panel(i).legend = LegendPos::None;
  }
  const std::string path = b.out + "/center_lambda.png";
  fig.save_png(path);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

int lsoftmax_m(Args& args) {
  const Budget b = read_budget(args, true);
  const DataSplit d = load_budget_data(b);
  // lambda(t) = max(1, 1000 / (1 + gamma t)) reaches its floor 1 half-way through the run.
  const int steps = b.epochs * ((d.train.size() + b.batch - 1) / b.batch);
  const double gamma = 999.0 / std::max(1.0, steps / 2.0);
  Figure fig(4, 2, 420, 420);
  fig.title = "L-Softmax with m = 1..4 (lambda annealed from 1000 to 1 in the first half): training features (top), test features (bottom)";
  std::vector<std::string> objectives;
  for (int m = 1; m <= 4; ++m)
    objectives.push_back("lsoftmax:m=" + std::to_string(m) + ",gamma=" + num_str(gamma) + ",lambda_min=1");
  const std::vector<Trained> runs = train_all(objectives, b, d);
  for (int m = 1; m <= 4; ++m) {
    const Trained& t = runs[size_t(m - 1)];
    fig.panel(m - 1, 0) = raw_panel(t.train, "m = " + std::to_string(m) + ", training set");
    fig.panel(m - 1, 1) = raw_panel(t.test, "m = " + std::to_string(m) + ", " + acc_text(t.accuracy));
    for (int r = 0; r < 2; ++r)
      if (m > 1 || r > 0) fig.panel(m - 1, r).legend = LegendPos::None;
  }
  const std::string path = b.out + "/lsoftmax_m.png";
  fig.save_png(path);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

int target_logits(Args& args) {
  const Budget b = read_budget(args, false);
  struct Curve {
    std::string label;
    TargetLogit psi;
    LineStyle style;
  };
  const std::vector<Curve> curves = {
      {"softmax / NormFace: cos theta", plain_cosine(), LineStyle::Solid},
      {"SphereFace m = 4 (lambda = 0)", lsoftmax_target(4, 0), LineStyle::Solid},
      {"SphereFace m = 4, lambda = 5 (annealing floor)", lsoftmax_target(4, 5), LineStyle::Dashed},
      {"CosFace: cos theta - 0.35", cosine_margin_target(0.35), LineStyle::Solid},
      {"ArcFace: cos(theta + 0.5)", arcface_target(0.5, false), LineStyle::Solid},
      {"combined (1, 0.3, 0.2)", combined_target(1, 0.3, 0.2), LineStyle::Solid},
      {"combined (1.35, 0, 0)", combined_target(1.35, 0, 0), LineStyle::Dashed},
  };
  Figure fig(2, 1, 720, 520);
  fig.title = "Target logit psi(theta) of the margin losses (each evaluated by the loss's own psi)";
  for (int panel = 0; panel < 2; ++panel) {
    Plot& p = fig.panel(panel);
    const double lo = panel == 0 ? 0 : 20, hi = panel == 0 ? 180 : 100;
    p.title = panel == 0 ? "0 to 180 degrees" : "20 to 100 degrees (where training samples sit)";
    p.xlabel = "theta: angle between h and W_y (degrees)";
    p.ylabel = "target logit psi(theta)";
    p.xlim(lo, hi);
    p.ylim(panel == 0 ? -2.5 : -1, 1.05);
    for (size_t k = 0; k < curves.size(); ++k) {
      std::vector<double> x, y;
      for (int i = 0; i <= 720; ++i) {
        const double deg = lo + (hi - lo) * i / 720.0;
        x.push_back(deg);
        y.push_back(curves[k].psi.psi(std::cos(deg * M_PI / 180)));
      }
      LineOpts o;
      o.color = class_color(int(k));
      o.style = curves[k].style;
      p.line(x, y, curves[k].label, o);
    }
    p.hline(0, grey(120), LineStyle::Dotted);
    p.legend = panel == 0 ? LegendPos::None : LegendPos::Outside;
  }
  const std::string path = b.out + "/target_logits.png";
  fig.save_png(path);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

int grad_theta(Args& args) {
  const double s = args.get_double("--s", 64, 1e-3, 1e4, "the scale s of every loss (SphereFace's |h| too)");
  const int K = args.get_int("--K", 10, 2, 100000, "classes");
  const double c_other = args.get_double("--other-cos", 0, -1, 1, "cosine of h to each of the K - 1 other classes");
  const Budget b = read_budget(args, false);
  struct Curve {
    std::string label;
    TargetLogit psi;
    LineStyle style;
  };
  // ArcFace without its fallback is no loss of facegrad: it is drawn, dotted,
  // only to show what the fallback prevents.
  const double m = 0.5;
  TargetLogit no_fallback{[=](double c) { return std::cos(theta_of(c) + m); },
                          [=](double c) { return std::cos(m) + std::sin(m) * clamp_cos(c) / sin_theta_of(c); }};
  const std::vector<Curve> curves = {
      {"NormFace: cos theta", plain_cosine(), LineStyle::Solid},
      {"SphereFace m = 4, lambda = 0", lsoftmax_target(4, 0), LineStyle::Solid},
      {"SphereFace m = 4, lambda = 5", lsoftmax_target(4, 5), LineStyle::Dashed},
      {"CosFace: cos theta - 0.35", cosine_margin_target(0.35), LineStyle::Solid},
      {"ArcFace: cos(theta + 0.5), fallback past pi - m", arcface_target(m, false), LineStyle::Solid},
      {"cos(theta + 0.5) without the fallback", no_fallback, LineStyle::Dotted},
  };
  Figure fig(3, 1, 560, 520);
  char title[200];
  std::snprintf(title, sizeof title,
                "Where the margin losses push: s = %g, K = %d, the other %d cosines held at %g "
                "(dL/dtheta_y from the margin-softmax node's backward)",
                s, K, K - 1, c_other);
  fig.title = title;
  const char* ylabels[3] = {"target logit psi(theta)", "p_y", "dL/dtheta_y (per radian)"};
  for (int panel = 0; panel < 3; ++panel) {
    Plot& p = fig.panel(panel);
    p.title = panel == 0 ? "psi(theta)" : panel == 1 ? "p_y = exp(-L)" : "dL/dtheta_y: > 0 pushes theta_y down";
    p.xlabel = "theta_y: angle between h and W_y (degrees)";
    p.ylabel = ylabels[panel];
    p.xlim(0, 180);
    for (size_t k = 0; k < curves.size(); ++k) {
      std::vector<double> x, y;
      for (int i = 1; i < 720; ++i) {
        const double deg = 180.0 * i / 720.0;
        const TargetRow r = target_row(curves[k].psi, deg * M_PI / 180, s, K, c_other);
        x.push_back(deg);
        y.push_back(panel == 0 ? r.psi : panel == 1 ? r.p_y : r.dL_dtheta);
      }
      LineOpts o;
      o.color = class_color(int(k));
      o.style = curves[k].style;
      p.line(x, y, curves[k].label, o);
    }
    p.hline(0, grey(120), LineStyle::Dotted);
    p.vline(180 - m * 180 / M_PI, grey(150), LineStyle::Dotted);
    p.legend = panel == 2 ? LegendPos::Outside : LegendPos::None;
  }
  const std::string path = b.out + "/grad_theta.png";
  fig.save_png(path);
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    const std::string cmd = argc >= 2 ? argv[1] : "";
    std::vector<std::string> rest(argv + std::min(argc, 2), argv + argc);
    if (cmd == "--help" || cmd == "-h") {
      std::printf("usage: %s\n\n  center-lambda   softmax + lambda center, lambda = 0.001, 0.01, 0.1, 1\n"
                  "  lsoftmax-m      L-Softmax with m = 1, 2, 3, 4, training and test features\n"
                  "  target-logits   psi(theta) of the margin losses\n"
                  "  grad-theta      psi(theta), p_y and dL/dtheta_y of the margin losses\n\n"
                  "`figures COMMAND --help` lists the options of one command.\n",
                  kUsage);
      return 0;
    }
    Args args(rest, kUsage, "figures");
    if (cmd == "center-lambda") return center_lambda(args);
    if (cmd == "lsoftmax-m") return lsoftmax_m(args);
    if (cmd == "target-logits") return target_logits(args);
    if (cmd == "grad-theta") return grad_theta(args);
    throw ArgError(cmd.empty() ? "no command given; expected center-lambda, lsoftmax-m, target-logits or grad-theta"
                               : "unknown command '" + cmd +
                                     "'; expected center-lambda, lsoftmax-m, target-logits or grad-theta",
                   kUsage);
  });
}
