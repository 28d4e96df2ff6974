// train_softmax: the first demo. LeNet++ with a 2-D embedding and a softmax
// head (a bias-free linear classifier, the registry's `softmax` loss), on
// real MNIST digits by default (`make data` fetches them once). Prints the test accuracy after each epoch and
// writes into --out:
//
//   embeddings.csv   the test set's embeddings, rows x1,x2,label
//   checkpoint.ckpt  model, loss, optimizer and progress (--resume continues it)
//
// The default budget, 3 epochs over a fixed (seeded) 30,000 of the 60,000
// training images with SGD (momentum 0.9, lr 0.05 after a 200-step warm-up,
// cosine decay), takes under 3 minutes on 2 quiet cores (48 s an epoch) and
// reached a test accuracy of 0.854 on Fashion-MNIST (--data fashion).
//
//   build/train_softmax                       # the default budget
//   build/train_softmax --train-images 0 --epochs 10 --data mnist:/path/to/mnist
//   build/train_softmax --resume out/train_softmax/checkpoint.ckpt
//
// A resumed run with the same options ends with the same parameters, bit for
// bit, as one that never stopped (same thread count); with another --epochs
// the cosine schedule is recomputed for the new length from that step on.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/data/batching.hpp"
#include "demos/cli/args.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/train/trainer.hpp"
#include "layers/lenetpp.hpp"
#include "losses/registry.hpp"
#include "core/schedule.hpp"
#include "optim/sgd.hpp"
#include "demos/cli/counted.hpp"

using namespace fg;

namespace {

struct Options {
  std::string data_spec, out, resume;
  int epochs = 0, train_images = 0, batch = 0, warm = 0, threads = 1, every = 0;
  double lr = 0, wd = 0;
  int64_t seed = 1;
  bool quiet = false;
};

Options read_options(Args& args) {
  Options o;
  o.data_spec = args.get_string("--data", "mnist", kDataChoices, "SPEC");
  o.epochs = args.get_int("--epochs", 3, 1, 10000, "passes over the training images");
  o.train_images = args.get_int("--train-images", 30000, 0, 10000000,
                                "train on this many of the images (0: all)");
  o.batch = args.get_int("--batch", 128, 1, 4096, "images per step");
  o.lr = args.get_double("--lr", 0.05, 1e-6, 10, "initial learning rate (cosine decay to 0)");
  o.warm = args.get_int("--warmup-steps", 200, 0, 1000000,
                        "steps over which the learning rate ramps up from a tenth");
  o.wd = args.get_double("--weight-decay", 5e-4, 0, 1, "L2 weight decay");
  o.seed = args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
  o.threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
  o.out = args.get_string("--out", "out/train_softmax", "output directory", "DIR");
  o.resume = args.get_string("--resume", "", "checkpoint to continue from", "PATH");
  o.every = args.get_int("--checkpoint-every", 0, 0, 1000000,
                         "also write the checkpoint every N steps (0: after each epoch only)");
  o.quiet = args.get_flag("--quiet", "no progress bar");
  read_trace_nonfinite(args);
  args.finish();
  check_data_spec(args, o.data_spec);  // a missing dataset is bad input: exit 2 before training
  return o;
}

// The data, the training set cut to a seeded choice of --train-images.
DataSplit load_subset(const Options& o) {
  DataSplit data = load_data(o.data_spec, uint64_t(o.seed));
  if (o.train_images > 0 && o.train_images < data.train.size()) {
    std::vector<int> keep = epoch_order(data.train.size(), derive_seed(uint64_t(o.seed), 0x5eb), 0);
    keep.resize(o.train_images);
    const std::string name = data.train.name;
    data.train = subset(data.train, keep);
    data.train.name = name + " (" + std::to_string(o.train_images) + " of them)";
    data.description +=
        ", training on " + std::to_string(o.train_images) + " of the training images";
  }
  return data;
}

std::unique_ptr<LeNetPP> make_model(const Options& o, const Dataset& train) {
  LeNetPPOptions mo;
  mo.embedding_dim = 2;
  mo.in_channels = train.channels();
  mo.height = train.height();
  mo.width = train.width();
  mo.seed = derive_seed(uint64_t(o.seed), 0x1e7);
  return std::make_unique<LeNetPP>(mo);
}

std::unique_ptr<Loss> make_softmax(const Options& o, const Dataset& train) {
  LossContext ctx;
  ctx.num_classes = train.num_classes();
  ctx.dim = 2;
  ctx.seed = derive_seed(uint64_t(o.seed), 0x1055);
  return make_loss("softmax", {}, ctx);
}

TrainConfig train_config(const Options& o) {
  TrainConfig cfg;
  cfg.epochs = o.epochs;
  cfg.batch_size = o.batch;
  cfg.seed = uint64_t(o.seed);
  cfg.checkpoint_path = o.out + "/checkpoint.ckpt";
  cfg.checkpoint_every = o.every;
  cfg.progress = !o.quiet;
  return cfg;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "train_softmax [--data mnist|mnist:DIR|fashion|digits] [--epochs N] [--train-images N] "
              "[--batch N] [--lr X] [--warmup-steps N] [--weight-decay X] [--seed N] [--threads N] "
              "[--out DIR] [--resume PATH] [--checkpoint-every N] [--trace-nonfinite] [--quiet] [--help]");
    const Options o = read_options(args);
    omp_set_num_threads(o.threads);
    DataSplit data = load_subset(o);
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) throw Error("--out " + o.out + ": cannot create the directory (" + ec.message() + ")");

    // LeNet++ with a 2-D embedding, the softmax loss, SGD with momentum 0.9.
    Rng rng(static_cast<uint64_t>(o.seed));
    auto model = make_model(o, data.train);
    std::unique_ptr<Loss> loss = make_softmax(o, data.train);
    std::vector<NamedVar> params = model->parameters();
    for (auto& p : loss->parameters()) params.emplace_back("loss." + p.first, p.second);
    SGD opt(params, o.lr, 0.9, o.wd);
    Trainer t(*model, *loss, opt, data.train, &data.test, train_config(o), &rng);
    const Schedule lr_at = warmup(cosine_schedule(o.lr, int64_t(o.epochs) * t.steps_per_epoch()), o.warm);
    t.set_lr_schedule(lr_at);

    std::printf("train_softmax: %s\n", data.description.c_str());
    std::printf(
        "model: LeNet++, 2-D embedding, %lld parameters; loss: %s; SGD momentum 0.9, lr %s, "
        "weight decay %g, batch %d, %d threads\n",
        (long long)model->num_parameters(), loss->describe().c_str(), lr_at.describe().c_str(), o.wd,
        o.batch, o.threads);
    if (!o.resume.empty()) {
      t.resume(o.resume);
      std::printf("resumed from %s at epoch %d, step %d\n", o.resume.c_str(), t.epoch() + 1,
                  t.step_in_epoch());
    }
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    const auto stats = t.fit();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const Embeddings test = stats.empty() ? t.evaluate(data.test) : stats.back().test;
    save_embeddings_csv(o.out + "/embeddings.csv", test.h, test.labels);
    std::printf("test accuracy %.4f after %s (%.0f s this run)\n", test.accuracy, counted(t.epoch(), "epoch").c_str(),
                seconds);
    std::printf("wrote %s/embeddings.csv (test embeddings) and %s/checkpoint.ckpt\n", o.out.c_str(),
                o.out.c_str());
    return 0;
  });
}
