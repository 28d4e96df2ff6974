// What the faceid demo writes: the tables (Markdown and JSON) and the
// pictures of its runs.
//
//   <out>/results.md       the comparison table, then verification,
//                          identification and neural-collapse tables
//   <out>/results.json     the same numbers (and the NC history per epoch)
//   <out>/roc.png          every run's ROC on the unseen classes, one panel
//                          per embedding dimension, a curve per objective
//   <out>/<run>/roc.png    the run's ROC (log FAR) with its operating points
//   <out>/<run>/angles.png genuine and impostor pair angles (degrees)
//   <out>/<run>/collapse.png  NC1-NC4 per epoch, log scale
//   <out>/<run>/features.png  (2-D runs) the unseen classes' embeddings
//
// <run> is run_slug(): the objective with every character other than a
// letter, digit, '.' or '-' turned into '_', then "_d" and the dimension.
#pragma once

#include <string>
#include <vector>

#include "demos/faceid/run.hpp"

namespace fg {

// Everything about the whole invocation that the tables state once.
struct FaceIdReportInfo {
  std::string command;     // the command line as given
  std::string data;        // FaceIdData::description
  std::string training;    // network, budget, optimizer
  std::string evaluation;  // pairs, enrollment, open-set split
  std::vector<std::string> unseen_names;
  double seconds = 0;  // wall time of the whole invocation
  int threads = 1;
};

std::string run_slug(const FaceIdRunResult& r);

// "0.912", "-" for NaN, "1.2e-05" for small values.
std::string fmt_metric(double v);

std::string results_markdown(const std::vector<FaceIdRunResult>& runs,
                             const FaceIdReportInfo& info);
std::string results_json(const std::vector<FaceIdRunResult>& runs, const FaceIdReportInfo& info);

// The run's pictures into `dir` (which must exist); `unseen` gives the
// labels and class names of the 2-D picture.
void write_run_plots(const FaceIdRunResult& r, const Dataset& unseen, const std::string& dir);

// One ROC figure for all runs: a panel per dimension, a curve per objective.
void write_roc_comparison(const std::vector<FaceIdRunResult>& runs, const std::string& path);

}  // namespace fg
