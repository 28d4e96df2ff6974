// explorer.html: one self-contained page per run (data, script and styles
// inlined; no network; opens from file://). An epoch slider over the run's
// saved frames, raw / normalised views (dim 3: a sphere turned with the
// mouse), decision regions, the class weights W_j (or centres) as arrows, and
// for each hovered point its class, theta_y, psi(theta_y), its own loss and
// the arrow -dL/dh, all numbers taken from demos/explorer/probe.hpp. Several
// runs on one page (the gallery) share one slider. The margin playground's
// grid comes from demos/explorer/playground.hpp.
//
//   ExplorerPage page;
//   page.title = "arcface on digits";
//   page.runs.push_back(run);            // frames from explorer_frame(...)
//   write_explorer("out/x/explorer.html", page);
//
// The page draws with a plain 2-D canvas: the 3-D view is an orthographic
// projection of a few hundred dots written here (a WebGL library inlined in
// every page would weigh far more than the data and teach nothing).
#pragma once

#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "demos/explorer/probe.hpp"
#include "demos/train/trainer.hpp"

namespace fg {

struct ExplorerFrame {
  int epoch = 0;
  double accuracy = NAN;   // test accuracy, NaN when unknown
  std::vector<int> index;  // each point's row in the evaluated set
  Tensor H;                // m x N features
  std::vector<int> y;      // m labels
  Tensor W, C;             // class weights, centres (K x N) or empty
  Tensor W_push;           // -dL/dW (K x N) on these points, or empty
  PointProbes probes;
};

struct ExplorerRun {
  std::string title;       // "arcface s=16 m=0.2"
  int dim = 2;
  Scoring scoring = Scoring::Dot;
  std::vector<std::string> names;  // class names
  std::vector<ExplorerFrame> frames;
};

struct ExplorerPage {
  std::string title;
  std::vector<ExplorerRun> runs;  // one: a run's page; several: the gallery
  std::string table;              // Markdown under the panels (the gallery table): paragraphs and a
                                  // pipe table, which the page draws as an HTML <table>
  std::string points = "a fixed sample of the test set";  // what the dots are
  bool playground = true;
};

// A frame of the features H (labels y) of the evaluated set: at most
// max_points rows, the same rows for every frame of a run (drawn from seed and
// the row count), with the objective's numbers for each (probe_points; for a
// pair or triplet objective trained in P x K batches, pk_P > 0: probe_pk_batches
// with that shape and seed) and -dL/dW on them. W and C as
// from the run (either may be empty).
ExplorerFrame explorer_frame(Objective& obj, const Tensor& H, const std::vector<int>& y, const Tensor& W,
                             const Tensor& C, int epoch, double accuracy, int max_points, uint64_t seed,
                             int pk_P = 0, int pk_K = 0);

// The frame's points as JSON, one object each (index, label, theta_y_deg,
// psi, loss, neg_grad; batch for pair and triplet objectives), for
// metrics.json: the browser test compares what the page shows on hover with
// these.
std::string explorer_points_json(const ExplorerFrame& f);

// A frame of more than three dimensions as the page draws it: each vector
// projected on the top-two principal axes a_1, a_2 of the frame's features
// (demos/features/metrics.hpp), through the origin: v -> (a_1 . v, a_2 . v),
// not centred, so W_j and -dL/dh keep their origin and the arrows are the
// gradients' components in that plane. Hn, Wn, Cn: the same projection of
// h / |h|, W_j / |W_j|, c_j / |c_j| (the normalised view). Each is rows x 2; empty
// where the frame has none.
struct FrameView {
  Tensor H, Hn, W, Wn, C, Cn, W_push, grad;
};
FrameView project_frame(const ExplorerFrame& f);

// Writes the page whole (temporary file, then rename). Runs of dim 2 and 3
// are drawn as they are, of more on the plane of project_frame (the page says
// so); a dim below 2, or a run without frames, is an fg::Error.
void write_explorer(const std::string& path, const ExplorerPage& page);

// The page's script and styles (demos/explorer/page_script.cpp).
extern const char* const kExplorerScript;
extern const char* const kExplorerStyle;
// The margin playground's part of the script (demos/explorer/page_playground.cpp).
extern const char* const kExplorerPlaygroundScript;

}  // namespace fg
