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

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "train_softmax [--data mnist|mnist:DIR|fashion|digits] [--epochs N] [--train-images N] "
              "[--batch N] [--lr X] [--warmup-steps N] [--weight-decay X] [--seed N] [--threads N] "
              "[--out DIR] [--resume PATH] [--checkpoint-every N] [--trace-nonfinite] [--quiet] [--help]");
    const std::string data_spec = args.get_string("--data", "mnist", kDataChoices, "SPEC");
    const int epochs = args.get_int("--epochs", 3, 1, 10000, "passes over the training images");
    const int train_images = args.get_int("--train-images", 30000, 0, 10000000,
                                          "train on this many of the images (0: all)");
    const int batch = args.get_int("--batch", 128, 1, 4096, "images per step");
    const double lr =
        args.get_double("--lr", 0.05, 1e-6, 10, "initial learning rate (cosine decay to 0)");
    const int warm = args.get_int("--warmup-steps", 200, 0, 1000000,
                                  "steps over which the learning rate ramps up from a tenth");
    const double wd = args.get_double("--weight-decay", 5e-4, 0, 1, "L2 weight decay");
    const int64_t seed =
        args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const std::string out =
        args.get_string("--out", "out/train_softmax", "output directory", "DIR");
    const std::string resume =
        args.get_string("--resume", "", "checkpoint to continue from", "PATH");
    const int every =
        args.get_int("--checkpoint-every", 0, 0, 1000000,
                     "also write the checkpoint every N steps (0: after each epoch only)");
    const bool quiet = args.get_flag("--quiet", "no progress bar");
    read_trace_nonfinite(args);
    args.finish();
    check_data_spec(args, data_spec);  // a missing dataset is bad input: exit 2 before training
    omp_set_num_threads(threads);

    DataSplit data = load_data(data_spec, uint64_t(seed));
    if (train_images > 0 && train_images < data.train.size()) {
      std::vector<int> keep = epoch_order(data.train.size(), derive_seed(uint64_t(seed), 0x5eb), 0);
      keep.resize(train_images);
      const std::string name = data.train.name;
      data.train = subset(data.train, keep);
      data.train.name = name + " (" + std::to_string(train_images) + " of them)";
      data.description +=
          ", training on " + std::to_string(train_images) + " of the training images";
    }
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw Error("--out " + out + ": cannot create the directory (" + ec.message() + ")");

    Rng rng(static_cast<uint64_t>(seed));
    LeNetPPOptions mo;
    mo.embedding_dim = 2;
    mo.in_channels = data.train.channels();
    mo.height = data.train.height();
    mo.width = data.train.width();
    mo.seed = derive_seed(uint64_t(seed), 0x1e7);
    auto model = std::make_unique<LeNetPP>(mo);
    LossContext ctx;
    ctx.num_classes = data.train.num_classes();
    ctx.dim = 2;
    ctx.seed = derive_seed(uint64_t(seed), 0x1055);
    std::unique_ptr<Loss> loss = make_loss("softmax", {}, ctx);
    std::vector<NamedVar> params = model->parameters();
    for (auto& p : loss->parameters()) params.emplace_back("loss." + p.first, p.second);
    SGD opt(params, lr, 0.9, wd);

    TrainConfig cfg;
    cfg.epochs = epochs;
    cfg.batch_size = batch;
    cfg.seed = uint64_t(seed);
    cfg.checkpoint_path = out + "/checkpoint.ckpt";
    cfg.checkpoint_every = every;
    cfg.progress = !quiet;
    Trainer t(*model, *loss, opt, data.train, &data.test, cfg, &rng);
    const Schedule lr_at = warmup(cosine_schedule(lr, int64_t(epochs) * t.steps_per_epoch()), warm);
    t.set_lr_schedule(lr_at);

    std::printf("train_softmax: %s\n", data.description.c_str());
    std::printf(
        "model: LeNet++, 2-D embedding, %lld parameters; loss: %s; SGD momentum 0.9, lr %s, "
        "weight decay %g, batch %d, %d threads\n",
        (long long)model->num_parameters(), loss->describe().c_str(), lr_at.describe().c_str(), wd,
        batch, threads);
    if (!resume.empty()) {
      t.resume(resume);
      std::printf("resumed from %s at epoch %d, step %d\n", resume.c_str(), t.epoch() + 1,
                  t.step_in_epoch());
    }
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    const auto stats = t.fit();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const Embeddings test = stats.empty() ? t.evaluate(data.test) : stats.back().test;
    save_embeddings_csv(out + "/embeddings.csv", test.h, test.labels);
    std::printf("test accuracy %.4f after %s (%.0f s this run)\n", test.accuracy, counted(t.epoch(), "epoch").c_str(),
                seconds);
    std::printf("wrote %s/embeddings.csv (test embeddings) and %s/checkpoint.ckpt\n", out.c_str(),
                out.c_str());
    return 0;
  });
}
