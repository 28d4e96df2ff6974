// Benchmark: training LeNet++ (2-D embedding, bias-free softmax head) on
// Fashion-MNIST with batch 128, SGD momentum 0.9, lr 0.01, through the
// demos' training loop (demos/train/trainer), then a per-layer timing
// table of the same step.
//
// The first --images training images are used once (one epoch); the first
// --warmup steps run untimed (first-touch allocation), as in the PyTorch
// half (tests/bench/bench_train.py, which scripts/bench_train.sh runs with
// the architecture line printed here). Prints:
//
//   arch: --last-pool 2x2 --prelu channel --conv-bias 1     (for the PyTorch half)
//   facegrad: 6144 images in 9.81 s (626 img/s, 2 threads), peak memory 210 MiB
//   ours_seconds=9.81 ours_images=6144 ours_peak_mib=210.3
//   the per-layer table: forward and backward milliseconds per step
//
// Usage: bench_train [--images N] [--batch N] [--warmup N] [--threads N]
//                    [--profile-steps N] [--data DIR]
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/data/batching.hpp"
#include "core/data/idx.hpp"
#include "core/profile.hpp"
#include "demos/cli/args.hpp"
#include "demos/train/trainer.hpp"
#include "layers/lenetpp.hpp"
#include "losses/registry.hpp"
#include "optim/sgd.hpp"

using namespace fg;

namespace {

using Clock = std::chrono::steady_clock;

// LeNet++ with a `dim`-D embedding, the softmax loss, SGD.
struct BenchModel {
  BenchModel(int dim, uint64_t seed) {
    net = std::make_unique<LeNetPP>(dim, seed);
    arch_flags = "--last-pool 3x2 --prelu channel --conv-bias 1";
    LossContext ctx;
    ctx.num_classes = 10;
    ctx.dim = dim;
    ctx.seed = seed + 1;
    loss = make_loss("softmax", {}, ctx);
    std::vector<NamedVar> ps = net->parameters();
    for (auto& p : loss->parameters()) ps.emplace_back("loss." + p.first, p.second);
    opt = std::make_unique<SGD>(ps, 0.01, 0.9);
  }
  std::unique_ptr<LeNetPP> net;
  std::unique_ptr<Loss> loss;
  std::unique_ptr<Optimizer> opt;
  std::string arch_flags;
};

double peak_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // kilobytes on Linux
}

// The first n images and labels of an MNIST-style training set, read as
// bytes and converted for these n only (as the PyTorch half does).
Dataset first_images(const std::string& dir, int n) {
  auto path = [&](const char* stem) {
    const std::string p = dir + "/" + stem;
    return std::ifstream(p).good() ? p : p + ".gz";
  };
  const IdxArray img = read_idx(path("train-images-idx3-ubyte"), 3, "pixels");
  const std::vector<int> labels = load_idx_labels(path("train-labels-idx1-ubyte"));
  if (img.dims[0] < n)
    throw Error(dir + ": holds " + std::to_string(img.dims[0]) + " images, " + std::to_string(n) +
                " asked for");
  const int H = img.dims[1], W = img.dims[2];
  Dataset d;
  d.images = Tensor({n, 1, H, W});
  for (int64_t i = 0; i < int64_t(n) * H * W; ++i) d.images[i] = real(img.data[i]) / real(255);
  d.labels.assign(labels.begin(), labels.begin() + n);
  d.name = dir + " (first " + std::to_string(n) + ")";
  return d;
}

// Forward and backward of each layer over `steps` more training steps,
// timed one layer at a time (core/profile.hpp).
void layer_table(BenchModel& m, const Dataset& data, int batch, int steps) {
  profile::reset();
  profile::set_enabled(true);
  Sequential& net = *m.net;
  for (int s = 0; s < steps; ++s) {
    std::vector<int> idx(batch);
    for (int i = 0; i < batch; ++i) idx[i] = (s * batch + i) % data.size();
    const Batch b = gather_batch(data, idx);
    m.opt->zero_grad();
    Var h = constant(b.images);
    for (size_t i = 0; i < net.size(); ++i) {
      Var in = h;
      {
        profile::Scope t("fwd " + net.name_of(i));
        h = net[i](in);
      }
      profile::time_backward(h, in, "bwd " + net.name_of(i));
    }
    Var L;
    {
      profile::Scope t("fwd loss");
      L = m.loss->forward(LossInput{h, b.labels});
    }
    profile::time_backward(L, h, "bwd loss");
    {
      profile::Scope t("step backward");
      backward(L);
    }
    profile::Scope t("step optimizer");
    m.opt->step();
  }
  profile::set_enabled(false);
  double fwd_total = 0, bwd_total = 0;
  std::vector<std::string> names;
  for (size_t i = 0; i < net.size(); ++i) names.push_back(net.name_of(i));
  names.push_back("loss");
  for (auto& n : names)
    fwd_total += profile::seconds("fwd " + n), bwd_total += profile::seconds("bwd " + n);
  const double opt = profile::seconds("step optimizer");
  const double total = fwd_total + bwd_total + opt;
  std::printf("\nper-layer time, ms per step of %d images (mean of %d steps)\n", batch, steps);
  std::printf("  %-10s %-40s %9s %9s %7s\n", "layer", "what", "forward", "backward", "share");
  for (size_t i = 0; i <= net.size(); ++i) {
    const std::string what = i < net.size() ? net[i].describe() : m.loss->describe();
    const double f = profile::seconds("fwd " + names[i]), b = profile::seconds("bwd " + names[i]);
    std::printf("  %-10s %-40.40s %9.2f %9.2f %6.1f%%\n", names[i].c_str(), what.c_str(),
                1e3 * f / steps, 1e3 * b / steps, 100 * (f + b) / total);
  }
  std::printf("  %-10s %-40s %9s %9.2f %6.1f%%\n", "optimizer", "SGD momentum 0.9", "",
              1e3 * opt / steps, 100 * opt / total);
  std::printf("  %-10s %-40s %9.2f %9.2f\n", "total", "", 1e3 * fwd_total / steps,
              1e3 * (bwd_total + opt) / steps);
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "bench_train [--images N] [--batch N] [--warmup N] [--threads N] [--data DIR]");
    const int images = args.get_int("--images", 6400, 1, 60000, "training images, used once");
    const int batch = args.get_int("--batch", 128, 1, 4096, "batch size");
    const int warmup = args.get_int("--warmup", 2, 0, 100, "untimed first steps");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const int prof = args.get_int("--profile-steps", 10, 0, 1000, "steps of the per-layer table");
    const std::string dir =
        args.get_string("--data", kFashionMnistDir, "MNIST-style directory", "DIR");
    args.finish();
    omp_set_num_threads(threads);

    const Dataset data = first_images(dir, images);
    BenchModel m(2, 1);
    std::printf("arch: %s\n", m.arch_flags.c_str());

    TrainConfig cfg;
    cfg.epochs = 1;
    cfg.batch_size = batch;
    cfg.seed = 1;
    cfg.progress = false;
    cfg.verbose = false;
    cfg.stop_at_step = warmup;
    Trainer trainer(*m.net, *m.loss, *m.opt, data, nullptr, cfg);
    trainer.fit();
    const int64_t images_before = std::min<int64_t>(images, int64_t(warmup) * batch);
    trainer.stop_at(0);
    const auto t0 = Clock::now();
    const auto stats = trainer.fit();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const int64_t timed = images - images_before;
    const double mib = peak_mib();
    std::printf(
        "facegrad: %lld images in %.2f s (%.0f img/s, %d threads), peak memory %.0f MiB, "
        "epoch loss %.4f\n",
        (long long)timed, seconds, timed / seconds, threads, mib,
        stats.empty() ? 0.0 : stats[0].train_loss);
    std::printf("ours_seconds=%.6f ours_images=%lld ours_peak_mib=%.1f\n", seconds,
                (long long)timed, mib);
    if (prof > 0) layer_table(m, data, batch, prof);
    return 0;
  });
}
