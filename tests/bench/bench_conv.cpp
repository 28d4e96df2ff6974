// Benchmark: the im2col/GEMM convolution against its direct-loop twin.
//
// One line per case: "conv <shape> ... ratio=X.XX", the shapes being the six
// 5x5, padding-2 convolutions of LeNet++ at batch 128. A case is one training
// step of the layer: forward (with bias), backward to the input, backward to
// the weights and bias. Figures are images per second, the median of several
// repetitions after a warm-up; ratio = ours / naive (higher is better).
//
// The naive twin is single-threaded and slow, so it is timed on a smaller
// batch (--naive-batch, 4 by default) and reported per image; a convolution
// costs the same per image at any batch size. Before timing, both run on
// that small batch and maxrel reports the largest difference between their
// outputs (y, dx, dw, db) over the largest entry.
//
// Then the Winograd rows (core/kernels/winograd.hpp), per layer and tile size:
//
//   "winograd-error ...": the float error of Winograd and of the im2col path,
//   max |ours - exact| / max |exact| against the direct twin in double on
//   the same data (batch --naive-batch), forward, data and weight gradient;
//   "winograd ... ratio=X.XX": one pass at batch --batch, im2col time over
//   Winograd time (higher: Winograd is faster), both medians of --reps
//   rounds that run the im2col path and every tile size one after the
//   other, so a busy machine slows them alike.
//
// Usage: bench_conv [FILTER] [--reps N] [--batch N] [--naive-batch N]
//                   [--budget MiB] [--winograd-only]
// FILTER keeps cases whose label contains it; --budget sets the im2col column
// buffer (core/kernels/conv_tuning.hpp). Threads: OMP_NUM_THREADS (all cores by default).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/kernels/conv.hpp"
#include "core/kernels/conv_tuning.hpp"
#include "core/kernels/winograd.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

namespace {

using fg::ConvGeom;
using fg::real;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string filter;
  int reps = 5, batch = 128, naive_batch = 4;
  double budget_mib = -1;  // < 0: the library default
  bool winograd_only = false;
};

struct Buffers {  // one layer's tensors at batch g.N
  std::vector<real> x, w, b, y, dy, dx, dw, db;
  Buffers(const ConvGeom& g, fg::Rng& rng) {
    const size_t nx = size_t(g.N) * g.C * g.H * g.W, nw = size_t(g.F) * g.C * g.KH * g.KW;
    const size_t ny = size_t(g.N) * g.F * g.OH() * g.OW();
    auto fill = [&](std::vector<real>& v, size_t n) {
      v.resize(n);
      for (real& e : v) e = real(rng.uniform(-1.0, 1.0));
    };
    fill(x, nx), fill(w, nw), fill(b, g.F), fill(dy, ny);
    y.resize(ny), dx.resize(nx), dw.resize(nw), db.resize(g.F);
  }
};

void step_fast(const ConvGeom& g, Buffers& t) {
  fg::conv2d_forward(g, t.x.data(), t.w.data(), t.b.data(), t.y.data());
  fg::conv2d_backward_input(g, t.dy.data(), t.w.data(), t.dx.data());
  fg::conv2d_backward_weight(g, t.x.data(), t.dy.data(), t.dw.data(), t.db.data());
}

void step_naive(const ConvGeom& g, Buffers& t) {
  fg::conv2d_forward_naive(g, t.x.data(), t.w.data(), t.b.data(), t.y.data());
  fg::conv2d_backward_input_naive(g, t.dy.data(), t.w.data(), t.dx.data());
  fg::conv2d_backward_weight_naive(g, t.x.data(), t.dy.data(), t.dw.data(), t.db.data());
}

// Median wall time of `reps` calls of f, after one untimed warm-up call.
template <class F> double median_seconds(F&& f, int reps) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double max_rel(const std::vector<real>& a, const std::vector<real>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(double(a[i]))) return INFINITY;
    num = std::max(num, std::fabs(double(a[i]) - double(b[i])));
    den = std::max(den, std::fabs(double(b[i])));
  }
  return den > 0 ? num / den : num;
}

int parse_count(const char* flag, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (!text[0] || *end || v < 1 || v > 100000) {
    std::fprintf(stderr, "bench_conv: %s expects a positive whole number, got '%s'\n", flag, text);
    std::exit(2);
  }
  return int(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--reps" && has_value) o.reps = parse_count("--reps", argv[++i]);
    else if (a == "--batch" && has_value) o.batch = parse_count("--batch", argv[++i]);
    else if (a == "--naive-batch" && has_value)
      o.naive_batch = parse_count("--naive-batch", argv[++i]);
    else if (a == "--budget" && has_value) o.budget_mib = parse_count("--budget", argv[++i]);
    else if (a == "--winograd-only") o.winograd_only = true;
    else if (a.rfind("--", 0) != 0 && o.filter.empty()) o.filter = a;
    else {
      std::fprintf(stderr,
                   "bench_conv: unexpected argument '%s'\n"
                   "usage: bench_conv [FILTER] [--reps N] [--batch N] [--naive-batch N] "
                   "[--budget MiB] [--winograd-only]\n",
                   a.c_str());
      std::exit(2);
    }
  }
  o.reps = std::max(o.reps, 5);
  o.naive_batch = std::min(o.naive_batch, o.batch);
  return o;
}

// One pass of g through the im2col path (m = 0) or Winograd with tiles of m.
void run_pass(const ConvGeom& g, fg::ConvPass p, int m, Buffers& t) {
  if (m == 0) {
    fg::set_conv_winograd_mode(0);
    if (p == fg::ConvPass::forward)
      fg::conv2d_forward(g, t.x.data(), t.w.data(), t.b.data(), t.y.data());
    else if (p == fg::ConvPass::data)
      fg::conv2d_backward_input(g, t.dy.data(), t.w.data(), t.dx.data());
    else
      fg::conv2d_backward_weight(g, t.x.data(), t.dy.data(), t.dw.data(), (real*)nullptr);
    fg::set_conv_winograd_mode(-1);
  } else if (p == fg::ConvPass::forward) {
    fg::winograd_forward(g, m, t.x.data(), t.w.data(), t.b.data(), t.y.data());
  } else if (p == fg::ConvPass::data) {
    fg::winograd_backward_input(g, m, t.dy.data(), t.w.data(), t.dx.data());
  } else {
    fg::winograd_backward_weight(g, m, t.x.data(), t.dy.data(), t.dw.data());
  }
}

// The float error of pass p through m (0: im2col) against the double twin.
double pass_error(const ConvGeom& g, fg::ConvPass p, int m, Buffers& t) {
  auto wide = [](const std::vector<real>& v) { return std::vector<double>(v.begin(), v.end()); };
  const std::vector<double> x = wide(t.x), w = wide(t.w), b = wide(t.b), dy = wide(t.dy);
  run_pass(g, p, m, t);
  std::vector<double> exact;
  const std::vector<real>* got;
  if (p == fg::ConvPass::forward) {
    exact.resize(t.y.size()), got = &t.y;
    fg::conv2d_forward_naive(g, x.data(), w.data(), b.data(), exact.data());
  } else if (p == fg::ConvPass::data) {
    exact.resize(t.dx.size()), got = &t.dx;
    fg::conv2d_backward_input_naive(g, dy.data(), w.data(), exact.data());
  } else {
    exact.resize(t.dw.size()), got = &t.dw;
    fg::conv2d_backward_weight_naive(g, x.data(), dy.data(), exact.data(), (double*)nullptr);
  }
  double num = 0, den = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    if (!std::isfinite(double((*got)[i]))) return INFINITY;
    num = std::max(num, std::fabs(double((*got)[i]) - exact[i]));
    den = std::max(den, std::fabs(exact[i]));
  }
  return den > 0 ? num / den : num;
}

// The Winograd rows of one layer: errors on the small batch, then each
// pass timed through im2col and both tile sizes, alternating.
void winograd_rows(const ConvGeom& g, const char* label, const Options& opt, fg::Rng& rng) {
  const fg::ConvPass passes[] = {fg::ConvPass::forward, fg::ConvPass::data, fg::ConvPass::weight};
  const char* names[] = {"forward", "data", "weight"};
  ConvGeom small = g;
  small.N = opt.naive_batch;
  Buffers s(small, rng);
  for (int m : {0, 2, 4}) {
    std::printf("winograd-error %-36s %-12s", label, m == 0 ? "im2col" : m == 2 ? "F(2x2,5x5)" : "F(4x4,5x5)");
    for (int k = 0; k < 3; ++k) std::printf(" %s=%.1e", names[k], pass_error(small, passes[k], m, s));
    std::printf("\n");
  }
  Buffers big(g, rng);
  for (int k = 0; k < 3; ++k) {
    std::vector<double> t[3];
    for (int m : {0, 2, 4}) run_pass(g, passes[k], m, big);  // warm-up
    for (int r = 0; r < opt.reps; ++r)
      for (int i = 0; i < 3; ++i) {
        const auto t0 = Clock::now();
        run_pass(g, passes[k], 2 * i, big);
        t[i].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
    for (auto& v : t) std::sort(v.begin(), v.end());
    const double direct = t[0][t[0].size() / 2];
    for (int i = 1; i < 3; ++i)
      std::printf("winograd %-36s %-7s F(%dx%d,5x5) im2col=%6.2f ms winograd=%6.2f ms ratio=%.2f\n",
                  label, names[k], 2 * i, 2 * i, 1e3 * direct, 1e3 * t[i][t[i].size() / 2],
                  direct / t[i][t[i].size() / 2]);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  if (opt.budget_mib >= 0) fg::set_conv_col_budget(std::size_t(opt.budget_mib * (1 << 20)));
  const int threads = omp_get_max_threads();
  // The six 5x5, padding-2 convolutions of LeNet++: {C, F, side}.
  const int layers[][3] = {{1, 32, 28}, {32, 32, 28}, {32, 64, 14},
                           {64, 64, 14}, {64, 128, 7}, {128, 128, 7}};
  std::printf("# conv: one training step of the layer (forward with bias, backward to input, "
              "weights and bias), images/s; ours on %d threads at batch %d (im2col buffer "
              "%.0f MiB); naive twin on 1 thread at batch %d, per image; median of %d "
              "repetitions\n",
              threads, opt.batch, double(fg::conv_col_budget()) / (1 << 20), opt.naive_batch,
              opt.reps);
  // Each LeNet++ layer the filter keeps, with its geometry at the benchmark's batch and its label.
  auto for_each_layer = [&](const std::function<void(const ConvGeom&, const char*)>& fn) {
    for (int k = 0; k < 6; ++k) {
      const auto& l = layers[k];
      const ConvGeom g{opt.batch, l[0], l[2], l[2], l[1], 5, 5, 1, 2};
      char label[96];
      std::snprintf(label, sizeof label, "conv%d N=%d %dx%d %d->%d k=5 pad=2", k + 1, g.N, g.H, g.W,
                    g.C, g.F);
      if (opt.filter.empty() || std::string(label).find(opt.filter) != std::string::npos) fn(g, label);
    }
  };
  fg::Rng rng(1);
  if (!opt.winograd_only) for_each_layer([&](const ConvGeom& g, const char* label) {
    ConvGeom small = g;
    small.N = opt.naive_batch;
    Buffers ours_small(small, rng), naive_small = ours_small;
    step_fast(small, ours_small);
    step_naive(small, naive_small);
    double rel = 0;
    rel = std::max(rel, max_rel(ours_small.y, naive_small.y));
    rel = std::max(rel, max_rel(ours_small.dx, naive_small.dx));
    rel = std::max(rel, max_rel(ours_small.dw, naive_small.dw));
    rel = std::max(rel, max_rel(ours_small.db, naive_small.db));

    Buffers big(g, rng);
    const double t_ours = median_seconds([&] { step_fast(g, big); }, opt.reps);
    const double t_naive = median_seconds([&] { step_naive(small, naive_small); }, opt.reps);
    const double ours = g.N / t_ours, naive = small.N / t_naive;
    std::printf("conv %-36s ours=%7.1f img/s (%3d images per chunk)  naive=%6.2f img/s  "
                "maxrel=%.1e  ratio=%.2f\n",
                label, ours, fg::conv_chunk_images(g, sizeof(real)), naive, rel, ours / naive);
    std::fflush(stdout);
  });
  std::printf("# winograd: one pass of each layer at batch %d on %d threads, im2col time / "
              "Winograd time (higher: Winograd faster), medians of %d alternating rounds; "
              "float errors against the double direct twin at batch %d\n",
              opt.batch, threads, opt.reps, opt.naive_batch);
  for_each_layer([&](const ConvGeom& g, const char* label) { winograd_rows(g, label, opt, rng); });
  return 0;
}
