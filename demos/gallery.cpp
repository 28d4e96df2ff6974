// gallery: every lecture loss trained with one shared budget, side by side.
//
//   build/gallery                     # the default five (make demo): softmax,
//                                     # center loss, SphereFace, CosFace, ArcFace
//   build/gallery --set all           # every loss of the lecture (scripts/gallery_all.sh)
//   build/gallery --only arcface,cosface --epochs 8
//   build/gallery --list              # the entries and their 2-D settings
//
// Writes into --out (default out/gallery):
//   gallery.png    one column per loss: test features raw (with decision
//                  regions where the loss has W) above the normalised view;
//                  the title holds the loss and its test accuracy
//   gallery.md     the comparison table (loss, test accuracy, intra-class
//                  angle, inter-class angle, radial spread, time)
//   gallery.json   the same numbers
//   <key>/test_features.png, <key>/embeddings.csv   each loss on its own
//   explorer.html  every loss side by side under one epoch slider (300 test
//                  images after each epoch), the table under them, the margin
//                  playground (demos/explorer/page.hpp); open it from disk
//
// Settings for 2-D. The lecture's margins are made for 512-D features: with
// 10 classes on a circle each class has 36 degrees (0.63 rad), and ArcFace's
// m = 0.5 rad or CosFace's m = 0.35 leave no room at all. The gallery takes
// the largest margins that still leave each class a wedge of about half its
// 36 degrees between its two neighbours' boundaries (CosFace and AM-Softmax
// m = 0.1: cos 9 - cos 27 = 0.097; ArcFace m = 0.2 leaves (36 - 11.5) / 2 =
// 12 degrees either side; the combined margin's m2 = 0.15, m3 = 0.05 about
// 10), with s = 30 (neighbours' cosines differ by little in the plane, so a
// small s leaves every probability soft) and a margin warm-up (warmup=N
// steps: the loss starts as NormFace and reaches its margin after N steps).
// The library's defaults stay the lecture's. L-Softmax and SphereFace anneal
// lambda from 1000 to their floor 5 within the first half of the run (their
// default rate needs thousands of steps). Pair and triplet losses get P x K
// batches (10 classes x batch/10 images); see demos/features/run.hpp. TSE
// and TPE train in two stages, as the lecture learns T on a trained network:
// softmax for three quarters of the epochs, then only LeNet++'s last layer
// and T on the frozen trunk (Entry::pretrain).
//
// Training, the same for every loss: SGD with momentum 0.9, lr 0.02 with a
// short warm-up and a cosine decay, batch 32, gradient norm clipped at 5
// (the normalised losses' first steps blow |h| up without it).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <sstream>

#include "core/data/batching.hpp"
#include "demos/cli/args.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/features/metrics.hpp"
#include "demos/explorer/page.hpp"
#include "demos/features/run.hpp"
#include "demos/gallery/report.hpp"
#include "demos/cli/json_text.hpp"
#include "demos/train/trace.hpp"
#include "losses/params.hpp"

using namespace fg;

namespace {

struct Entry {
  const char* key;        // for --only and the sub-directory
  const char* label;      // panel title and table
  const char* objective;  // the objective with its 2-D settings
  int warmup;             // epochs of margin warm-up from the start (0: none)
  bool anneal;            // lambda (L-Softmax, A-Softmax) reaches its floor half-way through the run
  bool in_default;        // part of `make demo`'s gallery
  const char* note;       // how this differs from the lecture's setting
  // Two stages (demos/features/run.hpp): `pretrain` trains the whole network
  // for this share of the epochs, then the objective trains LeNet++'s last
  // layer (and the loss's own T) on the frozen trunk for the rest.
  const char* pretrain = "";
  double pretrain_share = 0;
};

// In the lecture's order. The 2-D settings were chosen by looking at the
// pictures (see the notes in the header); the library's defaults are in
// brackets in each note.
const Entry kEntries[] = {
    {"softmax", "Softmax", "softmax", 0, false, true, ""},
    {"l2softmax", "L2-Softmax", "l2softmax", 0, false, false, ""},
    {"normface", "NormFace", "normface", 0, false, false, ""},
    {"coco", "CoCo", "coco", 0, false, false, ""},
    {"contrastive", "Contrastive", "contrastive", 0, false, false, "P x K batches"},
    {"marginal", "Marginal", "marginal:theta=0.2,xi=0.1", 0, false, false,
     "theta = 0.2, xi = 0.1 [1.2, 0.3]: other classes beyond 31.8 deg, its own within 18.2 deg (the defaults ask "
     "75.5 deg between classes, which ten on a circle cannot give), P x K batches"},
    {"triplet", "Triplet", "triplet:mining=semihard", 0, false, false, "semi-hard mining, P x K batches"},
    {"tse", "TSE", "tse:normalize=1", 0, false, false, "softmax first, then T and the last layer on the frozen trunk, P x K batches",
     "softmax", 0.75},
    {"tpe", "TPE", "tpe:normalize=1", 0, false, false, "softmax first, then T and the last layer on the frozen trunk, P x K batches",
     "softmax", 0.75},
    {"center", "Center loss", "softmax+0.1*center", 0, false, true, "lambda = 0.1"},
    {"center_invariant", "Center invariant", "softmax+0.1*center+0.01*center_invariant", 0, false, false,
     "lambda = 0.1, gamma = 0.01"},
    {"range", "Range loss", "softmax+0.01*range", 0, false, false, "weight 0.01"},
    {"lsoftmax", "L-Softmax", "lsoftmax:m=2", 0, true, false, "m = 2 [4]"},
    {"sphereface", "SphereFace (A-Softmax)", "asoftmax:m=4", 0, true, true, ""},
    {"amsoftmax", "AM-Softmax", "amsoftmax:s=30,m=0.1", 1, false, false, "s = 30, m = 0.1 [30, 0.4]"},
    {"cosface", "CosFace", "cosface:s=30,m=0.1", 1, false, true, "s = 30, m = 0.1 [64, 0.35]"},
    {"arcface", "ArcFace", "arcface:s=30,m=0.2", 2, false, true, "s = 30, m = 0.2 [64, 0.5]"},
    {"combined", "Combined margin", "combined:s=30,m1=1,m2=0.15,m3=0.05", 1, false, false,
     "s = 30, m2 = 0.15, m3 = 0.05 [64, 0.3, 0.2]"},
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string w; std::getline(ss, w, ',');)
    if (!w.empty()) out.push_back(w);
  return out;
}

std::string keys_list() {
  std::string k;
  for (const Entry& e : kEntries) k += (k.empty() ? "" : ", ") + std::string(e.key);
  return k;
}

// The objective with its schedules for a run of `total` steps, `per_epoch` an
// epoch: "arcface:s=30,m=0.2" -> "...,warmup=500" (with 250 steps an epoch,
// the margin ramps up over the entry's 2 warm-up epochs); "asoftmax:m=4" -> "...,gamma=0.85", lambda(t) =
// max(5, 1000 / (1 + gamma t)) reaching its floor 5 half-way through.
std::string with_schedules(const Entry& e, int per_epoch, int total) {
  std::string o = e.objective;
  auto add = [&](const std::string& kv) { o += (o.find(':') == std::string::npos ? ":" : ",") + kv; };
  if (e.warmup > 0 && per_epoch > 0) add("warmup=" + std::to_string(e.warmup * per_epoch));
  if (e.anneal && total > 1) add("gamma=" + num_str(199.0 / (total / 2.0)));
  return o;
}

// "1 epoch", "2 epochs": an entry's margin warm-up.
std::string warmup_text(const Entry& e) {
  return std::to_string(e.warmup) + (e.warmup == 1 ? " epoch" : " epochs");
}

// A two-stage entry's split of `epochs`: stage 1 gets the entry's share
// (at least 1), stage 2 the rest (at least 1), so the trunk sees no more
// passes than any other entry's (with --epochs 1 each stage gets one).
void set_stages(const Entry& e, int epochs, FeatureRunOptions& o) {
  o.epochs = epochs;
  if (*e.pretrain == 0) return;
  const int first = std::min(std::max(1, int(std::lround(e.pretrain_share * epochs))), std::max(1, epochs - 1));
  o.pretrain = e.pretrain, o.pretrain_epochs = first;
  o.epochs = std::max(1, epochs - first);
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "gallery [--set default|all] [--only KEY,KEY] [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR] "
              "[--epochs N] [--train-images N] [--test-images N] [--batch N] [--optim sgd|adam] [--lr X] [--clip X] "
              "[--seed N] [--threads N] [--jobs N] [--out DIR] [--cols N] [--trace-nonfinite] [--quiet] [--list] [--help]");
    const std::string set = args.get_choice("--set", "default", {"default", "all"},
                                            "default: softmax, center, sphereface, cosface, arcface; all: every loss");
    const std::string only = args.get_string("--only", "", "comma-separated keys instead of --set (--list shows them)");
    const std::string data_spec = args.get_string("--data", "mnist", kDataChoices);
    const int epochs = args.get_int("--epochs", 4, 1, 1000, "passes over the training images, for every loss");
    const int train_images = args.get_int("--train-images", 8000, 0, 10000000,
                                          "training images per loss (0: all), the same for every loss");
    const int test_images = args.get_int("--test-images", 0, 0, 10000000, "test images (0: all)");
    const int batch = args.get_int("--batch", 32, 2, 4096, "images per step");
    const double clip = args.get_double("--clip", 5, 0, 1e9, "clip the gradients' global norm to this (0: off)");
    const std::string optim = args.get_choice("--optim", "sgd", {"sgd", "adam"}, "optimizer");
    const double lr = args.get_double("--lr", optim == "sgd" ? 0.02 : 0.002, 1e-6, 10,
                                      "initial learning rate (cosine decay to 0)");
    const int64_t seed = args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    const std::string out = args.get_string("--out", "out/gallery", "output directory");
    const int jobs_arg = args.get_int("--jobs", 0, 0, 64,
                                      "losses trained at once, each on --threads / jobs threads (0: one per thread)");
    const int cols_arg = args.get_int("--cols", 0, 0, 20, "losses a row in gallery.png (0: chosen)");
    const bool quiet = args.get_flag("--quiet", "no progress bar");
    read_trace_nonfinite(args);
    const bool list = args.get_flag("--list", "print the entries and exit");
    args.finish();

    std::vector<const Entry*> chosen;
    if (!only.empty()) {
      for (const std::string& k : split_commas(only)) {
        const Entry* hit = nullptr;
        for (const Entry& e : kEntries)
          if (k == e.key) hit = &e;
        if (!hit) args.fail("--only", "unknown key '" + k + "'; valid: " + keys_list());
        chosen.push_back(hit);
      }
      if (chosen.empty()) args.fail("--only", "no key given; valid: " + keys_list());
    } else {
      for (const Entry& e : kEntries)
        if (set == "all" || e.in_default) chosen.push_back(&e);
    }
    if (list) {
      for (const Entry& e : kEntries)
        std::printf("%-17s %-24s %-45s %s%s%s\n", e.key, e.label, e.objective, e.in_default ? "[default] " : "",
                    e.warmup ? ("margin warm-up over " + warmup_text(e)).c_str() : "",
                    e.anneal ? "lambda annealed to its floor in the first half" : "");
      return 0;
    }
    check_data_spec(args, data_spec);
    for (const Entry* e : chosen) check_objective(args, "--only", e->objective, {}, 2);
    make_out_dir(args, "--out", out);
    DataSplit data = load_data(data_spec, uint64_t(seed));
    auto cap = [&](Dataset& d, int n, uint64_t stream, const char* what) {
      if (n <= 0 || n >= d.size()) return;
      std::vector<int> keep = epoch_order(d.size(), derive_seed(uint64_t(seed), stream), 0);
      keep.resize(size_t(n));
      std::sort(keep.begin(), keep.end());
      const std::string name = d.name;
      d = subset(d, keep);
      d.name = name + " (" + std::to_string(n) + " " + what + ")";
    };
    cap(data.train, train_images, 0x5eb, "of them");
    cap(data.test, test_images, 0x7e5, "of them");
    const int K = std::max(data.train.num_classes(), data.test.num_classes());
    const int steps_per_epoch = (data.train.size() + batch - 1) / batch;
    std::printf("gallery: %zu losses, each %d epochs over %d training images (%d steps an epoch), "
                "tested on %d images of %s\n",
                chosen.size(), epochs, data.train.size(), steps_per_epoch, data.test.size(),
                data.description.c_str());
    std::fflush(stdout);

    // Every loss is trained on its own thread with threads_per_job OpenMP
    // threads, `jobs` losses at once; the pictures are drawn afterwards.
    const int jobs = jobs_arg > 0 ? jobs_arg : std::max(1, std::min<int>(threads, int(chosen.size())));
    const int per_job = std::max(1, threads / jobs);
    std::printf("%d losses at a time, %d thread%s each\n", jobs, per_job, per_job > 1 ? "s" : "");
    std::fflush(stdout);
    std::vector<GalleryResult> results(chosen.size());
    // explorer.html: the same 300 test images of every loss after every epoch.
    std::vector<int> xsample = epoch_order(data.test.size(), derive_seed(uint64_t(seed), 0xe7b1), 0);
    xsample.resize(std::min<size_t>(xsample.size(), 300));
    std::sort(xsample.begin(), xsample.end());
    std::vector<ExplorerRun> xruns(chosen.size());
    std::string setup;
    std::mutex print_mu;
    const auto t_all = std::chrono::steady_clock::now();
    run_tasks(int(chosen.size()), jobs, per_job, [&](int i) {
      const Entry* e = chosen[size_t(i)];
      GalleryResult& r = results[size_t(i)];
      r.label = e->label;
      r.objective = with_schedules(*e, steps_per_epoch, steps_per_epoch * epochs);
      r.note = e->note;
      if (e->warmup) r.note += std::string(r.note.empty() ? "" : ", ") + "margin warm-up " + warmup_text(*e);
      if (e->anneal) r.note += std::string(r.note.empty() ? "" : ", ") + "lambda 1000 -> 5 in half the run";
      {
        std::lock_guard<std::mutex> lock(print_mu);
        std::printf("== %s: %s\n", r.label.c_str(), r.objective.c_str());
        std::fflush(stdout);
      }
      const auto t0 = std::chrono::steady_clock::now();
      try {
        FeatureRunOptions o;
        o.objective = r.objective, o.dim = 2, o.epochs = epochs, o.batch = batch;
        o.optimizer = optim, o.lr = lr, o.clip = clip, o.seed = uint64_t(seed);
        o.eval_each_epoch = false, o.progress = !quiet && jobs == 1, o.verbose = jobs == 1;
        set_stages(*e, epochs, o);
        FeatureRun run(o, data.train, &data.test);
        if (jobs > 1)  // the trainer's own lines would interleave: one short line an epoch instead
          run.trainer().on_epoch = [&](const EpochStats& st) {
            std::lock_guard<std::mutex> lock(print_mu);
            char acc[32] = "";
            if (st.train_accuracy >= 0) std::snprintf(acc, sizeof acc, "  train acc %.3f", st.train_accuracy);
            std::printf("   %s: epoch %d/%d  loss %.4f%s  %.0f img/s\n", r.label.c_str(), st.epoch, st.epochs,
                        st.train_loss, acc, st.images_per_second);
            std::fflush(stdout);
          };
        {
          auto snap = [&, i](int epoch) {
            const Embeddings e = run.trainer().evaluate_indices(data.test, xsample);
            xruns[size_t(i)].frames.push_back(explorer_frame(run.objective(), e.h, e.labels, run.class_weights(),
                                                             run.centres(), epoch, NAN, 0, uint64_t(seed)));
          };
          snap(0);
          auto printed = run.trainer().on_epoch;
          run.trainer().on_epoch = [&, printed, snap](const EpochStats& st) {
            if (printed) printed(st);
            snap(st.epoch);
          };
        }
        run.fit();
        const Embeddings ev = run.trainer().evaluate(data.test);
        const FeatureMetrics f = feature_metrics(ev.h, ev.labels, K);
        r.test_accuracy = ev.has_accuracy ? ev.accuracy : NAN;
        r.intra_deg = f.intra_deg, r.min_inter_deg = f.min_inter_deg, r.radial_spread = f.radial_spread;
        r.features = FeatureSnapshot{ev.h, ev.labels, run.class_weights().clone(), run.centres().clone(),
                                     run.scoring(), data.test.class_names};
        r.ok = true;
        std::lock_guard<std::mutex> lock(print_mu);
        if (setup.empty() || run.pk_P() == 0) setup = run.describe();
      } catch (const std::exception& err) {
        r.error = err.what();
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::lock_guard<std::mutex> lock(print_mu);
      if (r.ok)
        std::printf("%s: test accuracy %.3f, intra-class angle %.1f deg, min inter-class angle %.1f deg, "
                    "radial spread %.2f, %.0f s\n",
                    r.label.c_str(), r.test_accuracy, r.intra_deg, r.min_inter_deg, r.radial_spread, r.seconds);
      else
        std::printf("%s stopped: %s\n", r.label.c_str(), r.error.c_str());
      std::fflush(stdout);
    });
    for (size_t i = 0; i < results.size(); ++i) {
      GalleryResult& r = results[i];
      if (!r.ok) continue;
      const std::string dir = out + "/" + chosen[i]->key;
      make_out_dir(args, "--out", dir);
      char acc[16];
      std::snprintf(acc, sizeof acc, "%.3f", r.test_accuracy);
      FeatureSnapshot big = r.features;
      big.max_points = 10000;
      feature_figure(big, r.label + " (" + r.objective + "), test accuracy " + acc, "test", 480)
          .save_png(dir + "/test_features.png");
      save_embeddings_csv(dir + "/embeddings.csv", r.features.H, r.features.y);
      r.features.max_points = 4000;
    }
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();

    const int cols = cols_arg > 0 ? cols_arg : int(results.size()) <= 6 ? int(results.size()) : 6;
    const std::string budget = std::to_string(epochs) + " epochs x " + std::to_string(data.train.size()) +
                               " training images each";
    gallery_figure(results, "2-D LeNet++ features of " + data.test.name + ", " + budget, cols, 340)
        .save_png(out + "/gallery.png");
    const std::string heading = "2-D LeNet++ on " + data.description + "; every loss: " + budget + ", " +
                                setup + ", seed " + std::to_string(seed) + "; " + std::to_string(jobs) +
                                " losses at a time on " + std::to_string(per_job) + " thread" +
                                (per_job > 1 ? "s" : "") + " each; " + std::to_string(int(total)) +
                                " s in all (wall clock).";
    write_text_atomic(out + "/gallery.md", gallery_markdown(results, heading));
    {
      ExplorerPage page;
      page.title = "2-D LeNet++ features of " + data.test.name + ", " + budget;
      page.table = gallery_markdown(results, heading);
      for (size_t i = 0; i < results.size(); ++i)
        if (results[i].ok && !xruns[i].frames.empty()) {
          xruns[i].title = results[i].label + " (" + results[i].objective + ")";
          xruns[i].names = data.test.class_names;
          page.runs.push_back(xruns[i]);
        }
      if (!page.runs.empty()) write_explorer(out + "/explorer.html", page);
    }
    write_text_atomic(out + "/gallery.json", gallery_json(results, heading));
    std::printf("\n%s\n", gallery_markdown(results, heading).c_str());
    std::printf("gallery: %.0f s in all; pictures in %s/gallery.png (and %s/<loss>/test_features.png), "
                "table in %s/gallery.md\n",
                total, out.c_str(), out.c_str(), out.c_str());
    return 0;
  });
}
