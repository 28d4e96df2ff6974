// feature2d: train LeNet++ with any objective and look at the feature space
// it learns, the way the Center Loss, L-Softmax, SphereFace, NormFace and
// ArcFace papers showed theirs.
//
//   build/feature2d --loss arcface s=16 m=0.2 warmup=500 --epochs 8
//   build/feature2d --loss softmax+0.01*center --data digits --out out/center
//   build/feature2d --loss cosface --dim 3            # features on the sphere
//   build/feature2d --loss tse normalize=1 --pretrain softmax --pretrain-epochs 3 --epochs 1
//                    # two stages: softmax trains the network, then TSE trains
//                    # T and the last layer on the frozen trunk
//
// Writes into --out (default out/feature2d/<objective>):
//   test_features.png   the test features: raw | normalised (dim 3: the
//                       sphere from the front | from behind; dim > 3: PCA
//                       projection | histogram of pair angles)
//   train_features.png  the same for (at most 10,000) training images
//   curves.png          loss, accuracy and feature angles per epoch
//   features.gif        the test features after each epoch (frame 0: before
//   frames/features_NNN.png  training, or after --pretrain), as a GIF and as PNG frames
//   metrics.json        per epoch: test accuracy, mean intra-class angle,
//                       minimum angle between class centres, ... (rewritten
//                       after every epoch)
//   embeddings.csv      the test features, rows x1,...,xN,label
//   checkpoint.ckpt     model, loss, optimizer and progress
//   grad_field.png      (--grad-field, dim 2) the test features with the
//                       arrows -dL_i/dh_i of each point's own loss and
//                       -dL/dW_j on each class weight, raw | normalised
//                       (demos/explorer/grad_field.hpp)
//   explorer.html       (dim 2 and 3) the run in a browser, offline: an epoch
//                       slider over the frames, raw / normalised (dim 3: a
//                       sphere to turn), each point's loss, theta_y, psi and
//                       -dL/dh on hover, the margin playground
//                       (demos/explorer/page.hpp); metrics.json then also
//                       lists those numbers for the last frame's points
#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/data/batching.hpp"
#include "demos/plot/animation.hpp"
#include "demos/cli/args.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/explorer/grad_field.hpp"
#include "demos/explorer/page.hpp"
#include "demos/features/history.hpp"
#include "demos/features/run.hpp"
#include "demos/features/views.hpp"
#include "demos/train/trace.hpp"
#include "losses/registry.hpp"

using namespace fg;

namespace {

std::string safe_name(const std::string& objective) {
  std::string s;
  for (char c : objective) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  return s;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "feature2d [--loss OBJECTIVE] [key=value ...] [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR] "
              "[--epochs N] [--pretrain OBJECTIVE] [--pretrain-epochs N] [--dim 2|3|N] [--seed N] [--out DIR] [--lr X] [--batch N] "
              "[--train-images N] [--test-images N] [--optim sgd|adam] [--weight-decay X] [--clip X] [--batchnorm] "
              "[--threads N] [--frame-points N] [--explorer-points N] [--grad-field] [--trace-nonfinite] [--quiet] [--list-losses] [--help]");
    const std::string objective = args.get_string(
        "--loss", "softmax", "training objective: a loss or a weighted sum such as softmax+0.01*center");
    const LossParams kv = args.key_values(
        "the objective's parameters (term.key=value in a sum); --list-losses shows every loss's");
    const std::string data_spec = args.get_string("--data", "mnist", kDataChoices);
    const int epochs = args.get_int("--epochs", 5, 1, 1000, "passes over the training images");
    const std::string pretrain = args.get_string(
        "--pretrain", "", "first train the whole network with this objective, then --loss on the frozen trunk");
    const int pretrain_epochs =
        args.get_int("--pretrain-epochs", 3, 1, 1000, "epochs of the --pretrain stage (--epochs: the second)");
    const int dim = args.get_int("--dim", 2, 2, 1024,
                                 "embedding dimension: 2 (plane), 3 (sphere), more (projected)");
    const int64_t seed = args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
    std::string out = args.get_string("--out", "", "output directory (default out/feature2d/OBJECTIVE)");
    const std::string optim = args.get_choice("--optim", "sgd", {"sgd", "adam"}, "optimizer");
    const double lr = args.get_double("--lr", optim == "sgd" ? 0.02 : 0.002, 1e-6, 10,
                                      "initial learning rate (cosine decay to 0)");
    const double wd = args.get_double("--weight-decay", 5e-4, 0, 1, "weight decay (L2)");
    const double clip = args.get_double("--clip", 5, 0, 1e9, "clip the gradients' global norm to this (0: off)");
    const int batch = args.get_int("--batch", 32, 2, 4096, "images per step");
    const int train_images =
        args.get_int("--train-images", 0, 0, 10000000, "use only this many training images (0: all)");
    const int test_images =
        args.get_int("--test-images", 0, 0, 10000000, "use only this many test images (0: all)");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const int frame_points =
        args.get_int("--frame-points", 3000, 100, 100000, "test features drawn in each animation frame");
    const int explorer_points = args.get_int("--explorer-points", 400, 0, 5000,
                                             "test points in each frame of explorer.html (0: no page)");
    const bool grad_field = args.get_flag("--grad-field", "also draw grad_field.png: -dL/dh on test points, -dL/dW_j (dim 2)");
    const bool bn = args.get_flag("--batchnorm", "LeNet++ with BatchNorm after every convolution");
    const bool quiet = args.get_flag("--quiet", "no progress bar");
    read_trace_nonfinite(args);
    const bool list = args.get_flag("--list-losses", "print every loss with its parameters and exit");
    args.finish();
    if (list) {
      std::printf("%s", all_losses_help().c_str());
      return 0;
    }
    check_objective(args, "--loss", objective, kv, dim);
    if (!pretrain.empty()) check_objective(args, "--pretrain", pretrain, {}, dim);
    if (!pretrain.empty() && bn)
      args.fail("--pretrain", "the frozen trunk's BatchNorm statistics would still move; drop --batchnorm");
    if (grad_field && dim != 2) args.fail("--grad-field", "draws 2-D features only; use --dim 2");
    check_data_spec(args, data_spec);
    if (out.empty()) out = "out/feature2d/" + safe_name(objective);
    make_out_dir(args, "--out", out);
    make_out_dir(args, "--out", out + "/frames");
    omp_set_num_threads(threads);

    DataSplit data = load_data(data_spec, uint64_t(seed));
    if (train_images > 0 && train_images < data.train.size()) {
      std::vector<int> keep = epoch_order(data.train.size(), derive_seed(uint64_t(seed), 0x5eb), 0);
      keep.resize(size_t(train_images));
      const std::string name = data.train.name;
      data.train = subset(data.train, keep);
      data.train.name = name + " (" + std::to_string(train_images) + " of them)";
    }
    if (test_images > 0 && test_images < data.test.size()) {
      std::vector<int> keep = epoch_order(data.test.size(), derive_seed(uint64_t(seed), 0x7e5), 0);
      keep.resize(size_t(test_images));
      std::sort(keep.begin(), keep.end());
      const std::string name = data.test.name;
      data.test = subset(data.test, keep);
      data.test.name = name + " (" + std::to_string(test_images) + " of them)";
    }
    if (train_images > 0 || test_images > 0)  // the header and metrics.json say what was used
      data.description += ", of which " + std::to_string(data.train.size()) + " train and " +
                          std::to_string(data.test.size()) + " test images used";
    const int K = std::max(data.train.num_classes(), data.test.num_classes());
    std::vector<std::string> names = data.train.class_names;

    FeatureRunOptions o;
    o.objective = objective, o.params = kv, o.dim = dim, o.epochs = epochs, o.batch = batch;
    o.batchnorm = bn, o.clip = clip;
    o.optimizer = optim, o.lr = lr, o.weight_decay = wd, o.seed = uint64_t(seed);
    o.checkpoint_path = out + "/checkpoint.ckpt";
    o.progress = !quiet;
    o.pretrain = pretrain, o.pretrain_epochs = pretrain_epochs;
    FeatureRun run(o, data.train, &data.test);
    Trainer& t = run.trainer();
    const std::string loss_text = run.objective().describe();
    std::printf("feature2d: %s\n", data.description.c_str());
    std::printf("objective: %s; %s, %d threads\n", loss_text.c_str(), run.describe().c_str(), threads);
    std::fflush(stdout);

    std::vector<FeatureEpoch> history;
    const bool explore = explorer_points > 0 && (dim == 2 || dim == 3);
    ExplorerRun xrun;
    xrun.title = run.objective().describe(), xrun.dim = dim, xrun.scoring = run.scoring(), xrun.names = names;
    GifAnimation anim(70);
    Embeddings last;
    auto header = [&] {
      JsonObject j;
      j.add("program", "feature2d").add("objective", objective).add("loss", run.objective().describe());
      j.add("data", data.description).add("train_images", int(data.train.size()));
      j.add("test_images", int(data.test.size())).add("dim", dim).add("seed", double(seed)).add("epochs", epochs);
      j.add("setup", run.describe()).add("threads", threads);
      return j;
    };
    auto frame = [&](const Embeddings& e, int epoch) {
      FeatureSnapshot s{e.h, e.labels, run.class_weights().clone(), run.centres().clone(), run.scoring(), names};
      s.max_points = frame_points;
      std::string title = run.objective().describe() + ", epoch " + std::to_string(epoch) + "/" + std::to_string(epochs);
      if (e.has_accuracy) title += ", test accuracy " + pct(e.accuracy);
      const Canvas c = feature_figure(s, title, "test", 420).render();
      c.save_png(frame_path(out + "/frames", "features", epoch));
      if (explore)
        xrun.frames.push_back(explorer_frame(run.objective(), e.h, e.labels, run.class_weights(), run.centres(),
                                             epoch, e.has_accuracy ? e.accuracy : NAN, explorer_points,
                                             uint64_t(seed)));
      anim.add_frame(c);
      anim.save(out + "/features.gif");
    };
    auto write_metrics = [&] {
      std::vector<std::string> rows;
      for (const FeatureEpoch& r : history) rows.push_back(record_json(r));
      JsonObject j = header();
      j.add_raw("per_epoch", json_array(rows));
      j.add_raw("final", history.empty() ? "null" : record_json(history.back()));
      if (!xrun.frames.empty()) {
        j.add("explorer_epoch", xrun.frames.back().epoch);
        j.add_raw("explorer_points", explorer_points_json(xrun.frames.back()));
      }
      write_text_atomic(out + "/metrics.json", j.str() + "\n");
    };

    if (run.pretrainer()) {
      std::printf("stage 1: %s, %d epoch%s\n", pretrain.c_str(), pretrain_epochs, pretrain_epochs == 1 ? "" : "s");
      run.pretrainer()->fit();
      std::printf("stage 2: %s on the frozen trunk, %d epoch%s\n", objective.c_str(), epochs, epochs == 1 ? "" : "s");
      std::fflush(stdout);
    }
    {
      const Embeddings e0 = t.evaluate(data.test);
      history.push_back(record_embeddings(e0, K, 0));
      frame(e0, 0);
      write_metrics();
    }
    t.on_epoch = [&](const EpochStats& s) {
      const FeatureEpoch r = record_epoch(s, K);
      history.push_back(r);
      std::printf("  test features: mean intra-class angle %.1f deg, min angle between class centres %.1f deg\n",
                  r.intra_deg, r.min_inter_deg);
      std::fflush(stdout);
      frame(s.test, s.epoch);
      write_metrics();
      last = s.test;
    };
    run.fit();

    FeatureSnapshot test_snap{last.h, last.labels, run.class_weights().clone(), run.centres().clone(),
                              run.scoring(), names};
    const std::string loss_now = run.objective().describe();
    const std::string title = loss_now + " on " + data.test.name + ", " + std::to_string(epochs) +
                              " epochs, test accuracy " + pct(last.accuracy);
    feature_figure(test_snap, title, "test").save_png(out + "/test_features.png");
    {
      std::vector<int> order = epoch_order(data.train.size(), derive_seed(uint64_t(seed), 0x7a1), 0);
      order.resize(std::min<size_t>(order.size(), 10000));
      const Embeddings tr = t.evaluate_indices(data.train, order);
      FeatureSnapshot s = test_snap;
      s.H = tr.h, s.y = tr.labels;
      std::string tt = loss_now + ", " + std::to_string(tr.h.size(0)) + " training images";
      if (tr.has_accuracy) tt += ", accuracy " + pct(tr.accuracy);
      feature_figure(s, tt, "train").save_png(out + "/train_features.png");
    }
    curves_figure(history, loss_now + " on " + data.description).save_png(out + "/curves.png");
    save_embeddings_csv(out + "/embeddings.csv", last.h, last.labels);
    if (grad_field)
      grad_field_figure(run.objective(), test_snap, "Where " + loss_now + " pushes: " + data.test.name + ", epoch " +
                                                        std::to_string(epochs), 400, run.pk_P(), run.pk_K())
          .save_png(out + "/grad_field.png");
    if (explore) {
      ExplorerPage page;
      page.title = loss_now + " on " + data.description;
      xrun.title = loss_now;  // the schedules as they ended
      page.runs.push_back(xrun);
      write_explorer(out + "/explorer.html", page);
    }
    std::printf("test accuracy %s after %d epochs\n", pct(last.accuracy).c_str(), epochs);
    std::printf("wrote %s/: test_features.png train_features.png curves.png features.gif frames/ "
                "metrics.json embeddings.csv checkpoint.ckpt%s%s\n",
                out.c_str(), explore ? " explorer.html" : "", grad_field ? " grad_field.png" : "");
    return 0;
  });
}
