// Training the gallery: every row (a loss with its 2-D settings, or its
// margin-0 control) under every seed, with one shared budget.
//
//   GalleryBudget b;  b.seeds = 3;  ...
//   DataSplit data = load_gallery_data("mnist", b.seed, kPanelTrainImages, 0);
//   GalleryRuns runs = train_gallery(rows, b, data);
//   runs.results[i][k]   row i trained with seed b.seed + k
//
// Under one seed every row starts from the same initialisation and sees the
// training images in the same order (FeatureRun draws both from the seed).
// Each training runs on one thread of its own with b.per_job OpenMP threads,
// b.jobs trainings at once (run_tasks); its numbers never depend on what
// runs beside it. With one OpenMP thread a training and several at once
// (make demo's two at a time on two cores), the trainings left when fewer
// remain than b.jobs take the threads of those that finished, at their next
// step, with their sums kept in one thread's order (set_fixed_order_sums in
// core/kernels/gemm.hpp): an odd last loss runs on both cores and its
// numbers are still bit for bit those of one thread.
#pragma once

#include <string>
#include <vector>

#include "demos/cli/data_arg.hpp"
#include "demos/explorer/page.hpp"
#include "demos/features/run.hpp"
#include "demos/gallery/report.hpp"

namespace fg {

struct GalleryRow {
  std::string key;        // sub-directory of --out: "arcface", "arcface_margin0"
  std::string label;      // panel title and table: "ArcFace", "ArcFace, margin 0"
  std::string objective;  // as trained, with its 2-D settings and schedules
  std::string note;       // how it differs from the lecture's setting
  // Two stages (demos/features/run.hpp): `pretrain` trains the whole network
  // for this share of the epochs, then the objective trains LeNet++'s last
  // layer (and the loss's own T) on the frozen trunk for the rest, or the
  // whole network again when `freeze` is false (a warm start).
  std::string pretrain;
  double pretrain_share = 0;
  bool freeze = true;
};

// A two-stage row's split of `epochs` into `o`: stage 1 gets the row's share
// (at least 1), stage 2 the rest (at least 1), so the trunk sees no more
// passes than any other row's (with --epochs 1 each stage gets one).
void set_stages(const GalleryRow& row, int epochs, FeatureRunOptions& o);

// What every training shares, and how they are scheduled.
struct GalleryBudget {
  int epochs = 4, batch = 32;
  std::string optim = "sgd";
  double lr = 0.02, clip = 5;
  uint64_t seed = 1;          // the first seed; the others are seed + 1, ..., seed + seeds - 1
  int seeds = 1;
  int threads = 1;            // OpenMP threads in all
  int jobs = 1, per_job = 1;  // trainings at once, OpenMP threads each
  bool quiet = false;         // no progress bar
};

struct GalleryRuns {
  std::vector<std::vector<GalleryResult>> results;  // [row][k]: the row under seed + k
  std::vector<ExplorerRun> explorer;                // [row]: 300 test images after each epoch, first seed
  std::string setup;                                // how a run trains (FeatureRun::describe())
  double seconds = 0;                               // wall clock, every training
};

// The data as the gallery uses it: `spec` loaded with `seed`, then at most
// train_images and test_images (0: all) drawn from it by `seed`. The same for
// every seed of --seeds: the seeds vary initialisation and order, not images.
DataSplit load_gallery_data(const std::string& spec, uint64_t seed, int train_images, int test_images);

// Trains rows.size() x b.seeds runs (the first seed's rows first); a run that
// stops has ok = false and its error. Only the first seed's runs keep their
// test features (for the pictures).
GalleryRuns train_gallery(const std::vector<GalleryRow>& rows, const GalleryBudget& b, const DataSplit& data);

}  // namespace fg
