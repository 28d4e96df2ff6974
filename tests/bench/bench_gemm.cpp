// Benchmark: fg::gemm<float> against OpenBLAS's cblas_sgemm in the same run.
//
// One line per case, "gemm <shape> ... ratio=X.XX" with ratio = our GFLOP/s
// divided by OpenBLAS's (higher is better). Cases: square n = 256 .. 2048,
// and the forward, backward-to-data and backward-to-weight products of the
// six 5x5 convolutions of LeNet++ at batch 128, in the batch-as-columns
// layout of core/kernels/conv (COL is C*25 x 128*H*W, W is F x C*25).
// Each figure is the median of several repetitions after a warm-up; each
// repetition runs the product enough times to last about 20 ms, and the
// repetitions of the two libraries alternate. Every case
// first checks that both libraries compute the same C (maxrel = largest
// difference over the largest entry).
//
// Usage: bench_gemm [FILTER] [--reps N]   FILTER keeps cases whose label
// contains it. Threads: OMP_NUM_THREADS for both (all cores by default).
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/kernels/gemm.hpp"
#include "core/random.hpp"

extern "C" char* openblas_get_corename(void);

namespace {

using Clock = std::chrono::steady_clock;

struct GemmCase {
  std::string label;
  bool ta, tb;
  int M, N, K;
  float beta;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Seconds per call of f, over enough calls to last about 20 ms.
template <class F> double seconds_per_call(F&& f, int calls) {
  const auto t0 = Clock::now();
  for (int i = 0; i < calls; ++i) f();
  return seconds_since(t0) / calls;
}

// How many calls of f last about 20 ms (after a first, warm-up call).
template <class F> int calls_for_20ms(F&& f) {
  f();
  const auto t0 = Clock::now();
  f();
  return std::max(1, int(0.02 / std::max(seconds_since(t0), 1e-7)));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void fill(std::vector<float>& v, fg::Rng& rng) {
  for (auto& x : v) x = float(rng.uniform(-1, 1));
}

// Lets the other library's idle worker threads stop spinning before timing
// (libgomp spins for a few ms after a parallel region, OpenBLAS's threads
// keep yielding for about 0.1 s after a call).
void settle(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

void run(const GemmCase& c, int reps, fg::Rng& rng) {
  const int ar = c.ta ? c.K : c.M, ac = c.ta ? c.M : c.K;
  const int br = c.tb ? c.N : c.K, bc = c.tb ? c.K : c.N;
  std::vector<float> A(size_t(ar) * ac), B(size_t(br) * bc), C0(size_t(c.M) * c.N);
  fill(A, rng);
  fill(B, rng);
  fill(C0, rng);
  std::vector<float> Co = C0, Cb = C0;
  auto ours = [&](float* C) {
    fg::gemm<float>(c.ta, c.tb, c.M, c.N, c.K, 1.0f, A.data(), ac, B.data(), bc, c.beta, C, c.N);
  };
  auto blas = [&](float* C) {
    cblas_sgemm(CblasRowMajor, c.ta ? CblasTrans : CblasNoTrans, c.tb ? CblasTrans : CblasNoTrans,
                c.M, c.N, c.K, 1.0f, A.data(), ac, B.data(), bc, c.beta, C, c.N);
  };
  ours(Co.data());
  blas(Cb.data());
  double diff = 0, big = 0;
  for (size_t i = 0; i < Co.size(); ++i) {
    diff = std::max(diff, double(std::fabs(Co[i] - Cb[i])));
    big = std::max(big, double(std::fabs(Cb[i])));
  }
  const double maxrel = diff / std::max(big, 1e-30);
  // Rounds alternate between the two libraries, so that load from other
  // programs on the machine falls on both alike; each figure is the median.
  settle(150);
  const int n_ours = calls_for_20ms([&] { ours(Co.data()); });
  settle(30);
  const int n_blas = calls_for_20ms([&] { blas(Cb.data()); });
  std::vector<double> ts_ours, ts_blas;
  for (int r = 0; r < reps; ++r) {
    settle(150);
    ts_ours.push_back(seconds_per_call([&] { ours(Co.data()); }, n_ours));
    settle(30);
    ts_blas.push_back(seconds_per_call([&] { blas(Cb.data()); }, n_blas));
  }
  const double t_ours = median(ts_ours), t_blas = median(ts_blas);
  const double flop = 2.0 * c.M * c.N * c.K;
  const double g_ours = flop / t_ours * 1e-9, g_blas = flop / t_blas * 1e-9;
  std::printf("gemm %-34s ours=%7.1f GFLOP/s (%8.3f ms)  openblas=%7.1f GFLOP/s (%8.3f ms)  "
              "maxrel=%.1e  ratio=%.2f\n",
              c.label.c_str(), g_ours, t_ours * 1e3, g_blas, t_blas * 1e3, maxrel,
              g_ours / g_blas);
  std::fflush(stdout);
}

std::vector<GemmCase> cases() {
  std::vector<GemmCase> v;
  for (int n : {256, 512, 1024, 2048})
    v.push_back({"n=" + std::to_string(n), false, false, n, n, n, 0.0f});
  struct Conv { int C, F, H; };
  const Conv convs[] = {{1, 32, 28}, {32, 32, 28}, {32, 64, 14},
                        {64, 64, 14}, {64, 128, 7}, {128, 128, 7}};
  const int batch = 128;
  for (int i = 0; i < 6; ++i) {
    const int F = convs[i].F, CKK = convs[i].C * 25, NP = batch * convs[i].H * convs[i].H;
    const std::string name = "conv" + std::to_string(i + 1);
    auto shape = [](int M, int N, int K) {
      return " M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K);
    };
    v.push_back({name + " fwd" + shape(F, NP, CKK), false, false, F, NP, CKK, 0.0f});
    v.push_back({name + " bwd-data" + shape(CKK, NP, F), true, false, CKK, NP, F, 0.0f});
    v.push_back({name + " bwd-weight" + shape(F, CKK, NP), false, true, F, CKK, NP, 1.0f});
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string filter;
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::max(1, std::atoi(argv[++i]));
    else
      filter = argv[i];
  }
  std::printf("# gemm: fg::gemm<float> vs OpenBLAS cblas_sgemm (core %s); threads: ours %d, "
              "OpenBLAS %d; median of %d repetitions\n",
              openblas_get_corename(), omp_get_max_threads(), openblas_get_num_threads(), reps);
  fg::Rng rng(2024);
  for (const GemmCase& c : cases())
    if (filter.empty() || c.label.find(filter) != std::string::npos) run(c, reps, rng);
  return 0;
}
