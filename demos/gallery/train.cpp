#include "demos/gallery/train.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/data/batching.hpp"
#include "core/kernels/gemm.hpp"
#include "demos/features/metrics.hpp"
#include "demos/features/run.hpp"

namespace fg {

void set_stages(const GalleryRow& row, int epochs, FeatureRunOptions& o) {
  o.epochs = epochs;
  if (row.pretrain.empty()) return;
  const int first = std::min(std::max(1, int(std::lround(row.pretrain_share * epochs))), std::max(1, epochs - 1));
  o.pretrain = row.pretrain, o.pretrain_epochs = first, o.freeze = row.freeze;
  o.epochs = std::max(1, epochs - first);
}

DataSplit load_gallery_data(const std::string& spec, uint64_t seed, int train_images, int test_images) {
  DataSplit data = load_data(spec, seed);
  auto cap = [&](Dataset& d, int n, uint64_t stream) {
    if (n <= 0 || n >= d.size()) return;
    std::vector<int> keep = epoch_order(d.size(), derive_seed(seed, stream), 0);
    keep.resize(size_t(n));
    std::sort(keep.begin(), keep.end());
    const std::string name = d.name;
    d = subset(d, keep);
    d.name = name + " (" + std::to_string(n) + " of them)";
  };
  cap(data.train, train_images, 0x5eb);
  cap(data.test, test_images, 0x7e5);
  return data;
}

namespace {

// Trainings of one thread each, several at once: when fewer remain than
// workers, those left take the idle threads. Trainings that start with more
// threads keep their count (their sums are cut by it; see set_fixed_order_sums).
bool grows_into_idle_threads(const GalleryBudget& b) { return b.jobs > 1 && b.per_job == 1; }

// What the trainings share while they run.
struct Shared {
  const GalleryBudget& b;
  const DataSplit& data;
  int K;                       // classes
  std::vector<int> xsample;    // the explorer's test images
  std::mutex print_mu;         // lines, and `setup`
  std::string setup;
  std::atomic<int> running{0};  // workers still training, when they grow into idle threads
  // A running training's OpenMP threads: b.threads shared by those still running.
  int share() const { return std::max(1, b.threads / std::max(1, running.load())); }
};

// One training: `row` under seed `seed`; frames go to `xrun` when given.
GalleryResult train_one(const GalleryRow& row, uint64_t seed, Shared& sh, ExplorerRun* xrun) {
  const GalleryBudget& b = sh.b;
  GalleryResult r;
  r.label = row.label, r.objective = row.objective, r.note = row.note, r.seed = seed;
  const std::string name = b.seeds > 1 ? row.label + " [seed " + std::to_string(seed) + "]" : row.label;
  {
    std::lock_guard<std::mutex> lock(sh.print_mu);
    std::printf("== %s: %s\n", name.c_str(), r.objective.c_str());
    std::fflush(stdout);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::string grew;  // when it took the threads of finished trainings
  try {
    FeatureRunOptions o;
    o.objective = r.objective, o.dim = 2, o.epochs = b.epochs, o.batch = b.batch;
    o.optimizer = b.optim, o.lr = b.lr, o.clip = b.clip, o.seed = seed;
    o.eval_each_epoch = false, o.progress = !b.quiet && b.jobs == 1, o.verbose = b.jobs == 1;
    set_stages(row, b.epochs, o);
    FeatureRun run(o, sh.data.train, &sh.data.test);
    if (grows_into_idle_threads(b))  // the threads that finished trainings leave, at every step
      run.trainer().on_step = [&sh, &grew](int64_t step) {
        const int share = sh.share();
        if (share > 1 && grew.empty()) grew = " (" + std::to_string(share) + " threads from step " + std::to_string(step) + ")";
        omp_set_num_threads(share);
      };
    if (b.jobs > 1)  // the trainer's own lines would interleave: one short line an epoch instead
      run.trainer().on_epoch = [&](const EpochStats& st) {
        std::lock_guard<std::mutex> lock(sh.print_mu);
        char acc[32] = "";
        if (st.train_accuracy >= 0) std::snprintf(acc, sizeof acc, "  train acc %.3f", st.train_accuracy);
        std::printf("   %s: epoch %d/%d  loss %.4f%s  %.0f img/s\n", name.c_str(), st.epoch, st.epochs,
                    st.train_loss, acc, st.images_per_second);
        std::fflush(stdout);
      };
    if (xrun) {
      auto snap = [&, xrun](int epoch) {
        const Embeddings e = run.trainer().evaluate_indices(sh.data.test, sh.xsample);
        xrun->frames.push_back(explorer_frame(run.objective(), e.h, e.labels, run.class_weights(), run.centres(),
                                              epoch, NAN, 0, seed, run.pk_P(), run.pk_K()));
      };
      run.fit_first_stage();  // a two-stage row's frame 0 is its first stage's end
      snap(0);
      auto printed = run.trainer().on_epoch;
      run.trainer().on_epoch = [printed, snap](const EpochStats& st) {
        if (printed) printed(st);
        snap(st.epoch);
      };
    }
    run.fit();
    if (grows_into_idle_threads(b)) omp_set_num_threads(sh.share());
    const Embeddings ev = run.trainer().evaluate(sh.data.test);
    const FeatureMetrics f = feature_metrics(ev.h, ev.labels, sh.K);
    r.test_accuracy = ev.has_accuracy ? ev.accuracy : NAN;
    r.intra_deg = f.intra_deg, r.min_inter_deg = f.min_inter_deg, r.radial_spread = f.radial_spread;
    if (xrun)  // the pictures are the first seed's
      r.features = FeatureSnapshot{ev.h, ev.labels, run.class_weights().clone(), run.centres().clone(),
                                   run.scoring(), sh.data.test.class_names};
    r.ok = true;
    std::lock_guard<std::mutex> lock(sh.print_mu);
    // The header's "every loss: ..." is a plain run's: one stage, shuffled batches.
    if (sh.setup.empty() || (run.pk_P() == 0 && !run.pretrainer())) sh.setup = run.describe();
  } catch (const std::exception& err) {
    r.error = err.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(sh.print_mu);
  if (r.ok)
    std::printf("%s: test accuracy %.3f, intra-class angle %.1f deg, min inter-class angle %.1f deg, "
                "radial spread %.2f, %.0f s%s\n",
                name.c_str(), r.test_accuracy, r.intra_deg, r.min_inter_deg, r.radial_spread, r.seconds,
                grew.c_str());
  else
    std::printf("%s stopped: %s\n", name.c_str(), r.error.c_str());
  std::fflush(stdout);
  return r;
}

}  // namespace

GalleryRuns train_gallery(const std::vector<GalleryRow>& rows, const GalleryBudget& b, const DataSplit& data) {
  Shared sh{b, data, std::max(data.train.num_classes(), data.test.num_classes()), {}, {}, {}, {}};
  // explorer.html: the same 300 test images of every loss after every epoch.
  sh.xsample = epoch_order(data.test.size(), derive_seed(b.seed, 0xe7b1), 0);
  sh.xsample.resize(std::min<size_t>(sh.xsample.size(), 300));
  std::sort(sh.xsample.begin(), sh.xsample.end());
  const int n = int(rows.size());
  GalleryRuns runs;
  runs.results.assign(rows.size(), std::vector<GalleryResult>(size_t(b.seeds)));
  runs.explorer.resize(rows.size());
  const auto t0 = std::chrono::steady_clock::now();
  // Task t is row t % n under seed k = t / n: the first seed's rows first.
  auto task = [&](int t) {
    const int i = t % n, k = t / n;
    runs.results[size_t(i)][size_t(k)] =
        train_one(rows[size_t(i)], b.seed + uint64_t(k), sh, k == 0 ? &runs.explorer[size_t(i)] : nullptr);
  };
  if (!grows_into_idle_threads(b)) {
    run_tasks(n * b.seeds, b.jobs, b.per_job, task);
  } else {
    // run_tasks, and each worker that finds no task left gives its thread to
    // those still training (Shared::share), whose sums keep one thread's order.
    std::atomic<int> next{0};
    const int workers = std::min(b.jobs, n * b.seeds);
    sh.running = workers;
    std::vector<std::thread> pool;
    for (int j = 0; j < workers; ++j)
      pool.emplace_back([&] {
        set_fixed_order_sums(true);  // this thread's own setting
        for (int t = next++; t < n * b.seeds; t = next++) {
          omp_set_num_threads(1);
          task(t);  // train_one catches what a training throws
        }
        --sh.running;
      });
    for (std::thread& w : pool) w.join();
  }
  runs.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  runs.setup = sh.setup;
  return runs;
}

}  // namespace fg
