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
//   explorer.html       the run in a browser, offline: an epoch slider over
//                       the frames, raw / normalised (dim 3: a sphere to
//                       turn; more: the plane of the first two principal
//                       directions), each point's loss, theta_y, psi and
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
#include "demos/cli/counted.hpp"
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

const char* const kUsage =
    "feature2d [--loss OBJECTIVE] [key=value ...] [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR] "
    "[--epochs N] [--pretrain OBJECTIVE] [--pretrain-epochs N] [--no-freeze] [--dim 2|3|N] [--seed N] [--out DIR] [--lr X] [--batch N] "
    "[--train-images N] [--test-images N] [--optim sgd|adam] [--weight-decay X] [--clip X] [--batchnorm] "
    "[--threads N] [--frame-points N] [--explorer-points N] [--grad-field] [--trace-nonfinite] [--quiet] [--list-losses] [--help]";

struct Options {
  std::string objective, data_spec, out, optim, pretrain;
  LossParams kv;
  int pretrain_epochs = 0;
  bool no_freeze = false;
  int epochs = 0, dim = 0, batch = 0, train_images = 0, test_images = 0, threads = 1;
  int frame_points = 0, explorer_points = 0;
  int64_t seed = 1;
  double lr = 0, wd = 0, clip = 0;
  bool grad_field = false, bn = false, quiet = false, list = false;
};

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

// Every option (--help stops here); with --list-losses nothing is checked.
Options read_options(Args& args) {
  Options o;
  o.objective = args.get_string(
      "--loss", "softmax", "training objective: a loss or a weighted sum such as softmax+0.01*center");
  o.kv = args.key_values(
      "the objective's parameters (term.key=value in a sum); --list-losses shows every loss's");
  o.data_spec = args.get_string("--data", "mnist", kDataChoices);
  o.epochs = args.get_int("--epochs", 5, 1, 1000, "passes over the training images");
  o.pretrain = args.get_string(
      "--pretrain", "", "first train the whole network with this objective, then --loss on the frozen trunk (see --no-freeze)");
  o.pretrain_epochs =
      args.get_int("--pretrain-epochs", 3, 1, 1000, "epochs of the --pretrain stage (--epochs: the second)");
  o.no_freeze = args.get_flag("--no-freeze", "after --pretrain, train the whole network with --loss (a warm start)");
  o.dim = args.get_int("--dim", 2, 2, 1024, "embedding dimension: 2 (plane), 3 (sphere), more (projected)");
  o.seed = args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
  o.out = args.get_string("--out", "", "output directory (default out/feature2d/OBJECTIVE)");
  o.optim = args.get_choice("--optim", "sgd", {"sgd", "adam"}, "optimizer");
  o.lr = args.get_double("--lr", o.optim == "sgd" ? 0.02 : 0.002, 1e-6, 10,
                         "initial learning rate (cosine decay to 0)");
  o.wd = args.get_double("--weight-decay", 5e-4, 0, 1, "weight decay (L2)");
  o.clip = args.get_double("--clip", 5, 0, 1e9, "clip the gradients' global norm to this (0: off)");
  o.batch = args.get_int("--batch", 32, 2, 4096, "images per step");
  o.train_images =
      args.get_int("--train-images", 0, 0, 10000000, "use only this many training images (0: all)");
  o.test_images = args.get_int("--test-images", 0, 0, 10000000, "use only this many test images (0: all)");
  o.threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
  o.frame_points =
      args.get_int("--frame-points", 3000, 100, 100000, "test features drawn in each animation frame");
  o.explorer_points = args.get_int("--explorer-points", 400, 0, 5000,
                                   "test points in each frame of explorer.html (0: no page)");
  o.grad_field = args.get_flag("--grad-field", "also draw grad_field.png: -dL/dh on test points, -dL/dW_j (dim 2)");
  o.bn = args.get_flag("--batchnorm", "LeNet++ with BatchNorm after every convolution");
  o.quiet = args.get_flag("--quiet", "no progress bar");
  read_trace_nonfinite(args);
  o.list = args.get_flag("--list-losses", "print every loss with its parameters and exit");
  args.finish();
  return o;
}

// The objective, --grad-field and --data checked before anything is loaded;
// the output folders made.
void check_options(const Args& args, Options& o) {
  check_objective(args, "--loss", o.objective, o.kv, o.dim);
  if (!o.pretrain.empty()) check_objective(args, "--pretrain", o.pretrain, {}, o.dim);
  if (o.no_freeze && o.pretrain.empty()) args.fail("--no-freeze", "it only applies after --pretrain OBJECTIVE");
  if (!o.pretrain.empty() && o.bn && !o.no_freeze)
    args.fail("--pretrain", "the frozen trunk's BatchNorm statistics would still move; drop --batchnorm");
  if (o.grad_field && o.dim != 2) args.fail("--grad-field", "draws 2-D features only; use --dim 2");
  check_data_spec(args, o.data_spec);
  if (o.out.empty()) o.out = "out/feature2d/" + safe_name(o.objective);
  make_out_dir(args, "--out", o.out);
  make_out_dir(args, "--out", o.out + "/frames");
}

// The data, cut to --train-images and --test-images (a seeded choice).
DataSplit load_subsets(const Options& o) {
  DataSplit data = load_data(o.data_spec, uint64_t(o.seed));
  if (o.train_images > 0 && o.train_images < data.train.size()) {
    std::vector<int> keep = epoch_order(data.train.size(), derive_seed(uint64_t(o.seed), 0x5eb), 0);
    keep.resize(size_t(o.train_images));
    const std::string name = data.train.name;
    data.train = subset(data.train, keep);
    data.train.name = name + " (" + std::to_string(o.train_images) + " of them)";
  }
  if (o.test_images > 0 && o.test_images < data.test.size()) {
    std::vector<int> keep = epoch_order(data.test.size(), derive_seed(uint64_t(o.seed), 0x7e5), 0);
    keep.resize(size_t(o.test_images));
    std::sort(keep.begin(), keep.end());
    const std::string name = data.test.name;
    data.test = subset(data.test, keep);
    data.test.name = name + " (" + std::to_string(o.test_images) + " of them)";
  }
  if (o.train_images > 0 || o.test_images > 0)  // the header and metrics.json say what was used
    data.description += ", of which " + std::to_string(data.train.size()) + " train and " +
                        std::to_string(data.test.size()) + " test images used";
  return data;
}

FeatureRunOptions run_options(const Options& c) {
  FeatureRunOptions o;
  o.objective = c.objective, o.params = c.kv, o.dim = c.dim, o.epochs = c.epochs, o.batch = c.batch;
  o.batchnorm = c.bn, o.clip = c.clip;
  o.optimizer = c.optim, o.lr = c.lr, o.weight_decay = c.wd, o.seed = uint64_t(c.seed);
  o.checkpoint_path = c.out + "/checkpoint.ckpt";
  o.progress = !c.quiet;
  o.pretrain = c.pretrain, o.pretrain_epochs = c.pretrain_epochs, o.freeze = !c.no_freeze;
  return o;
}

// The run as it trains: the test features before training and after every
// epoch go into the history (metrics.json, rewritten each time), a frame
// (frames/, features.gif) and a frame of explorer.html.
class Watch {
 public:
  Watch(const Options& o, const DataSplit& data, FeatureRun& run)
      : o_(o), data_(data), run_(run), names_(data.train.class_names),
        K_(std::max(data.train.num_classes(), data.test.num_classes())),
        explore_(o.explorer_points > 0) {
    xrun_.title = run.objective().describe(), xrun_.dim = o.dim, xrun_.scoring = run.scoring(), xrun_.names = names_;
  }

  void fit() {
    Trainer& t = run_.trainer();
    if (run_.pretrainer()) {  // frame 0 is then the first stage's end
      std::printf("stage 1: %s, %s\n", o_.pretrain.c_str(), counted(o_.pretrain_epochs, "epoch").c_str());
      run_.fit_first_stage();
      std::printf("stage 2: %s on the %s, %s\n", o_.objective.c_str(), o_.no_freeze ? "whole network" : "frozen trunk",
                  counted(o_.epochs, "epoch").c_str());
      std::fflush(stdout);
    }
    {
      const Embeddings e0 = t.evaluate(data_.test);
      history_.push_back(record_embeddings(e0, K_, 0));
      frame(e0, 0);
      write_metrics();
    }
    t.on_epoch = [&](const EpochStats& s) {
      const FeatureEpoch r = record_epoch(s, K_);
      history_.push_back(r);
      std::printf("  test features: mean intra-class angle %.1f deg, min angle between class centres %.1f deg\n",
                  r.intra_deg, r.min_inter_deg);
      std::fflush(stdout);
      frame(s.test, s.epoch);
      write_metrics();
      last_ = s.test;
    };
    run_.fit();
  }

  const std::vector<FeatureEpoch>& history() const { return history_; }
  const Embeddings& last() const { return last_; }  // the test features after the last epoch
  bool explore() const { return explore_; }
  ExplorerRun& explorer_run() { return xrun_; }

 private:
  JsonObject header() const {
    JsonObject j;
    j.add("program", "feature2d").add("objective", o_.objective).add("loss", run_.objective().describe());
    j.add("data", data_.description).add("train_images", int(data_.train.size()));
    j.add("test_images", int(data_.test.size())).add("dim", o_.dim).add("seed", double(o_.seed)).add("epochs", o_.epochs);
    j.add("setup", run_.describe()).add("threads", o_.threads);
    return j;
  }

  void frame(const Embeddings& e, int epoch) {
    FeatureSnapshot s{e.h, e.labels, run_.class_weights().clone(), run_.centres().clone(), run_.scoring(), names_};
    s.max_points = o_.frame_points;
    std::string title = run_.objective().describe() + ", epoch " + std::to_string(epoch) + "/" + std::to_string(o_.epochs);
    if (e.has_accuracy) title += ", test accuracy " + pct(e.accuracy);
    const Canvas c = feature_figure(s, title, "test", 420).render();
    c.save_png(frame_path(o_.out + "/frames", "features", epoch));
    if (explore_)
      xrun_.frames.push_back(explorer_frame(run_.objective(), e.h, e.labels, run_.class_weights(), run_.centres(),
                                            epoch, e.has_accuracy ? e.accuracy : NAN, o_.explorer_points,
                                            uint64_t(o_.seed), run_.pk_P(), run_.pk_K()));
    anim_.add_frame(c);
    anim_.save(o_.out + "/features.gif");
  }

  void write_metrics() const {
    std::vector<std::string> rows;
    for (const FeatureEpoch& r : history_) rows.push_back(record_json(r));
    JsonObject j = header();
    j.add_raw("per_epoch", json_array(rows));
    j.add_raw("final", history_.empty() ? "null" : record_json(history_.back()));
    if (!xrun_.frames.empty()) {
      j.add("explorer_epoch", xrun_.frames.back().epoch);
      j.add_raw("explorer_points", explorer_points_json(xrun_.frames.back()));
    }
    write_text_atomic(o_.out + "/metrics.json", j.str() + "\n");
  }

  const Options& o_;
  const DataSplit& data_;
  FeatureRun& run_;
  const std::vector<std::string> names_;
  const int K_;
  const bool explore_;
  std::vector<FeatureEpoch> history_;
  ExplorerRun xrun_;
  GifAnimation anim_{70};
  Embeddings last_;
};

// The trained run's pictures and files: test and training features, the
// curves, embeddings.csv, and grad_field.png and explorer.html when asked.
void draw_results(const Options& o, const DataSplit& data, FeatureRun& run, Watch& w) {
  const Embeddings& last = w.last();
  FeatureSnapshot test_snap{last.h, last.labels, run.class_weights().clone(), run.centres().clone(),
                            run.scoring(), data.train.class_names};
  const std::string loss_now = run.objective().describe();
  const std::string title = loss_now + " on " + data.test.name + ", " + counted(o.epochs, "epoch") +
                            ", test accuracy " + pct(last.accuracy);
  feature_figure(test_snap, title, "test").save_png(o.out + "/test_features.png");
  {
    std::vector<int> order = epoch_order(data.train.size(), derive_seed(uint64_t(o.seed), 0x7a1), 0);
    order.resize(std::min<size_t>(order.size(), 10000));
    const Embeddings tr = run.trainer().evaluate_indices(data.train, order);
    FeatureSnapshot s = test_snap;
    s.H = tr.h, s.y = tr.labels;
    std::string tt = loss_now + ", " + std::to_string(tr.h.size(0)) + " training images";
    if (tr.has_accuracy) tt += ", accuracy " + pct(tr.accuracy);
    feature_figure(s, tt, "train").save_png(o.out + "/train_features.png");
  }
  curves_figure(w.history(), loss_now + " on " + data.description).save_png(o.out + "/curves.png");
  save_embeddings_csv(o.out + "/embeddings.csv", last.h, last.labels);
  if (o.grad_field)
    grad_field_figure(run.objective(), test_snap, "Where " + loss_now + " pushes: " + data.test.name + ", epoch " +
                                                      std::to_string(o.epochs), 400, run.pk_P(), run.pk_K())
        .save_png(o.out + "/grad_field.png");
  if (w.explore()) {
    ExplorerPage page;
    page.title = loss_now + " on " + data.description;
    w.explorer_run().title = loss_now;  // the schedules as they ended
    page.runs.push_back(w.explorer_run());
    write_explorer(o.out + "/explorer.html", page);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv, kUsage);
    Options o = read_options(args);
    if (o.list) {
      std::printf("%s", all_losses_help().c_str());
      return 0;
    }
    check_options(args, o);
    omp_set_num_threads(o.threads);

    const DataSplit data = load_subsets(o);
    FeatureRun run(run_options(o), data.train, &data.test);
    std::printf("feature2d: %s\n", data.description.c_str());
    std::printf("objective: %s; %s, %d threads\n", run.objective().describe().c_str(), run.describe().c_str(),
                o.threads);
    std::fflush(stdout);

    Watch watch(o, data, run);
    watch.fit();
    draw_results(o, data, run, watch);
    std::printf("test accuracy %s after %s\n", pct(watch.last().accuracy).c_str(), counted(o.epochs, "epoch").c_str());
    std::printf("wrote %s/: test_features.png train_features.png curves.png features.gif frames/ "
                "metrics.json embeddings.csv checkpoint.ckpt%s%s\n",
                o.out.c_str(), watch.explore() ? " explorer.html" : "", o.grad_field ? " grad_field.png" : "");
    return 0;
  });
}
