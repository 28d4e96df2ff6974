// breakit: the break-it lab. Each scenario trains a failure the field's users
// report and then its fix, on synthetic digits (no download), and prints the
// numbers of both; notes/08-breakit.md explains each one.
//
//   build/breakit --list                  the scenarios, one a line
//   build/breakit arcface-fallback        one scenario
//   build/breakit all                     every scenario in turn
//   build/breakit --bench-trace           training steps with --trace-nonfinite
//                                         off and on, alternated, medians
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "demos/breakit/lab.hpp"
#include "demos/cli/args.hpp"
#include "losses/registry.hpp"
#include "demos/cli/counted.hpp"

using namespace fg;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One softmax run of `steps` steps, timed, with the trace on or off.
double timed_run(const LabSize& size, bool trace) {
  LossContext ctx;
  ctx.seed = size.seed;
  LabSetup s{trace ? "on" : "off", make_loss("softmax", {}, ctx)};
  s.trace = trace;
  const auto t0 = std::chrono::steady_clock::now();
  const LabRun r = lab_train(std::move(s), size);
  if (!r.stopped.empty()) throw Error("breakit --bench-trace: the run stopped: " + r.stopped);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void bench_trace(LabSize size, int rounds) {
  size.stop_at_step = 100;
  size.epochs = 100;
  timed_run(size, false);  // warm the data and the allocator
  std::vector<double> off, on;
  for (int k = 0; k < rounds; ++k) {
    off.push_back(timed_run(size, false));
    on.push_back(timed_run(size, true));
  }
  const double m_off = median(off), m_on = median(on);
  std::printf(
      "bench-trace: %lld steps of batch %d, 784-64-64-2 perceptron, softmax; %d rounds alternating "
      "off/on, %d threads\n",
      (long long)size.stop_at_step, size.batch, rounds, omp_get_max_threads());
  std::printf("  median off %.3f s, median on %.3f s, on/off ratio %.3f\n", m_off, m_on,
              m_on / m_off);
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    std::vector<std::string> tokens(argv + 1, argv + argc);
    std::string name;
    if (!tokens.empty() && tokens[0].rfind("-", 0) != 0) {
      name = tokens[0];
      tokens.erase(tokens.begin());
    }
    Args args(tokens,
              "breakit SCENARIO|all [--images N] [--epochs N] [--seed N] [--threads N] | --list | "
              "--bench-trace [--rounds N] | --help",
              "breakit");
    LabSize size;
    size.images = args.get_int("--images", size.images, 200, 60000, "synthetic training digits");
    size.epochs = args.get_int("--epochs", size.epochs, 1, 100, "passes over them");
    size.seed = uint64_t(args.get_int64("--seed", 1, 0, int64_t(1) << 62, "data and initialisation"));
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const bool list = args.get_flag("--list", "print the scenarios and exit");
    const bool bench = args.get_flag("--bench-trace", "time training with --trace-nonfinite off and on");
    const int rounds = args.get_int("--rounds", 7, 1, 100, "--bench-trace: pairs of runs");
    args.finish();
    omp_set_num_threads(threads);
    if (list) {
      for (const Scenario& s : scenarios()) std::printf("%-22s %s\n", s.name.c_str(), s.summary.c_str());
      return 0;
    }
    if (bench) {
      bench_trace(size, rounds);
      return 0;
    }
    if (name.empty()) args.fail("SCENARIO", "name a scenario (build/breakit --list shows them) or 'all'");
    std::vector<const Scenario*> chosen;
    if (name == "all") {
      for (const Scenario& s : scenarios()) chosen.push_back(&s);
    } else {
      chosen.push_back(&find_scenario(name));
    }
    for (const Scenario* s : chosen) {
      const auto t0 = std::chrono::steady_clock::now();
      std::printf("== %s: %s\n   (%d synthetic digits, %s, seed %llu)\n", s->name.c_str(),
                  s->summary.c_str(), size.images, counted(size.epochs, "epoch").c_str(), (unsigned long long)size.seed);
      std::fflush(stdout);
      const Outcome o = s->run(size);
      std::printf("%s   (%.1f s)\n", o.text.c_str(),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      std::fflush(stdout);
    }
    return 0;
  });
}
