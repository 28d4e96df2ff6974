// Benchmark: the PReLU and max-pool ops of a LeNet++ step as they are
// (core/ops_nn.cpp over core/kernels/prelu_pool.hpp) against the same ops
// as they were before the kernels (`before_*` below: the op bodies of
// then, run through today's engine), at the shapes of LeNet++ at batch 128.
//
// An op's time includes what it costs the engine: its output tensor, and in
// backward the gradient it hands to its input, which has none yet (as in a
// training step). Before, that was a zero-filled tensor added into another
// zero-filled one; now the op's own tensor, taken as it is (accumulate of
// an rvalue, core/graph.hpp).
//
// The two run alternately, --reps times each (the first of each pair
// changing every round), so a change in the machine's load hits both; each
// line gives both medians and ratio = before / after (higher: faster now).
//
// Usage: bench_layers [FILTER] [--reps N] [--batch N]. FILTER keeps the
// cases whose label ("prelu [128, 32, 28, 28]") contains it. Threads:
// OMP_NUM_THREADS (all cores by default).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/graph.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"

using namespace fg;

namespace {

// prelu as it was: a zero-filled output; backward parallel over channels,
// each thread walking its channel's planes image by image.
Var before_prelu(const Var& x, const Var& alpha) {
  const Tensor X = x.value(), A = alpha.value();
  const int C = X.dim() >= 2 ? X.shape()[1] : 1;
  const bool shared = A.numel() == 1;
  const int64_t N = X.dim() >= 1 ? X.shape()[0] : 1;
  const int64_t inner = X.numel() / std::max<int64_t>(1, N * C);
  Tensor Y(X.shape());
  const real* xp = X.data();
  real* yp = Y.data();
#pragma omp parallel for if (X.numel() > 65536)
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const real a = A[shared ? 0 : nc % C];
    for (int64_t i = nc * inner; i < (nc + 1) * inner; ++i) yp[i] = xp[i] > 0 ? xp[i] : a * xp[i];
  }
  return make_node("prelu", Y, {x, alpha}, [X, A, shared, N, C, inner](Node& self) {
    const real* g = self.grad.data();
    const real* xp = X.data();
    Tensor gx(X.shape()), ga(A.shape());
    real* gxp = gx.data();
    std::vector<double> per_channel(C, 0.0);
#pragma omp parallel for if (X.numel() > 65536)
    for (int c = 0; c < C; ++c) {
      const real a = A[shared ? 0 : c];
      double acc = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = (n * C + c) * inner; i < (n * C + c + 1) * inner; ++i) {
          const bool pos = xp[i] > 0;
          gxp[i] = pos ? g[i] : a * g[i];
          if (!pos) acc += double(g[i]) * xp[i];
        }
      per_channel[c] = acc;
    }
    for (int c = 0; c < C; ++c) ga[shared ? 0 : c] += real(per_channel[c]);
    accumulate(self.inputs[0], gx);
    accumulate(self.inputs[1], ga);
  });
}

// maxpool2d as it was: a zero-filled output and 64-bit argmax; backward on
// one thread, scattering into a zero-filled whole-batch gradient.
Var before_maxpool2d(const Var& x, int k, int stride) {
  const Tensor& X = x.value();
  const int N = X.shape()[0], C = X.shape()[1], H = X.shape()[2], W = X.shape()[3];
  const int OH = (H - k) / stride + 1, OW = (W - k) / stride + 1;
  Tensor Y({N, C, OH, OW});
  std::vector<int64_t> argmax(Y.numel());
#pragma omp parallel for
  for (int64_t nc = 0; nc < int64_t(N) * C; ++nc) {
    const real* xp = X.data() + nc * H * W;
    for (int i = 0; i < OH; ++i)
      for (int j = 0; j < OW; ++j) {
        real best = -std::numeric_limits<real>::infinity();
        int64_t where = int64_t(i) * stride * W + j * stride;
        for (int di = 0; di < k; ++di)
          for (int dj = 0; dj < k; ++dj) {
            const int64_t p = int64_t(i * stride + di) * W + (j * stride + dj);
            if (xp[p] > best) best = xp[p], where = p;
          }
        const int64_t o = (nc * OH + i) * OW + j;
        Y[o] = best;
        argmax[o] = nc * H * W + where;
      }
  }
  const Shape xs = X.shape();
  return make_node("maxpool2d", Y, {x}, [xs, argmax](Node& self) {
    Tensor gx(xs);
    for (size_t o = 0; o < argmax.size(); ++o) gx[argmax[o]] += self.grad[o];
    accumulate(self.inputs[0], gx);
  });
}

using Clock = std::chrono::steady_clock;
using Op = Var (*)(const Var&, const Var&);  // (input, slope or unused)

struct Times {
  std::vector<double> fwd, bwd;
};

// One forward and one backward of op on a fresh input (no gradient yet).
void run_once(Op op, const Tensor& X, const Var& extra, const Tensor& G, Times& t) {
  Var x = param(X);
  const auto t0 = Clock::now();
  Var y = op(x, extra);
  const auto t1 = Clock::now();
  y->grad = G;
  y->backward(*y);
  const auto t2 = Clock::now();
  t.fwd.push_back(std::chrono::duration<double>(t1 - t0).count());
  t.bwd.push_back(std::chrono::duration<double>(t2 - t1).count());
  if (!std::isfinite(double(x.grad()[0]))) std::abort();  // keeps the work
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char* g_filter = "";  // only the cases whose label contains it

void compare(const char* what, const Shape& xs, Op before, Op after, const Var& extra,
             const Shape& ys, int reps) {
  if (!std::strstr((std::string(what) + " " + shape_str(xs)).c_str(), g_filter)) return;
  Rng rng(42);
  const Tensor X = Tensor::uniform(xs, rng, -1, 1), G = Tensor::uniform(ys, rng, -1, 1);
  Times b, a;
  run_once(before, X, extra, G, b), run_once(after, X, extra, G, a);  // warm-up
  b = Times(), a = Times();
  for (int r = 0; r < reps; ++r) {
    if (r % 2 == 0) run_once(before, X, extra, G, b), run_once(after, X, extra, G, a);
    else run_once(after, X, extra, G, a), run_once(before, X, extra, G, b);
  }
  const double bf = median(b.fwd), af = median(a.fwd), bb = median(b.bwd), ab = median(a.bwd);
  std::printf("layers %s %s forward: before %.2f ms, after %.2f ms ratio=%.2f\n", what,
              shape_str(xs).c_str(), 1e3 * bf, 1e3 * af, bf / af);
  std::printf("layers %s %s backward: before %.2f ms, after %.2f ms ratio=%.2f\n", what,
              shape_str(xs).c_str(), 1e3 * bb, 1e3 * ab, bb / ab);
}

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = std::max(1, arg(argc, argv, "--reps", 11)), N = arg(argc, argv, "--batch", 128);
  if (argc > 1 && argv[1][0] != '-') g_filter = argv[1];
  std::string load;
  std::getline(std::ifstream("/proc/loadavg"), load);
  std::printf("# layers: PReLU and max pool of LeNet++ at batch %d, before/after medians of %d "
              "alternating runs, %d threads, load %s\n",
              N, reps, omp_get_max_threads(), load.substr(0, load.find(' ', 10)).c_str());
  const int width[3] = {32, 64, 128}, side[3] = {28, 14, 7};
  for (int s = 0; s < 3; ++s) {
    const int C = width[s], H = side[s];
    const Var alpha = param(Tensor::full({C}, real(0.25)));
    compare("prelu", {N, C, H, H}, before_prelu, prelu, alpha, {N, C, H, H}, reps);
  }
  Op before_pool2 = [](const Var& x, const Var&) { return before_maxpool2d(x, 2, 2); };
  Op after_pool2 = [](const Var& x, const Var&) { return maxpool2d(x, 2, 2); };
  Op before_pool3 = [](const Var& x, const Var&) { return before_maxpool2d(x, 3, 2); };
  Op after_pool3 = [](const Var& x, const Var&) { return maxpool2d(x, 3, 2); };
  compare("maxpool 2x2/2", {N, 32, 28, 28}, before_pool2, after_pool2, Var(), {N, 32, 14, 14}, reps);
  compare("maxpool 2x2/2", {N, 64, 14, 14}, before_pool2, after_pool2, Var(), {N, 64, 7, 7}, reps);
  compare("maxpool 3x3/2", {N, 128, 7, 7}, before_pool3, after_pool3, Var(), {N, 128, 3, 3}, reps);
}
