// The kernels' ladder measured: every step of core/kernels/ladder_gemm.hpp
// and ladder_conv.hpp in GFLOP/s, with its ratio to OpenBLAS in the same
// run (notes/06-kernels.md has the table of one run and reads it).
//
// GEMM (float, C = A B, row-major): n = 1024, and the forward products of
// LeNet++'s six 5x5 pad-2 convolutions for one image (M = F filters,
// N = H W pixels, K = 25 C), the shape step 1 of the convolution ladder
// multiplies. The last row of each shape is gemm() itself. The reference is
// cblas_sgemm with the run's threads (OMP_NUM_THREADS, all cores by
// default); steps 0 to 5 run on one thread, step 6 and gemm() on all.
//
// Convolution (float, forward, batch 8): the six LeNet++ layers, every step,
// against im2col + cblas_sgemm image by image (the reference).
//
// Each figure is the median of --reps repetitions (default 3), each lasting
// at least 50 ms (one call for the slow steps); ours and the reference
// alternate so that load from other programs falls on both alike.
//
// Usage: ladder [gemm|conv] [--reps N] [--from S]   (--from S: GEMM steps S and up)
#include <cblas.h>
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
#include "core/kernels/gemm.hpp"
#include "core/kernels/ladder_conv.hpp"
#include "core/kernels/ladder_gemm.hpp"
#include "core/random.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Seconds per call of f: calls repeated until 50 ms have passed.
double seconds_per_call(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  int calls = 0;
  double s = 0;
  do {
    f();
    ++calls;
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (s < 0.05);
  return s / calls;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median seconds of ours and of the reference, alternating.
std::pair<double, double> time_pair(const std::function<void()>& ours,
                                    const std::function<void()>& ref, int reps) {
  ours();  // warm-up: caches, scratch buffers, thread teams
  ref();
  std::vector<double> a, b;
  for (int r = 0; r < reps; ++r) {
    a.push_back(seconds_per_call(ours));
    b.push_back(seconds_per_call(ref));
  }
  return {median(a), median(b)};
}

std::vector<float> uniform(size_t n, fg::Rng& rng) {
  std::vector<float> v(n);
  for (float& x : v) x = float(rng.uniform(-1, 1));
  return v;
}

double max_rel(const std::vector<float>& got, const std::vector<float>& want) {
  double diff = 0, big = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff = std::max(diff, double(std::fabs(got[i] - want[i])));
    big = std::max(big, double(std::fabs(want[i])));
  }
  return diff / std::max(big, 1e-30);
}

void print_row(const char* what, const std::string& step, double flop, double t, double t_ref,
               double rel) {
  const double g = flop / t * 1e-9, g_ref = flop / t_ref * 1e-9;
  std::printf("ladder %-4s %-36s %8.2f GFLOP/s  openblas %7.1f  ratio=%.3f  maxrel=%.0e\n", what,
              step.c_str(), g, g_ref, g / g_ref, rel);
  std::fflush(stdout);
}

void gemm_ladder(int reps, int from) {
  struct Shape {
    std::string label;
    int M, N, K;
  };
  std::vector<Shape> shapes = {{"n=1024", 1024, 1024, 1024}};
  const int layers[][3] = {{1, 32, 28}, {32, 32, 28}, {32, 64, 14},
                           {64, 64, 14}, {64, 128, 7}, {128, 128, 7}};  // C, F, side
  for (int l = 0; l < 6; ++l) {
    const int F = layers[l][1], P = layers[l][2] * layers[l][2], K = layers[l][0] * 25;
    shapes.push_back({"conv" + std::to_string(l + 1) + " M=" + std::to_string(F) +
                          " N=" + std::to_string(P) + " K=" + std::to_string(K),
                      F, P, K});
  }
  int count = 0;
  const fg::ladder::GemmStep<float>* steps = fg::ladder::gemm_steps<float>(&count);
  fg::Rng rng(7);
  for (const Shape& s : shapes) {
    std::printf("# gemm %s\n", s.label.c_str());
    const std::vector<float> A = uniform(size_t(s.M) * s.K, rng),
                             B = uniform(size_t(s.K) * s.N, rng);
    std::vector<float> C(size_t(s.M) * s.N), R(C.size());
    auto ref = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.M, s.N, s.K, 1.0f, A.data(), s.K,
                  B.data(), s.N, 0.0f, R.data(), s.N);
    };
    const double flop = 2.0 * s.M * s.N * s.K;
    for (int k = std::min(from, count); k <= count; ++k) {
      std::function<void()> ours;
      std::string name;
      if (k < count) {
        const int threads = k + 1 == count ? omp_get_max_threads() : 1;
        name = steps[k].name;
        ours = [&, k, threads] {
          const int saved = omp_get_max_threads();
          omp_set_num_threads(threads);
          steps[k].run(s.M, s.N, s.K, A.data(), B.data(), C.data());
          omp_set_num_threads(saved);
        };
      } else {
        name = "gemm()";
        ours = [&] {
          fg::gemm<float>(false, false, s.M, s.N, s.K, 1.0f, A.data(), s.K, B.data(), s.N, 0.0f,
                          C.data(), s.N);
        };
      }
      const auto t = time_pair(ours, ref, reps);
      print_row("gemm", name, flop, t.first, t.second, max_rel(C, R));
    }
  }
}

void conv_ladder(int reps) {
  const int layers[][3] = {{1, 32, 28}, {32, 32, 28}, {32, 64, 14},
                           {64, 64, 14}, {64, 128, 7}, {128, 128, 7}};
  int count = 0;
  const fg::ladder::ConvStep<float>* steps = fg::ladder::conv_steps<float>(&count);
  fg::Rng rng(11);
  for (int l = 0; l < 6; ++l) {
    const fg::ConvGeom g{8, layers[l][0], layers[l][2], layers[l][2], layers[l][1], 5, 5, 1, 2};
    std::printf("# conv%d: batch %d, %d -> %d channels, %dx%d, 5x5 pad 2\n", l + 1, g.N, g.C, g.F,
                g.H, g.W);
    const int P = g.OH() * g.OW(), CKK = g.C * 25;
    const std::vector<float> x = uniform(size_t(g.N) * g.C * g.H * g.W, rng);
    const std::vector<float> w = uniform(size_t(g.F) * CKK, rng), b = uniform(size_t(g.F), rng);
    std::vector<float> y(size_t(g.N) * g.F * P), r(y.size()), col(size_t(CKK) * P);
    // The reference: the same unfolding as step 1, then OpenBLAS.
    auto ref = [&] {
      for (int n = 0; n < g.N; ++n) {
        float* out = r.data() + size_t(n) * g.F * P;
        fg::ladder::im2col(g, x.data() + size_t(n) * g.C * g.H * g.W, col.data());
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.F, P, CKK, 1.0f, w.data(), CKK,
                    col.data(), P, 0.0f, out, P);
        for (int f = 0; f < g.F; ++f)
          for (int k = 0; k < P; ++k) out[size_t(f) * P + k] += b[f];
      }
    };
    const double flop = 2.0 * g.N * g.F * P * CKK;
    for (int k = 0; k < count; ++k) {
      const auto t = time_pair([&] { steps[k].run(g, x.data(), w.data(), b.data(), y.data()); },
                               ref, reps);
      print_row("conv", steps[k].name, flop, t.first, t.second, max_rel(y, r));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string only;
  int reps = 3, from = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      if (reps < 1 || reps > 100) {
        std::fprintf(stderr, "ladder: --reps wants 1 to 100, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (!std::strcmp(argv[i], "--from") && i + 1 < argc) {
      from = std::atoi(argv[++i]);
      if (from < 0 || from > 7) {
        std::fprintf(stderr, "ladder: --from wants a step 0 to 7, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (!std::strcmp(argv[i], "gemm") || !std::strcmp(argv[i], "conv")) {
      only = argv[i];
    } else {
      std::fprintf(stderr,
                   "usage: ladder [gemm|conv] [--reps N] [--from S] (unknown argument '%s')\n",
                   argv[i]);
      return 2;
    }
  }
  std::printf("# ladder: float; threads %d (steps 0-5 on 1); OpenBLAS %d threads; median of %d\n",
              omp_get_max_threads(), openblas_get_num_threads(), reps);
  if (only.empty() || only == "gemm") gemm_ladder(reps, from);
  if (only.empty() || only == "conv") conv_ladder(reps);
  return 0;
}
