#include "demos/gallery/output.hpp"

#include <chrono>
#include <cstdio>

#include "demos/cli/counted.hpp"
#include "demos/cli/demo_checks.hpp"
#include "demos/cli/json_text.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

namespace {

std::string budget(const GalleryPage& p, const GalleryBudget& b) {
  return counted(b.epochs, "epoch") + " x " + std::to_string(p.train_images) + " training images each";
}

}  // namespace

std::string gallery_heading(const GalleryPage& p, const GalleryBudget& b, const GalleryRuns& runs) {
  std::string seeds = "seed " + std::to_string(b.seed);
  if (b.seeds > 1)
    seeds = std::to_string(b.seeds) + " seeds (" + std::to_string(b.seed) + " to " +
            std::to_string(b.seed + uint64_t(b.seeds) - 1) + "; the pictures: seed " + std::to_string(b.seed) + ")";
  return "2-D LeNet++ on " + p.data + "; every loss: " + budget(p, b) + ", " + runs.setup + ", " + seeds + "; " +
         counted(b.jobs, "loss", "losses") + " at a time on " + counted(b.per_job, "thread") + " each; " + std::to_string(int(runs.seconds)) + " s in all (wall clock).";
}

void write_gallery(const Args& args, const GalleryPage& p, const GalleryBudget& b,
                   const std::vector<GalleryRow>& rows, GalleryRuns& runs) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<GalleryResult> first;  // the first seed's runs: the pictures
  for (size_t i = 0; i < rows.size(); ++i) {
    GalleryResult& r = runs.results[i][0];
    first.push_back(r);
    if (!r.ok) continue;
    const std::string dir = p.out + "/" + rows[i].key;
    make_out_dir(args, "--out", dir);
    char acc[16];
    std::snprintf(acc, sizeof acc, "%.3f", r.test_accuracy);
    FeatureSnapshot big = r.features;
    big.max_points = 10000;
    feature_figure(big, r.label + " (" + r.objective + "), test accuracy " + acc, "test", 480)
        .save_png(dir + "/test_features.png");
    save_embeddings_csv(dir + "/embeddings.csv", r.features.H, r.features.y);
    first.back().features.max_points = 4000;
  }
  const int n = int(first.size());
  const int cols = p.cols > 0 ? p.cols : n <= 6 ? n : 6;
  gallery_figure(first, "2-D LeNet++ features of " + p.test + ", " + budget(p, b), cols, 340)
      .save_png(p.out + "/gallery.png");
  runs.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string heading = gallery_heading(p, b, runs);
  const std::string table = gallery_markdown(runs.results, heading);
  write_text_atomic(p.out + "/gallery.md", table);
  ExplorerPage page;
  page.title = "2-D LeNet++ features of " + p.test + ", " + budget(p, b);
  page.table = table;
  for (size_t i = 0; i < rows.size(); ++i)
    if (first[i].ok && !runs.explorer[i].frames.empty()) {
      ExplorerRun& x = runs.explorer[i];
      x.title = first[i].label + " (" + first[i].objective + ")";
      x.names = first[i].features.names;
      page.runs.push_back(x);
    }
  if (!page.runs.empty()) write_explorer(p.out + "/explorer.html", page);
  write_text_atomic(p.out + "/gallery.json", gallery_json(runs.results, heading));
  std::printf("\n%s\n", table.c_str());
  std::printf("gallery: %.0f s in all; pictures in %s/gallery.png (and %s/<loss>/test_features.png), "
              "table in %s/gallery.md\n",
              runs.seconds, p.out.c_str(), p.out.c_str(), p.out.c_str());
}

}  // namespace fg
