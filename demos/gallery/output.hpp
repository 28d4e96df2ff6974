// Everything the gallery writes into --out once it has trained (the list is
// in demos/gallery.cpp's header): each row's picture and embeddings and the
// side-by-side pictures from the first seed, the table (mean and interval
// with several seeds) as Markdown and JSON, and explorer.html.
#pragma once

#include <string>
#include <vector>

#include "demos/cli/args.hpp"
#include "demos/gallery/train.hpp"

namespace fg {

struct GalleryPage {
  std::string out;     // the directory
  std::string data;    // what the images are: "MNIST digits (8000 train, 10000 test)"
  std::string test;    // the test set's name, for the titles
  int train_images = 0;
  int cols = 0;        // losses a row in gallery.png (0: chosen)
};

// The line above the table: data, budget, setup, seeds and schedule.
std::string gallery_heading(const GalleryPage& p, const GalleryBudget& b, const GalleryRuns& runs);

// Writes every file and prints the table; sub-directories that cannot be
// made are an ArgError about --out.
void write_gallery(const Args& args, const GalleryPage& p, const GalleryBudget& b,
                   const std::vector<GalleryRow>& rows, GalleryRuns& runs);

}  // namespace fg
