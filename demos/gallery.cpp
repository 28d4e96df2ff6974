// gallery: every lecture loss trained with one shared budget, side by side.
//
//   build/gallery                     # the default five (make demo): softmax,
//                                     # center loss, SphereFace, CosFace, ArcFace
//   build/gallery --set all           # every loss of the lecture (scripts/gallery_all.sh)
//   build/gallery --only arcface,cosface --epochs 8
//   build/gallery --list              # the entries and their 2-D settings
//   build/gallery --seeds 3           # each entry under seeds 1, 2, 3: every number
//                                     # as mean and 95% interval, plus a margin-0
//                                     # control row for each margin loss
//
// Writes into --out (default out/gallery):
//   gallery.png    one column per loss: test features raw (with decision
//                  regions where the loss has W) above the normalised view;
//                  the title holds the loss and its test accuracy
//   gallery.md     the comparison table (loss, test accuracy, intra-class
//                  angle, inter-class angle, radial spread, time)
//   gallery.json   the same numbers (with --seeds N: each seed's, the means
//                  and the intervals' half-widths)
//   <key>/test_features.png, <key>/embeddings.csv   each loss on its own
//   explorer.html  every loss side by side under one epoch slider (300 test
//                  images after each epoch), the table under them, the margin
//                  playground (demos/explorer/page.hpp); open it from disk
//
// Settings for 2-D. The lecture's margins are made for 512-D features: with
// 10 classes on a circle each class has 36 degrees (0.63 rad), and ArcFace's
// m = 0.5 rad or CosFace's m = 0.35 leave no room at all. The gallery takes
// margins that still leave each class a wedge between its two neighbours'
// boundaries (CosFace and AM-Softmax m = 0.15: 4 degrees either side of W_j;
// ArcFace m = 0.2: 12; the combined margin's m2 = 0.15, m3 = 0.05 about 10;
// notes/05-angular-family.md), with s = 30 (neighbours' cosines differ by
// little in the plane, so a small s leaves every probability soft).
// Normalised features in 2-D crowd when they start from random weights (a
// class cannot pass its neighbour on the circle), so the normalised losses
// start warm: softmax for half the epochs, then the loss on the whole
// network from softmax's network and W (Entry::pretrain with freeze off).
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
//
// --seeds N trains every row under seeds --seed, --seed + 1, ... (the same
// images; each seed its own initialisation and data order, the same for
// every loss) and reports each number as the mean and the half-width of its
// 95% interval, Student's t with N - 1 degrees of freedom
// (demos/gallery/interval.hpp). --controls (on by default when N > 1) adds,
// after each margin loss, the same loss at the same s with its margin taken
// out (demos/gallery/controls.hpp): is it the scale or the margin? The
// pictures are always the first seed's. The trainings run `jobs` at a time,
// each on threads / jobs OpenMP threads; with one thread each, the last ones
// take the threads the others leave, with the same numbers
// (demos/gallery/train.hpp).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "demos/cli/args.hpp"
#include "demos/cli/counted.hpp"
#include "demos/cli/data_arg.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/gallery/controls.hpp"
#include "demos/gallery/output.hpp"
#include "demos/gallery/train.hpp"
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
  // layer (and the loss's own T) on the frozen trunk for the rest, or the
  // whole network again when `freeze` is false (a warm start).
  const char* pretrain = "";
  double pretrain_share = 0;
  bool freeze = true;
};

// In the lecture's order. The 2-D settings were chosen by looking at the
// pictures (see the notes in the header); the library's defaults are in
// brackets in each note.
const Entry kEntries[] = {
    {"softmax", "Softmax", "softmax", 0, false, true, ""},
    {"l2softmax", "L2-Softmax", "l2softmax", 0, false, false, "", "softmax", 0.5, false},
    {"normface", "NormFace", "normface", 0, false, false, "", "softmax", 0.5, false},
    {"coco", "CoCo", "coco", 0, false, false, "", "softmax", 0.5, false},
    {"contrastive", "Contrastive", "contrastive:margin=3", 0, false, false, "margin = 3 [1], P x K batches", "softmax",
     0.5, false},
    {"marginal", "Marginal", "marginal:theta=0.2,xi=0.1", 0, false, false,
     "theta = 0.2, xi = 0.1 [1.2, 0.3]: other classes beyond 31.8 deg, its own within 18.2 deg (the defaults ask "
     "75.5 deg between classes, which ten on a circle cannot give), P x K batches",
     "softmax", 0.5, false},
    {"triplet", "Triplet", "triplet:mining=semihard", 0, false, false, "semi-hard mining, P x K batches"},
    {"tse", "TSE", "tse:normalize=1", 0, false, false, "P x K batches", "softmax", 0.75},
    {"tpe", "TPE", "tpe:normalize=1", 0, false, false, "P x K batches", "softmax", 0.75},
    {"center", "Center loss", "softmax+0.1*center", 0, false, true, "lambda = 0.1"},
    {"center_invariant", "Center invariant", "softmax+0.1*center+0.01*center_invariant", 0, false, false,
     "lambda = 0.1, gamma = 0.01"},
    {"range", "Range loss", "softmax+0.01*range", 0, false, false, "weight 0.01"},
    {"lsoftmax", "L-Softmax", "lsoftmax:m=2", 0, true, false, "m = 2 [4]"},
    {"sphereface", "SphereFace (A-Softmax)", "asoftmax:m=4", 0, true, true, ""},
    {"amsoftmax", "AM-Softmax", "amsoftmax:s=30,m=0.15", 0, false, false, "s = 30, m = 0.15 [30, 0.4]", "softmax", 0.5,
     false},
    {"cosface", "CosFace", "cosface:s=30,m=0.15", 0, false, true, "s = 30, m = 0.15 [64, 0.35]", "softmax", 0.5, false},
    {"arcface", "ArcFace", "arcface:s=30,m=0.2", 0, false, true, "s = 30, m = 0.2 [64, 0.5]", "softmax", 0.5, false},
    {"combined", "Combined margin", "combined:s=30,m1=1,m2=0.15,m3=0.05", 0, false, false,
     "s = 30, m2 = 0.15, m3 = 0.05 [64, 0.3, 0.2]", "softmax", 0.5, false},
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

// "1 epoch", "2 epochs": an entry's margin warm-up.
std::string warmup_text(const Entry& e) { return counted(e.warmup, "epoch"); }

// A two-stage entry's stages, for its note.
std::string stages_text(const Entry& e) {
  const std::string first = std::string(e.pretrain) + " first for " +
                            (e.pretrain_share == 0.5 ? std::string("half") : num_str(e.pretrain_share)) + " of the epochs";
  return e.freeze ? first + ", then T and the last layer on the frozen trunk"
                  : first + ", then the whole network (a warm start)";
}

void print_entries() {
  for (const Entry& e : kEntries)
    std::printf("%-17s %-24s %-45s %s%s%s%s\n", e.key, e.label, e.objective, e.in_default ? "[default] " : "",
                e.warmup ? ("margin warm-up over " + warmup_text(e)).c_str() : "",
                e.anneal ? "lambda annealed to its floor in the first half" : "", *e.pretrain ? stages_text(e).c_str() : "");
}

// The entries named by --only, else those of --set.
std::vector<const Entry*> choose(Args& args, const std::string& set, const std::string& only) {
  std::vector<const Entry*> chosen;
  for (const std::string& k : split_commas(only)) {
    const Entry* hit = nullptr;
    for (const Entry& e : kEntries)
      if (k == e.key) hit = &e;
    if (!hit) args.fail("--only", "unknown key '" + k + "'; valid: " + keys_list());
    chosen.push_back(hit);
  }
  if (!only.empty() && chosen.empty()) args.fail("--only", "no key given; valid: " + keys_list());
  if (only.empty())
    for (const Entry& e : kEntries)
      if (set == "all" || e.in_default) chosen.push_back(&e);
  return chosen;
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

// The table's rows: each entry with its schedules, and with `controls` each
// margin loss followed by its margin-0 control (no margin to warm up or
// anneal, so no schedules).
std::vector<GalleryRow> gallery_rows(const std::vector<const Entry*>& chosen, int per_epoch, int total,
                                     bool controls) {
  std::vector<GalleryRow> rows;
  for (const Entry* e : chosen) {
    GalleryRow r{e->key, e->label, with_schedules(*e, per_epoch, total), e->note, e->pretrain, e->pretrain_share, e->freeze};
    if (e->warmup) r.note += std::string(r.note.empty() ? "" : ", ") + "margin warm-up " + warmup_text(*e);
    if (e->anneal) r.note += std::string(r.note.empty() ? "" : ", ") + "lambda 1000 -> 5 in half the run";
    if (*e->pretrain) r.note += std::string(r.note.empty() ? "" : ", ") + stages_text(*e);
    rows.push_back(r);
    const std::string bare = without_margin(e->objective);
    if (controls && !bare.empty())
      rows.push_back({std::string(e->key) + "_margin0", std::string(e->label) + ", margin 0", bare,
                      std::string("control: ") + e->label + " with no margin", e->pretrain, e->pretrain_share,
                      e->freeze});
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main(argc, argv, [&] {
    Args args(argc, argv,
              "gallery [--set default|all] [--only KEY,KEY] [--data mnist|mnist:DIR|fashion|digits[:N]|folder:DIR] "
              "[--epochs N] [--train-images N] [--test-images N] [--batch N] [--optim sgd|adam] [--lr X] [--clip X] "
              "[--seed N] [--seeds N] [--controls auto|on|off] [--threads N] [--jobs N] [--out DIR] [--cols N] "
              "[--trace-nonfinite] [--quiet] [--list] [--help]");
    const std::string set = args.get_choice("--set", "default", {"default", "all"},
                                            "default: softmax, center, sphereface, cosface, arcface; all: every loss");
    const std::string only = args.get_string("--only", "", "comma-separated keys instead of --set (--list shows them)");
    const std::string data_spec = args.get_string("--data", "mnist", kDataChoices);
    GalleryBudget b;
    b.epochs = args.get_int("--epochs", 4, 1, 1000, "passes over the training images, for every loss");
    const int train_images = args.get_int("--train-images", kPanelTrainImages, 0, 10000000,
                                          "training images per loss (0: all), the same for every loss");
    const int test_images = args.get_int("--test-images", 0, 0, 10000000, "test images (0: all)");
    b.batch = args.get_int("--batch", 32, 2, 4096, "images per step");
    b.clip = args.get_double("--clip", 5, 0, 1e9, "clip the gradients' global norm to this (0: off)");
    b.optim = args.get_choice("--optim", "sgd", {"sgd", "adam"}, "optimizer");
    b.lr = args.get_double("--lr", b.optim == "sgd" ? 0.02 : 0.002, 1e-6, 10, "initial learning rate (cosine decay to 0)");
    b.seed = uint64_t(args.get_int64("--seed", 1, 0, int64_t(1) << 62, "initialisation and data order"));
    b.seeds = args.get_int("--seeds", 1, 1, 100, "train everything under seeds --seed, --seed + 1, ...: mean and 95% interval");
    const std::string controls = args.get_choice("--controls", "auto", {"auto", "on", "off"},
                                                 "each margin loss again with no margin (auto: on with --seeds > 1)");
    const int threads = args.get_int("--threads", omp_get_max_threads(), 1, 256, "OpenMP threads");
    GalleryPage page;
    page.out = args.get_string("--out", "out/gallery", "output directory");
    const int jobs_arg = args.get_int("--jobs", 0, 0, 64,
                                      "losses trained at once, each on --threads / jobs threads (0: one per thread)");
    page.cols = args.get_int("--cols", 0, 0, 20, "losses a row in gallery.png (0: chosen)");
    b.quiet = args.get_flag("--quiet", "no progress bar");
    read_trace_nonfinite(args);
    const bool list = args.get_flag("--list", "print the entries and exit");
    args.finish();
    if (list) return print_entries(), 0;

    const std::vector<const Entry*> chosen = choose(args, set, only);
    const bool with_controls = controls == "on" || (controls == "auto" && b.seeds > 1);
    check_data_spec(args, data_spec);
    for (const Entry* e : chosen) {
      check_objective(args, "--only", e->objective, {}, 2);
      if (with_controls && !without_margin(e->objective).empty())
        check_objective(args, "--controls", without_margin(e->objective), {}, 2);
    }
    make_out_dir(args, "--out", page.out);
    const DataSplit data = load_gallery_data(data_spec, b.seed, train_images, test_images);
    page.data = data.description, page.test = data.test.name, page.train_images = data.train.size();
    const int per_epoch = (data.train.size() + b.batch - 1) / b.batch;
    const std::vector<GalleryRow> rows = gallery_rows(chosen, per_epoch, per_epoch * b.epochs, with_controls);
    std::printf("gallery: %zu losses%s, each %d epochs over %d training images (%d steps an epoch), "
                "tested on %d images of %s\n",
                rows.size(), b.seeds > 1 ? (" x " + std::to_string(b.seeds) + " seeds").c_str() : "", b.epochs,
                data.train.size(), per_epoch, data.test.size(), data.description.c_str());

    // Every training on its own thread with per_job OpenMP threads, `jobs` at once.
    b.threads = threads;
    b.jobs = jobs_arg > 0 ? jobs_arg : std::max(1, std::min<int>(threads, int(rows.size()) * b.seeds));
    b.per_job = std::max(1, threads / b.jobs);
    std::printf("%s at a time, %s each%s\n", counted(b.jobs, "loss", "losses").c_str(), counted(b.per_job, "thread").c_str(),
                b.jobs > 1 && b.per_job == 1 ? " (the last ones take the threads the others leave)" : "");
    std::fflush(stdout);
    GalleryRuns runs = train_gallery(rows, b, data);
    write_gallery(args, page, b, rows, runs);
    return 0;
  });
}
